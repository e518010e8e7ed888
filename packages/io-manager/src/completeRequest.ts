import { STATUS, describeStatus, irqlName, ntError, ntSuccess, type NtStatus, type Routine } from '@irpsim/core';
import { IRP_FLAG, SL } from './constants.ts';
import { activeFrame } from './dispatchChecks.ts';
import { completedWithoutOwner } from './driverIrps.ts';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import type { Irp } from './Irp.ts';
import { checkCompletedCancelable, checkCompletion } from './verifier/completionChecks.ts';
import { irpAnalysis } from './verifier/irpHistory.ts';
import { badRoutineResult, isRoutineResult, type CompletionRoutine } from './routines.ts';
import { unlockIrpMdls } from './unlockIrpMdls.ts';
import { hasQueuedCompletionApcs, queueCompletionApc } from './completionApcs.ts';

/**
 * IoCompleteRequest. Walks the stack locations from the completing driver's upwards
 * (IO-5.10): at each one PendingReturned is read from its Control, the routine the driver
 * above registered there runs if the status class or Cancel selects it (IO-5.11, re-read
 * at every level), the location is cleared first, and STATUS_MORE_PROCESSING_REQUIRED
 * stops everything (IO-5.12). A later call resumes with the routine above. When the walk
 * ends, the I/O manager's final processing runs (IO-5.19).
 *
 * It is the generator below written out as a state machine (`CompleteRequest`), like
 * callDriver: the same steps, values and exceptions, without a generator frame per IRP
 * (docs/performance.md, optimisation log):
 *
 *     if (!resume) startCompletion(io, irp, boost, caller);
 *     let index = irp.currentLocation - 1;   // the completing driver's own location first
 *     irp.currentLocation++;
 *     while (irp.currentLocation <= irp.stackCount + 1) {
 *       const sl = irp.stack[index]!;
 *       irp.pendingReturned = (sl.control & SL.PENDING_RETURNED) !== 0;
 *       if (sl.completionRoutine !== null && selectsRoutine(irp, sl)) {
 *         … take the routine, its context and owner; sl.clear()
 *         yield io.machine.cost.routineCall;
 *         const running = io.enterDriver(owner);   // not for an owner-less routine
 *         try { result = routine(…) as a status, or (yield engine.call(routine(…))) }
 *         catch (error) { io.faultIn(owner, error); throw error; } finally { io.leaveDriver(running); }
 *         if (!routineReturned(…)) return;        // STATUS_MORE_PROCESSING_REQUIRED
 *       } else { … propagate the pending bit; sl.clear() }
 *       irp.currentLocation++; index++;
 *     }
 *     irp.state = 'completed'; irp.priorityBoost = boost;
 *     walkEnded(io, irp, caller);
 *     if (finishesNow(io, irp)) yield* io.finishRequest(irp);
 */
export function completeRequest(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null, resume = false): Routine<void> {
  // `resume`: the verifier gives back a walk its force-pending adversary stopped (adversary/forcePending.ts).
  return new CompleteRequest(io, irp, boost, caller, resume) as unknown as Routine<void>;
}

/**
 * `walk` (what IoCompleteRequest returned), ending with `status` as its value instead of
 * nothing: completeIrp's routine. The I/O manager's own walk takes the status itself; a
 * walk a test or a buggy twin replaced (`withDdis`) is wrapped.
 */
export function completeReturning(walk: Routine<void>, status: NtStatus): Routine<NtStatus> {
  if (walk instanceof CompleteRequest) {
    walk.returns = status;
    return walk as unknown as Routine<NtStatus>;
  }
  return thenReturn(walk, status);
}

function* thenReturn(walk: Routine<void>, status: NtStatus): Routine<NtStatus> {
  yield* walk;
  return status;
}

/**
 * `completeRequest` as an iterator the engine and `yield*` drive like the generator it
 * replaces (next, throw, return). Its one result object is reused: the engine and
 * `yield*` read it before the next resumption.
 */
export class CompleteRequest {
  /**
   * Where it is: 0 START; 1 SCHEDULED, at the scheduling point before a completion routine;
   * 2 IN_ROUTINE, in a completion routine that is a generator (an engine call); 3 FINISHING,
   * in the final processing (`yield* io.finishRequest(irp)`); 4 ENDED. Literals where they
   * are used, each named in a comment: V8 does not fold a module's constants into the code
   * using them (see Memory.pte).
   */
  private state = 0 /* START */;
  /** The index in `irp.stack` of the location the walk is at. */
  private index = 0;
  // The completion routine about to run or running, taken from its location before the location was cleared.
  private routine: CompletionRoutine | null = null;
  private context: unknown = null;
  private owner: DriverObject | null = null;
  private own: IoStackLocation | null = null;
  private device: DeviceObject | null = null;
  private location = 0;
  private status: NtStatus = 0;
  private running: DriverObject[] | null = null;
  /** The final processing, while it runs. */
  private inner: Routine<void> | null = null;
  /** The walk's value when it ends: nothing, or the status completeIrp's caller returns. */
  returns: NtStatus | undefined = undefined;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };
  private readonly io: IoManager;
  private readonly irp: Irp;
  private readonly boost: number;
  private readonly caller: DriverObject | null;
  private readonly resume: boolean;

  constructor(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null, resume: boolean) {
    this.io = io;
    this.irp = irp;
    this.boost = boost;
    this.caller = caller;
    this.resume = resume;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Not started yet: CallDriver runs a walk a dispatch routine ended with as part of its level (callDriver.ts). @internal */
  unstarted(): boolean {
    return this.state === 0 /* START */;
  }

  next(value?: unknown): IteratorResult<number, void> {
    const state = this.state;
    this.state = 4 /* ENDED */;
    switch (state) {
      case 0 /* START */: {
        const irp = this.irp;
        // A walk the verifier gives back (`resume`) emits no event of its own until a routine runs.
        this.io.noteIrpChange(irp);
        if (!this.resume) startCompletion(this.io, irp, this.boost, this.caller);
        this.index = irp.currentLocation - 1;
        irp.currentLocation++;
        return this.walk();
      }
      case 1 /* SCHEDULED */:
        return this.callRoutine();
      case 2 /* IN_ROUTINE */: {
        if (this.running !== null) this.io.leaveDriver(this.running);
        this.running = null;
        return this.routineDone(value as NtStatus);
      }
      case 3 /* FINISHING */:
        return this.finishing(this.inner!.next(value));
      default:
        return this.ended();
    }
  }

  throw(error: unknown): IteratorResult<number, void> {
    const state = this.state;
    this.state = 4 /* ENDED */;
    if (state === 2 /* IN_ROUTINE */) {
      // The report names the driver whose routine threw (the stack unwinds before the analysis).
      if (this.running !== null) {
        this.io.faultIn(this.owner!, error);
        this.io.leaveDriver(this.running);
      }
    } else if (state === 3 /* FINISHING */) {
      return this.finishing(this.inner!.throw(error));
    }
    throw error;
  }

  return(value: void): IteratorResult<number, void> {
    if (this.state === 2 /* IN_ROUTINE */ && this.running !== null) this.io.leaveDriver(this.running);
    if (this.state === 3 /* FINISHING */) {
      const inner = this.inner!.return(value);
      if (inner.done !== true) return inner;
    }
    this.state = 4 /* ENDED */;
    return { value, done: true };
  }

  /** The loop over the locations, up to the next completion routine's scheduling point or the end. */
  private walk(): IteratorResult<number, void> {
    const io = this.io;
    const irp = this.irp;
    while (irp.currentLocation <= irp.stackCount + 1) {
      const sl = irp.stack[this.index]!;
      irp.pendingReturned = (sl.control & 0x01 /* SL.PENDING_RETURNED, a literal: see the states above */) !== 0;
      const routine = sl.completionRoutine;
      if (routine !== null && selectsRoutine(irp, sl)) {
        this.routine = routine;
        this.status = irp.status;
        this.context = sl.context;
        const registered = sl.routineOwner;
        sl.clear();
        // The registering driver owns the location above; NULL if it owns none (IO-5.10 step 4).
        const own = irp.currentLocation <= irp.stackCount ? irp.stack[irp.currentLocation - 1]! : null;
        const device = own?.deviceObject ?? null;
        const owner = registered ?? device?.driver ?? null;
        if (irp.forwardedBy === owner) irp.forwardedBy = null; // the IRP is back with the driver that forwarded it
        this.own = own;
        this.device = device;
        this.owner = owner;
        this.location = irp.currentLocation;
        this.state = 1 /* SCHEDULED */;
        return this.yielded(io.machine.cost.routineCall);
      }
      // No routine: the I/O manager propagates the pending bit itself (IO-5.10 step 5).
      if (irp.currentLocation <= irp.stackCount && irp.pendingReturned) {
        irp.stack[irp.currentLocation - 1]!.control |= 0x01 /* SL.PENDING_RETURNED */;
      }
      sl.clear();
      irp.currentLocation++;
      this.index++;
    }
    irp.state = 'completed';
    irp.priorityBoost = this.boost;
    walkEnded(io, irp, this.caller);
    if (!finishesNow(io, irp)) return this.ended();
    this.inner = io.finishRequest(irp);
    return this.finishing(this.inner.next(undefined));
  }

  /** After the scheduling point: the routine runs, with its driver's kernel API, or is entered as an engine call. */
  private callRoutine(): IteratorResult<number, void> {
    const io = this.io;
    const irp = this.irp;
    const owner = this.owner;
    const routine = this.routine!;
    const device = this.device;
    let returned: unknown;
    // An owner-less routine runs with the completing driver's API and names no driver (IO-5.10 step 4).
    const running = owner === null ? null : io.enterDriver(owner);
    try {
      // A plain completion routine returns its status at once (routines.ts).
      returned = owner === null
        ? routine(this.caller!.kernel, null, io.irpRef(irp, null), this.context)
        : routine(owner.kernel, device === null ? null : device.ref, io.irpRef(irp, owner), this.context);
      if (!isRoutineResult(returned)) throw badRoutineResult(returned, owner === null ? 'a completion routine' : `the completion routine of ${owner.name}`);
    } catch (error) {
      if (running !== null) {
        io.faultIn(owner!, error);
        io.leaveDriver(running);
      }
      throw error;
    }
    if (typeof returned === 'number') {
      if (running !== null) io.leaveDriver(running);
      return this.routineDone(returned);
    }
    this.running = running;
    this.state = 2 /* IN_ROUTINE */;
    return this.yielded(io.machine.engine.callWith(returned, returned.next));
  }

  /** The routine returned `result`: the walk stops at STATUS_MORE_PROCESSING_REQUIRED, else goes on above. */
  private routineDone(result: NtStatus): IteratorResult<number, void> {
    const irp = this.irp;
    const done = routineReturned(this.io, irp, this.own, this.owner, this.location, this.status, result);
    this.routine = null;
    this.context = null;
    this.device = null;
    if (!done) return this.ended();
    irp.currentLocation++;
    this.index++;
    return this.walk();
  }

  /** `yield* io.finishRequest(irp)` as the walk's last statement. */
  private finishing(inner: IteratorResult<number, void>): IteratorResult<number, void> {
    if (inner.done !== true) {
      this.state = 3 /* FINISHING */;
      return inner;
    }
    this.inner = null;
    return this.ended();
  }

  private yielded(effect: number): IteratorResult<number, void> {
    const result = this.result;
    result.value = effect;
    result.done = false;
    return result as IteratorResult<number, void>;
  }

  private ended(): IteratorResult<number, void> {
    const result = this.result;
    result.value = this.returns;
    result.done = true;
    return result as IteratorResult<number, void>;
  }
}

/**
 * The walk is over: the IRP's MDLs are unlocked (unlockIrpMdls.ts), the verifier checks
 * Information against a BUFFERED output (0xC9/0x312, IO-3.3), and an IoAllocateIrp IRP
 * that nobody took back faults (driverIrps.ts).
 */
function walkEnded(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  if (irp.mdl !== null) unlockIrpMdls(io, irp);
  if (io.verifier.on) verifyWalkEnd(io, irp, caller);
  if (irp.thread === null && irp.origin?.service === 'IoAllocateIrp') completedWithoutOwner(io, irp, caller);
}

function verifyWalkEnd(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  checkCompletedCancelable(io, irp, caller);
  if ((irp.flags & (IRP_FLAG.BUFFERED_IO | IRP_FLAG.INPUT_OPERATION)) === (IRP_FLAG.BUFFERED_IO | IRP_FLAG.INPUT_OPERATION) && !ntError(irp.status)) {
    const outputLength = irp.outputLength >= 0 ? irp.outputLength : irp.systemBufferLength;
    if (irp.information > outputLength) {
      io.verifier.ioViolation(0x312, false, 'IoStatus.Information larger than the output buffer',
        `${io.describeIrp(irp)} completed with Information ${irp.information} for an output buffer of ${outputLength} bytes: the copy-back discloses kernel memory (IO-3.3)`, irp, caller);
    }
  }
}

/**
 * The checks and the trace event of IoCompleteRequest's entry (IO-5.16, IO-5.17). What
 * fires, the verifier's part and the trace event are functions of their own, so this one
 * stays small on the path of every IRP.
 */
function startCompletion(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null): void {
  // IO-5.9: never above DISPATCH_LEVEL; stopped at every verifier level (POLICY, docs/verifier.md).
  const irql = io.machine.cpus.irql;
  if (irql > 2 /* IRQL.DISPATCH, a literal: see the states above */) completedAboveDispatch(io, irp, caller, irql);
  // IO-5.16: a completed IRP has CurrentLocation = StackCount + 2.
  if (irp.currentLocation > irp.stackCount + 1 || irp.state === 'completed' || irp.state === 'freed') completedTwice(io, irp, caller);
  if (io.verifier.on) verifyCompletion(io, irp, caller);
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.complete',
      irp: irp.id,
      driver: caller?.name ?? null,
      status: irp.status,
      information: irp.information,
      location: irp.currentLocation,
      boost,
    });
  }
  irp.state = 'active';
}

function completedAboveDispatch(io: IoManager, irp: Irp, caller: DriverObject | null, irql: number): void {
  io.verifier.ioViolation(0x0e, true, 'IoCompleteRequest above DISPATCH_LEVEL',
    `${caller?.name ?? 'a driver'} called IoCompleteRequest on ${io.describeIrp(irp)} at ${irqlName(irql)} (IO-5.9)`, irp, caller, [0x0e, irql, irp.address, 0]);
}

function completedTwice(io: IoManager, irp: Irp, caller: DriverObject | null): never {
  return io.machine.bugcheck({
    code: 0x44,
    name: 'MULTIPLE_IRP_COMPLETE_REQUESTS',
    params: [irp.address, 0, 0, 0],
    message: `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)}, which was already completed (IO-5.16)`,
    ...(caller !== null ? { driver: caller.name } : {}),
    analysis: irpAnalysis(io.machine, irp),
  });
}

/** The verifier's checks at IoCompleteRequest's entry (IO-5.17) and its note on the completing dispatch frame. */
function verifyCompletion(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  const verifier = io.verifier;
  if (irp.status === STATUS.PENDING || irp.status === 0xffffffff) {
    verifier.ioViolation(0x06, true, 'IoCompleteRequest with STATUS_PENDING',
      `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)} with status ${describeStatus(irp.status)} (IO-5.17)`, irp, caller, [0x06, irp.status, irp.address, 0]);
  }
  if (irp.cancelRoutine !== null) {
    verifier.ioViolation(0x07, true, 'IoCompleteRequest with a cancel routine set',
      `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)} while its cancel routine was still set (IO-5.17)`, irp, caller, [0x07, 0, irp.address, 0]);
  }
  checkCompletion(io, irp, caller);
  const frame = activeFrame(io, irp);
  if (frame !== null && frame.driver === caller) frame.completedWith = irp.status;
}

/** IO-5.11: the status class or Cancel selects the location's completion routine. SL.* as literals (see the states above). */
function selectsRoutine(irp: Irp, sl: IoStackLocation): boolean {
  const success = ntSuccess(irp.status);
  return (
    (success && (sl.control & 0x40 /* SL.INVOKE_ON_SUCCESS */) !== 0) ||
    (!success && (sl.control & 0x80 /* SL.INVOKE_ON_ERROR */) !== 0) ||
    (irp.cancel && (sl.control & 0x20 /* SL.INVOKE_ON_CANCEL */) !== 0)
  );
}

/**
 * After a completion routine: its trace event, and false when it returned
 * STATUS_MORE_PROCESSING_REQUIRED — the registering driver owns the IRP again and the
 * walk stops (IO-5.12). Otherwise the verifier's PendingReturned check (IO-5.13).
 */
function routineReturned(
  io: IoManager,
  irp: Irp,
  own: IoStackLocation | null,
  owner: DriverObject | null,
  location: number,
  status: NtStatus,
  result: NtStatus,
): boolean {
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.routine', irp: irp.id, driver: owner?.name ?? '?', location, status, result: result >>> 0 });
  }
  // STATUS_MORE_PROCESSING_REQUIRED (0xC0000016) compared as an int32: the same test as
  // `result >>> 0 === 0xC0000016`, without a double compare (the constant is no small integer).
  if ((result | 0) === -1073741802) {
    irp.state = 'held';
    return false;
  }
  const verifier = io.verifier;
  if (verifier.on && irp.pendingReturned && own !== null && (own.control & SL.PENDING_RETURNED) === 0) {
    verifier.ioViolation(0x228, false, 'completion routine ignored PendingReturned',
      `the completion routine of ${owner?.name ?? '?'} for ${io.describeIrp(irp)} did not call IoMarkIrpPending although PendingReturned was set (IO-5.13)`, irp, owner);
  }
  return true;
}

/**
 * IO-5.19: where the final processing of a completed IRP runs. A deferred request that
 * did not pend is finished by its system service (false); otherwise it runs as a kernel
 * APC in the requesting thread — now (true) when that thread is the running one, has no
 * earlier completion APC still queued, or there is none; else queued behind the thread's
 * others (completionApcs.ts, false).
 */
function finishesNow(io: IoManager, irp: Irp): boolean {
  if ((irp.flags & 0x800 /* IRP_FLAG.DEFER_IO_COMPLETION, a literal: see the states above */) !== 0 && !irp.pendingReturned) return false;
  const thread = irp.thread;
  if (thread === null) return true;
  // An APC to the running thread is delivered as soon as IRQL drops: now, unless older ones go first.
  if (io.machine.engine.current === thread.task && !hasQueuedCompletionApcs(thread)) return true;
  queueCompletionApc(io, irp, thread);
  return false;
}
