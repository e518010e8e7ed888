import { STATUS, SimException, irqlName, type NtStatus, type Routine } from '@irpsim/core';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import { activeFrame, afterDispatch, enterDispatch, type DispatchFrame } from './dispatchChecks.ts';
import { CompleteRequest } from './completeRequest.ts';
import { badRoutineResult, isRoutineResult, type DispatchRoutine, type RoutineResult } from './routines.ts';
import { majorName } from './constants.ts';
import { irpAnalysis } from './verifier/irpHistory.ts';
import { checkEventAlreadySignalled, checkForward, eventSignalledAtFirstCall } from './verifier/forwardChecks.ts';
import { beginForcedPending, endForcedPending } from './adversary/forcePending.ts';
import { disruptRequest } from './adversary/disruptRequest.ts';

/**
 * IoCallDriver (IO-5.2): moves the IRP to the next stack location, records the device
 * there and calls the driver's dispatch routine for the location's major function. The
 * dispatch routine's return value comes back unchanged. Calling a driver is a scheduling
 * point: other runnable work may go first.
 *
 * It is the routine below written out as a state machine (`CallDriver`) rather than a
 * generator: the same steps, values and exceptions, but a small object instead of a
 * generator frame and no result object per resumption, on the path of every IRP and
 * every level (docs/performance.md, optimisation log):
 *
 *     if (device === null) return nullDevice(io, irp, caller);
 *     const from = activeFrame(io, irp);
 *     const location = enterLocation(io, device, irp, caller, from);
 *     …  // the adversaries' hooks
 *     yield io.machine.cost.routineCall;
 *     enterDispatch(io, irp, driver, location);
 *     const running = io.enterDriver(driver);
 *     try {
 *       status = ((yield engine.call(routine(driver.kernel, device.ref, io.irpRef(irp, driver)))) as NtStatus) >>> 0;
 *     } catch (error) { io.faultIn(driver, error); throw error; } finally { io.leaveDriver(running); }
 *     return called(…);
 */
export function callDriver(io: IoManager, device: DeviceObject | null, irp: Irp, caller: DriverObject | null): Routine<NtStatus> {
  return new CallDriver(io, device, irp, caller) as unknown as Routine<NtStatus>;
}

/**
 * `callDriver` as an iterator a task's engine and `yield*` drive like the generator it
 * replaces (next, throw, return). Its one result object is reused: the engine and
 * `yield*` read it before the next resumption.
 *
 * A plain dispatch routine that ends with `return k.IoCallDriver(lower, irp)` hands back
 * the lower level's `CallDriver` before it has started (routines.ts): that level runs as
 * part of this one, its steps taken here, with this level's end kept for when it ends —
 * what an engine frame of its own would do (the same steps, values and exceptions, in
 * the same order), without a frame entered and left, and its object resumed, per level
 * (docs/performance.md, optimisation log). The levels stay a flat list, so a deep stack
 * of filters costs the same per level. A dispatch routine that ends with
 * `return completeIrp(k, irp, status)` hands back the completion walk before it has
 * started: its level runs the walk's steps (WALKING) and returns the walk's value, as an
 * engine frame of the walk's own would, without the frame.
 */
class CallDriver {
  /**
   * Where this level is: 0 START, before its first step; 1 SCHEDULED, at the scheduling
   * point; 2 DISPATCHING, in the dispatch routine; 3 ENDED; 4 WALKING, in the dispatch
   * routine, running the completion walk it ended with (`walk`). Literals where they are used,
   * each named in a comment: V8 does not fold a module's constants into the code using
   * them (see Memory.pte).
   */
  private state = 0 /* START */;
  private from: DispatchFrame | null = null;
  private location = 0;
  private routine: DispatchRoutine | null = null;
  private forced: ReturnType<typeof beginForcedPending> = null;
  private running: DriverObject[] | null = null;
  /** The completion walk a dispatch routine ended with (completeIrp), while it runs. */
  private walk: CompleteRequest | null = null;
  /** The innermost level, whose step runs next: this one, or the last tail call taken in. */
  private level: CallDriver = this;
  /** The level whose dispatch routine ended with this one (a tail call), or null: the runner's list of levels, inside out. */
  private up: CallDriver | null = null;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };

  private readonly io: IoManager;
  private readonly device: DeviceObject | null;
  private readonly irp: Irp;
  private readonly caller: DriverObject | null;

  constructor(io: IoManager, device: DeviceObject | null, irp: Irp, caller: DriverObject | null) {
    this.io = io;
    this.device = device;
    this.irp = irp;
    this.caller = caller;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<number, NtStatus> {
    const level = this.level;
    const result = this.result;
    try {
      switch (level.state) {
        case 0 /* START */:
          result.value = level.start();
          result.done = false;
          return result as IteratorResult<number, NtStatus>;
        case 1 /* SCHEDULED */: {
          const returned = level.dispatch();
          if (typeof returned === 'number') return this.ended(level.returned(returned >>> 0));
          if (returned instanceof CallDriver && returned.state === 0 /* START */) {
            // A tail call: the lower level starts now, in this step, as its own frame would.
            returned.up = level;
            this.level = returned;
            result.value = returned.start();
            result.done = false;
            return result as IteratorResult<number, NtStatus>;
          }
          // completeIrp's walk: its steps taken here, as its own frame would take them.
          if (returned instanceof CompleteRequest && returned.unstarted()) return this.startWalk(level, returned);
          // The routine's `next` read here, where few shapes are seen (Engine.callWith).
          result.value = level.io.machine.engine.callWith(returned, returned.next);
          result.done = false;
          return result as IteratorResult<number, NtStatus>;
        }
        case 2 /* DISPATCHING */:
          return this.ended(level.returned((value as NtStatus) >>> 0));
        case 4 /* WALKING */:
          return this.walking(level, level.walk!.next(value));
        default:
          return { value: undefined as never, done: true };
      }
    } catch (error) {
      // An exception leaving the walk leaves the dispatch routine that ended with it.
      if (level.state === 4 /* WALKING */) level.thrown(error);
      this.unwind(error);
      throw error;
    }
  }

  throw(error: unknown): IteratorResult<number, NtStatus> {
    const level = this.level;
    if (level.state === 4 /* WALKING */) {
      try {
        return this.walking(level, level.walk!.throw(error));
      } catch (thrown) {
        if (level.state === 4 /* WALKING */) level.thrown(thrown);
        this.unwind(thrown);
        throw thrown;
      }
    }
    level.thrown(error);
    this.unwind(error);
    throw error;
  }

  return(value: NtStatus): IteratorResult<number, NtStatus> {
    for (let level: CallDriver | null = this.level; level !== null; level = level.up) {
      if (level.state === 4 /* WALKING */) {
        level.walk!.return(undefined);
        level.walk = null;
        level.state = 2 /* DISPATCHING */;
      }
      if (level.state === 2 /* DISPATCHING */) level.io.leaveDriver(level.running!);
      level.state = 3 /* ENDED */;
    }
    this.level = this;
    return { value, done: true };
  }

  /** The innermost level's dispatch routine ended with `walk`, not started yet: its first step. */
  private startWalk(level: CallDriver, walk: CompleteRequest): IteratorResult<number, NtStatus> {
    level.walk = walk;
    level.state = 4 /* WALKING */;
    return this.walking(level, walk.next(undefined));
  }

  /** A step of the innermost level's walk: passed on, or, when the walk has ended, the level returns its value. */
  private walking(level: CallDriver, step: IteratorResult<number, unknown>): IteratorResult<number, NtStatus> {
    if (step.done !== true) return step as IteratorResult<number, NtStatus>;
    level.walk = null;
    level.state = 2 /* DISPATCHING */;
    return this.ended(level.returned((step.value as NtStatus) >>> 0));
  }

  /** The innermost level returned `status`: each level around it ends in turn, inside out. */
  private ended(status: NtStatus): IteratorResult<number, NtStatus> {
    let level = this.level.up;
    while (level !== null) {
      this.level = level;
      status = level.returned(status);
      level = level.up;
    }
    const result = this.result;
    result.value = status;
    result.done = true;
    return result as IteratorResult<number, NtStatus>;
  }

  /** An exception leaves the innermost level: it passes through each level around it, as through their frames. */
  private unwind(error: unknown): void {
    let level = this.level.up;
    while (level !== null) {
      this.level = level;
      level.thrown(error);
      level = level.up;
    }
  }

  /** START: the location moves down and the scheduling point before the dispatch routine. */
  private start(): number {
    this.state = 3 /* ENDED */;
    const io = this.io;
    const irp = this.irp;
    const device = this.device;
    const caller = this.caller;
    if (device === null) return nullDevice(io, irp, caller);
    const from = activeFrame(io, irp);
    this.from = from;
    const location = enterLocation(io, device, irp, caller, from);
    this.location = location;
    const driver = device.driver;
    this.routine = driver.majorFunction[irp.stack[location - 1]!.majorFunction] ?? invalidDeviceRequest;
    // Adversaries (off by default): force-pending may intercept this call; a user request may be disrupted.
    this.forced = io.verifier.adversaries === null ? null : beginForcedPending(io, irp, location, caller, driver);
    if (caller === null && io.verifier.adversaries !== null) disruptRequest(io, irp);
    this.state = 1 /* SCHEDULED */;
    return io.machine.cost.routineCall;
  }

  /** SCHEDULED: the dispatch routine is called; what it returned (its status, or a routine to run). */
  private dispatch(): RoutineResult {
    this.state = 3 /* ENDED */;
    const io = this.io;
    const irp = this.irp;
    const device = this.device!;
    const driver = device.driver;
    enterDispatch(io, irp, driver, this.location);
    const running = io.enterDriver(driver);
    let returned: RoutineResult;
    try {
      returned = this.routine!(driver.kernel, device.ref, io.irpRef(irp, driver));
      if (!isRoutineResult(returned)) throw badRoutineResult(returned, `the dispatch routine of ${driver.name} for ${majorName(irp.stack[this.location - 1]!.majorFunction)}`);
    } catch (error) {
      io.faultIn(driver, error);
      io.leaveDriver(running);
      throw error;
    }
    this.running = running;
    this.state = 2 /* DISPATCHING */;
    return returned;
  }

  /** DISPATCHING: the dispatch routine returned `status` (itself, or what it handed back did). */
  private returned(status: NtStatus): NtStatus {
    this.state = 3 /* ENDED */;
    this.io.leaveDriver(this.running!);
    return this.called(status);
  }

  /** DISPATCHING: an exception leaves the dispatch routine; the report names its driver (the stack unwinds before the analysis). */
  private thrown(error: unknown): void {
    this.walk = null;
    if (this.state === 2 /* DISPATCHING */ || this.state === 4 /* WALKING */) {
      this.io.faultIn(this.device!.driver, error);
      this.io.leaveDriver(this.running!);
    }
    this.state = 3 /* ENDED */;
  }

  /** After the dispatch routine returned: its checks, the adversary's say, the caller's frame. */
  private called(returned: NtStatus): NtStatus {
    const io = this.io;
    const irp = this.irp;
    const driver = this.device!.driver;
    let status = returned;
    dispatchReturned(io, irp, this.location, driver, status);
    if (this.forced !== null) status = endForcedPending(io, this.forced, irp, status);
    if (this.from !== null) this.from.forwarded = status;
    // IO-5.15: the lower driver owns a pending IRP until the caller's completion routine runs.
    if (status === 0x103 /* STATUS_PENDING, a literal: see the states above */ && this.caller !== null && irp.state === 'active') irp.forwardedBy = this.caller;
    return status;
  }
}

/**
 * IoCallDriver(NULL, Irp): 0xC9 WDM DRIVER ERROR 0x204 under the verifier; without it
 * IoCallDriver reads DeviceObject->DriverObject through NULL: an access violation.
 */
function nullDevice(io: IoManager, irp: Irp, caller: DriverObject | null): never {
  if (io.verifier.on) {
    io.verifier.ioViolation(0x204, true, 'IoCallDriver with a NULL device object',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)} and a NULL device object (the lower device was never set?)`, irp, caller);
  }
  throw new SimException(STATUS.ACCESS_VIOLATION, 0x8, false, 'kernel');
}

/**
 * IoCallDriver up to the call: the next location becomes current and names the device.
 * Returns its number. The checks that fire and the trace event are functions of their
 * own: this part runs at every level of every IRP and is kept small enough to inline.
 */
function enterLocation(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null, from: DispatchFrame | null): number {
  // IO-5.9: never above DISPATCH_LEVEL; stopped at every verifier level (POLICY, docs/verifier.md).
  const irql = io.machine.cpus.irql;
  if (irql > 2 /* IRQL.DISPATCH, a literal: see the states above */) callAboveDispatch(io, irp, caller, irql);
  if (io.verifier.on) verifyCall(io, device, irp, caller, from);
  irp.currentLocation--;
  if (irp.currentLocation <= 0) noMoreStackLocations(io, device, irp, caller);
  const location = irp.currentLocation;
  const sl = irp.stack[location - 1];
  // Past the last location (a completed IRP sent on): Windows writes through a stale pointer.
  if (sl === undefined) throw new SimException(STATUS.ACCESS_VIOLATION, irp.address, true, 'kernel');
  sl.deviceObject = device;
  irp.state = 'active';
  if (io.trace.on) traceCall(io, device, irp, sl, location, caller);
  return location;
}

function callAboveDispatch(io: IoManager, irp: Irp, caller: DriverObject | null, irql: number): void {
  io.verifier.ioViolation(0x10, true, 'IoCallDriver above DISPATCH_LEVEL',
    `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)} at ${irqlName(irql)} (IO-5.9)`, irp, caller, [0x10, irql, 0, 0]);
}

/** The verifier's checks at IoCallDriver, before the location moves. */
function verifyCall(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null, from: DispatchFrame | null): void {
  // A stale pointer: the IRP was completed (or freed) and is no longer the caller's to send.
  if (irp.state === 'completed' || irp.state === 'freed') {
    io.verifier.ioViolation(0x03, true, 'IoCallDriver with an IRP that is no longer an IRP',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)}, which was already completed`, irp, caller, [0x03, irp.address, 0, 0]);
  }
  checkForward(io, device, irp, caller, from);
  // 0x307 is judged when this call returns; the note names the location it was made for.
  if (eventSignalledAtFirstCall(irp)) irp.notes['eventSignalledAt'] = { location: irp.currentLocation - 1, caller };
}

function noMoreStackLocations(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null): never {
  return io.machine.bugcheck({
    code: 0x35,
    name: 'NO_MORE_IRP_STACK_LOCATIONS',
    params: [irp.address, 0, 0, 0],
    message: `IoCallDriver on ${io.describeIrp(irp)} with no stack location left (StackCount ${irp.stackCount}) to ${device.label}`,
    ...(caller !== null ? { driver: caller.name } : {}),
    analysis: irpAnalysis(io.machine, irp),
  });
}

function traceCall(io: IoManager, device: DeviceObject, irp: Irp, sl: IoStackLocation, location: number, caller: DriverObject | null): void {
  io.trace.emit({
    type: 'io.irp.call',
    irp: irp.id,
    device: device.id,
    deviceName: device.label,
    driver: device.driver.name,
    major: sl.majorFunction,
    minor: sl.minorFunction,
    location,
    stackCount: irp.stackCount,
    caller: caller?.name ?? null,
  });
}

/** After the dispatch routine returned: the trace and the verifier's checks (IO-5.14). */
function dispatchReturned(io: IoManager, irp: Irp, location: number, driver: DriverObject, status: NtStatus): void {
  if (io.trace.on) io.trace.emit({ type: 'io.irp.return', irp: irp.id, driver: driver.name, status, location });
  if (io.verifier.on) verifyReturn(io, irp, location, driver, status);
}

function verifyReturn(io: IoManager, irp: Irp, location: number, driver: DriverObject, status: NtStatus): void {
  afterDispatch(io, irp, driver, status);
  const signalled = irp.notes['eventSignalledAt'] as { location: number; caller: DriverObject | null } | undefined;
  if (signalled !== undefined && signalled.location === location) {
    delete irp.notes['eventSignalledAt'];
    checkEventAlreadySignalled(io, irp, signalled.caller, status);
  }
}

/**
 * The dispatch routine of every major function a driver leaves unset (IO-5.7): complete
 * with STATUS_INVALID_DEVICE_REQUEST and return it.
 */
export const invalidDeviceRequest: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, 0);
  return STATUS.INVALID_DEVICE_REQUEST;
};
