import { PRIORITY, STATUS, describeStatus, ntSuccess, type Routine } from '@irpsim/core';
import { IRP_FLAG, SL } from './constants.ts';
import { activeFrame } from './dispatchChecks.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { DeviceRef } from './refs.ts';

/**
 * IoCompleteRequest. Walks the stack locations from the completing driver's upwards
 * (IO-5.10): at each one PendingReturned is read from its Control, the routine the driver
 * above registered there runs if the status class or Cancel selects it (IO-5.11, re-read
 * at every level), the location is cleared first, and STATUS_MORE_PROCESSING_REQUIRED
 * stops everything (IO-5.12). A later call resumes with the routine above. When the walk
 * ends, the I/O manager's final processing runs (IO-5.19).
 */
export function* completeRequest(io: IoManager, irp: Irp, boost: number, caller: DriverObject | null): Routine<void> {
  const machine = io.machine;
  // IO-5.16: a completed IRP has CurrentLocation = StackCount + 2.
  if (irp.currentLocation > irp.stackCount + 1 || irp.state === 'completed' || irp.state === 'freed') {
    machine.bugcheck({
      code: 0x44,
      name: 'MULTIPLE_IRP_COMPLETE_REQUESTS',
      params: [irp.address, 0, 0, 0],
      message: `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)}, which was already completed (IO-5.16)`,
      ...(caller !== null ? { driver: caller.name } : {}),
    });
  }
  const verifier = io.verifier;
  if (verifier.on) {
    if (irp.status === STATUS.PENDING || irp.status === 0xffffffff) {
      verifier.ioViolation(0x06, true, 'IoCompleteRequest with STATUS_PENDING',
        `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)} with status ${describeStatus(irp.status)} (IO-5.17)`, irp, caller);
    }
    if (irp.cancelRoutine !== null) {
      verifier.ioViolation(0x07, true, 'IoCompleteRequest with a cancel routine set',
        `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)} while its cancel routine was still set (IO-5.17)`, irp, caller);
    }
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
  // The completing driver's own location first, then upwards.
  let index = irp.currentLocation - 1;
  irp.currentLocation++;
  while (irp.currentLocation <= irp.stackCount + 1) {
    const sl = irp.stack[index]!;
    irp.pendingReturned = (sl.control & SL.PENDING_RETURNED) !== 0;
    const status = irp.status;
    const routine = sl.completionRoutine;
    const invoke =
      routine !== null &&
      ((ntSuccess(status) && (sl.control & SL.INVOKE_ON_SUCCESS) !== 0) ||
        (!ntSuccess(status) && (sl.control & SL.INVOKE_ON_ERROR) !== 0) ||
        (irp.cancel && (sl.control & SL.INVOKE_ON_CANCEL) !== 0));
    if (invoke) {
      const context = sl.context;
      const ownerName = sl.routineOwner;
      sl.clear();
      // The registering driver owns the location above; NULL if it owns none (IO-5.10 step 4).
      const own = irp.currentLocation <= irp.stackCount ? irp.stack[irp.currentLocation - 1]! : null;
      const device = own?.deviceObject ?? null;
      const owner = device?.driver ?? (ownerName !== null ? (io.drivers.get(ownerName.toLowerCase()) ?? null) : null);
      const location = irp.currentLocation;
      yield machine.cost.routineCall;
      const result = owner === null
        ? yield* routine(caller!.kernel, null, io.irpRef(irp, null), context)
        : yield* io.runRoutine(owner, () => routine(owner.kernel, device === null ? null : new DeviceRef(device), io.irpRef(irp, owner), context));
      if (io.trace.on) {
        io.trace.emit({ type: 'io.irp.routine', irp: irp.id, driver: owner?.name ?? ownerName ?? '?', location, status, result: result >>> 0 });
      }
      if (result >>> 0 === STATUS.MORE_PROCESSING_REQUIRED) {
        // The registering driver owns the IRP again; nothing else happens now.
        irp.state = 'held';
        return;
      }
      if (verifier.on && irp.pendingReturned && own !== null && (own.control & SL.PENDING_RETURNED) === 0) {
        verifier.ioViolation(0x228, false, 'completion routine ignored PendingReturned',
          `the completion routine of ${owner?.name ?? '?'} for ${io.describeIrp(irp)} did not call IoMarkIrpPending although PendingReturned was set (IO-5.13)`, irp, owner);
      }
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
  // IO-5.19: a deferred request that did not pend is finished by its system service;
  // otherwise the final processing runs as a kernel APC in the requesting thread.
  if ((irp.flags & IRP_FLAG.DEFER_IO_COMPLETION) !== 0 && !irp.pendingReturned) return;
  const thread = irp.thread;
  if (thread === null) {
    yield* io.finishRequest(irp);
    return;
  }
  if (machine.engine.current === thread.task) {
    // An APC to the running thread is delivered as soon as IRQL drops: now.
    yield* io.finishRequest(irp);
    return;
  }
  machine.engine.spawn(io.finishRequest(irp), {
    kind: 'apc',
    name: `completion APC for IRP ${irp.id} in ${thread.label}`,
    actor: thread.label,
    owner: thread,
    priority: PRIORITY.apc,
  });
}
