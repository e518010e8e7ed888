import { IRQL, PRIORITY, STATUS, describeStatus, irqlName, ntError, ntSuccess, type NtStatus, type Routine } from '@irpsim/core';
import { IRP_FLAG, SL } from './constants.ts';
import { activeFrame } from './dispatchChecks.ts';
import { completedWithoutOwner } from './driverIrps.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { IoStackLocation } from './IoStackLocation.ts';
import type { Irp } from './Irp.ts';
import { checkCompletedCancelable, checkCompletion } from './verifier/completionChecks.ts';
import { irpAnalysis } from './verifier/irpHistory.ts';
import { badRoutineResult, isRoutineResult } from './routines.ts';
import { unlockIrpMdls } from './unlockIrpMdls.ts';

/**
 * IoCompleteRequest. Walks the stack locations from the completing driver's upwards
 * (IO-5.10): at each one PendingReturned is read from its Control, the routine the driver
 * above registered there runs if the status class or Cancel selects it (IO-5.11, re-read
 * at every level), the location is cleared first, and STATUS_MORE_PROCESSING_REQUIRED
 * stops everything (IO-5.12). A later call resumes with the routine above. When the walk
 * ends, the I/O manager's final processing runs (IO-5.19).
 *
 * The generator keeps only the walk and the routine calls; checks, traces and the
 * bookkeeping of each level are plain functions, so the frame that every resumption of a
 * completion routine passes through stays small (see callDriver).
 */
export function* completeRequest(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null, resume = false): Routine<void> {
  // `resume`: the verifier gives back a walk its force-pending adversary stopped (adversary/forcePending.ts).
  if (!resume) startCompletion(io, irp, boost, caller);
  // The completing driver's own location first, then upwards.
  let index = irp.currentLocation - 1;
  irp.currentLocation++;
  while (irp.currentLocation <= irp.stackCount + 1) {
    const sl = irp.stack[index]!;
    irp.pendingReturned = (sl.control & SL.PENDING_RETURNED) !== 0;
    const routine = sl.completionRoutine;
    if (routine !== null && selectsRoutine(irp, sl)) {
      const status = irp.status;
      const context = sl.context;
      const registered = sl.routineOwner;
      sl.clear();
      // The registering driver owns the location above; NULL if it owns none (IO-5.10 step 4).
      const own = irp.currentLocation <= irp.stackCount ? irp.stack[irp.currentLocation - 1]! : null;
      const device = own?.deviceObject ?? null;
      const owner = registered ?? device?.driver ?? null;
      if (irp.forwardedBy === owner) irp.forwardedBy = null; // the IRP is back with the driver that forwarded it
      const location = irp.currentLocation;
      yield io.machine.cost.routineCall;
      let result: NtStatus;
      if (owner === null) {
        const returned = routine(caller!.kernel, null, io.irpRef(irp, null), context);
        if (!isRoutineResult(returned)) throw badRoutineResult(returned, 'a completion routine');
        result = typeof returned === 'number' ? returned : ((yield io.machine.engine.call(returned)) as NtStatus);
      } else {
        const running = io.enterDriver(owner);
        try {
          // A plain completion routine returns its status at once (routines.ts).
          const returned = routine(owner.kernel, device === null ? null : device.ref, io.irpRef(irp, owner), context);
          if (!isRoutineResult(returned)) throw badRoutineResult(returned, `the completion routine of ${owner.name}`);
          result = typeof returned === 'number' ? returned : ((yield io.machine.engine.call(returned)) as NtStatus);
        } catch (error) {
          // The report names the driver whose routine threw (the stack unwinds before the analysis).
          io.faultIn(owner, error);
          throw error;
        } finally {
          io.leaveDriver(running);
        }
      }
      if (!routineReturned(io, irp, own, owner, location, status, result)) return;
    } else {
      // No routine: the I/O manager propagates the pending bit itself (IO-5.10 step 5).
      if (irp.currentLocation <= irp.stackCount && irp.pendingReturned) {
        irp.stack[irp.currentLocation - 1]!.control |= SL.PENDING_RETURNED;
      }
      sl.clear();
    }
    irp.currentLocation++;
    index++;
  }
  irp.state = 'completed';
  irp.priorityBoost = boost;
  walkEnded(io, irp, caller);
  if (finishesNow(io, irp)) yield* io.finishRequest(irp);
}

/**
 * The walk is over: the IRP's MDLs are unlocked (unlockIrpMdls.ts), the verifier checks
 * Information against a BUFFERED output (0xC9/0x312, IO-3.3), and an IoAllocateIrp IRP
 * that nobody took back faults (driverIrps.ts).
 */
function walkEnded(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  if (irp.mdl !== null) unlockIrpMdls(io, irp);
  if (io.verifier.on) checkCompletedCancelable(io, irp, caller);
  if (io.verifier.on && (irp.flags & (IRP_FLAG.BUFFERED_IO | IRP_FLAG.INPUT_OPERATION)) === (IRP_FLAG.BUFFERED_IO | IRP_FLAG.INPUT_OPERATION) && !ntError(irp.status)) {
    const outputLength = irp.outputLength >= 0 ? irp.outputLength : irp.systemBufferLength;
    if (irp.information > outputLength) {
      io.verifier.ioViolation(0x312, false, 'IoStatus.Information larger than the output buffer',
        `${io.describeIrp(irp)} completed with Information ${irp.information} for an output buffer of ${outputLength} bytes: the copy-back discloses kernel memory (IO-3.3)`, irp, caller);
    }
  }
  if (irp.thread === null && irp.origin?.service === 'IoAllocateIrp') completedWithoutOwner(io, irp, caller);
}

/** The checks and the trace event of IoCompleteRequest's entry (IO-5.16, IO-5.17). */
function startCompletion(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null): void {
  // IO-5.9: never above DISPATCH_LEVEL; stopped at every verifier level (POLICY, docs/verifier.md).
  const irql = io.machine.cpus.irql;
  if (irql > IRQL.DISPATCH) {
    io.verifier.ioViolation(0x0e, true, 'IoCompleteRequest above DISPATCH_LEVEL',
      `${caller?.name ?? 'a driver'} called IoCompleteRequest on ${io.describeIrp(irp)} at ${irqlName(irql)} (IO-5.9)`, irp, caller, [0x0e, irql, irp.address, 0]);
  }
  // IO-5.16: a completed IRP has CurrentLocation = StackCount + 2.
  if (irp.currentLocation > irp.stackCount + 1 || irp.state === 'completed' || irp.state === 'freed') {
    io.machine.bugcheck({
      code: 0x44,
      name: 'MULTIPLE_IRP_COMPLETE_REQUESTS',
      params: [irp.address, 0, 0, 0],
      message: `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)}, which was already completed (IO-5.16)`,
      ...(caller !== null ? { driver: caller.name } : {}),
      analysis: irpAnalysis(io.machine, irp),
    });
  }
  const verifier = io.verifier;
  if (verifier.on) {
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

/** IO-5.11: the status class or Cancel selects the location's completion routine. */
function selectsRoutine(irp: Irp, sl: IoStackLocation): boolean {
  const success = ntSuccess(irp.status);
  return (
    (success && (sl.control & SL.INVOKE_ON_SUCCESS) !== 0) ||
    (!success && (sl.control & SL.INVOKE_ON_ERROR) !== 0) ||
    (irp.cancel && (sl.control & SL.INVOKE_ON_CANCEL) !== 0)
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
  if (result >>> 0 === STATUS.MORE_PROCESSING_REQUIRED) {
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
 * APC in the requesting thread — now (true) when that thread is the running one or there
 * is none, else as a queued APC task (false).
 */
function finishesNow(io: IoManager, irp: Irp): boolean {
  if ((irp.flags & IRP_FLAG.DEFER_IO_COMPLETION) !== 0 && !irp.pendingReturned) return false;
  const thread = irp.thread;
  // An APC to the running thread is delivered as soon as IRQL drops: now.
  if (thread === null || io.machine.engine.current === thread.task) return true;
  io.machine.engine.spawn(io.finishRequest(irp), {
    kind: 'apc',
    name: `completion APC for IRP ${irp.id} in ${thread.label}`,
    actor: thread.label,
    owner: thread,
    priority: PRIORITY.apc,
  });
  return false;
}
