import { hex, type Routine } from '@irpsim/core';
import './cancelEvents.ts';
import { acquireCancelSpinLock, cancelSpinLock, releaseCancelSpinLock } from './cancelSpinLock.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import type { Kernel } from './Kernel.ts';
import type { DeviceRef, IrpRef } from './refs.ts';

/**
 * A cancel routine (DRIVER_CANCEL). It runs at DISPATCH_LEVEL holding the cancel spin
 * lock, must release it with `k.IoReleaseCancelSpinLock(irp.cancelIrql)`, and then
 * normally completes the IRP with STATUS_CANCELLED and Information 0 (IO-6.2).
 * `device` is the device of the IRP's current stack location.
 */
export type CancelRoutine = (k: Kernel, device: DeviceRef | null, irp: IrpRef) => Routine<void>;

/**
 * IoSetCancelRoutine (IO-6.3): an atomic exchange. Returns the previous routine, which
 * is null when none was set or when IoCancelIrp has already taken it — then the cancel
 * routine owns the IRP and the caller must not complete it.
 */
export function setCancelRoutine(io: IoManager, irp: Irp, routine: CancelRoutine | null, driver: DriverObject | null): CancelRoutine | null {
  const previous = irp.cancelRoutine;
  irp.cancelRoutine = routine;
  irp.cancelOwner = routine === null ? null : driver;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.cancelRoutine', irp: irp.id, driver: driver?.name ?? null, set: routine !== null, previous: previous !== null });
  }
  return previous;
}

/**
 * IoCancelIrp (IO-6.1): takes the cancel spin lock, sets Cancel (it stays set), swaps the
 * cancel routine with NULL. With a routine, it saves the old IRQL in CancelIrql and calls
 * the routine with the lock held, at DISPATCH_LEVEL — the routine releases it — and
 * returns true; a routine found on an IRP already completed is bug check 0x48. Without
 * one it releases the lock and returns false. `by` names the caller in the trace.
 */
export function* cancelIrp(io: IoManager, irp: Irp, by: string | null): Routine<boolean> {
  const oldIrql = yield* acquireCancelSpinLock(io);
  irp.cancel = true;
  const routine = irp.cancelRoutine;
  const owner = irp.cancelOwner;
  irp.cancelRoutine = null;
  irp.cancelOwner = null;
  if (io.trace.on) io.trace.emit({ type: 'io.irp.cancel', irp: irp.id, by, routine: routine !== null });
  if (routine === null) {
    yield* releaseCancelSpinLock(io, oldIrql);
    return false;
  }
  // IO-5.16: a completed IRP has CurrentLocation = StackCount + 2.
  if (irp.currentLocation > irp.stackCount + 1) canceledCompletedIrp(io, irp, routine, owner);
  irp.cancelIrql = oldIrql;
  const device = irp.current()?.deviceObject ?? null;
  const driver = owner ?? device?.driver ?? null;
  if (driver === null) throw new Error(`${io.describeIrp(irp)}: a cancel routine set without a driver`);
  yield io.machine.cost.routineCall;
  const running = io.enterDriver(driver);
  try {
    yield* routine(driver.kernel, device?.ref ?? null, io.irpRef(irp, driver));
  } catch (error) {
    // The bug check names the driver whose cancel routine threw, not the caller of IoCancelIrp.
    io.faultIn(driver, error);
    throw error;
  } finally {
    io.leaveDriver(running);
  }
  cancelRoutineReturned(io, irp, driver);
  return true;
}

/** Bug check 0x48 CANCEL_STATE_IN_COMPLETED_IRP: P1 the IRP, P2 the cancel routine (irpsim has no code addresses: 0). */
function canceledCompletedIrp(io: IoManager, irp: Irp, routine: CancelRoutine, owner: DriverObject | null): never {
  return io.machine.bugcheck({
    code: 0x48,
    name: 'CANCEL_STATE_IN_COMPLETED_IRP',
    params: [irp.address, 0, 0, 0],
    message: `IoCancelIrp found the cancel routine ${routine.name || '(anonymous)'} of ${owner?.name ?? 'a driver'} on ${io.describeIrp(irp)}, which was already completed: the driver completed it without IoSetCancelRoutine(Irp, NULL) (IO-6.1)`,
    ...(owner !== null ? { driver: owner.name } : {}),
    analysis: { irp: hex(irp.address), cancelRoutine: routine.name || '(anonymous)' },
  });
}

/** A cancel routine that returns still holding the cancel spin lock breaks IO-6.2: recorded, and the lock stays held (the damage shows later, as on Windows). */
function cancelRoutineReturned(io: IoManager, irp: Irp, driver: DriverObject | null): void {
  const lock = cancelSpinLock(io);
  if (io.verifier.on && lock.owner !== null && lock.owner === io.machine.engine.current) {
    io.machine.engine.violation(
      'cancel-lock-held',
      'cancel routine returned holding the cancel spin lock',
      `the cancel routine of ${driver?.name ?? 'a driver'} for ${io.describeIrp(irp)} returned without IoReleaseCancelSpinLock(Irp->CancelIrql) (IO-6.2)`,
    );
  }
}
