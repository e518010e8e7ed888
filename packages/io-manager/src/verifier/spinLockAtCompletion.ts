import type { KSpinLock } from '@irpsim/core';
import { cancelSpinLock } from '../cancelSpinLock.ts';
import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';

/** The spin locks drivers made with KeInitializeSpinLock, per I/O manager (the cancel spin lock is added at the check). */
const locks = new WeakMap<IoManager, Set<KSpinLock>>();

/** Kernel.KeInitializeSpinLock: remembers the lock so the check below can ask who holds it. */
export function noteSpinLock(io: IoManager, lock: KSpinLock): KSpinLock {
  let set = locks.get(io);
  if (set === undefined) locks.set(io, (set = new Set()));
  set.add(lock);
  return lock;
}

/**
 * `spin-lock-held-at-completion` (non-fatal, standard): IoCompleteRequest called by a routine
 * that holds a spin lock — a driver's or the cancel spin lock. Static Driver Verifier's
 * SpinLockSafe forbids it (verifier-and-objects.md A.5.3, B11, part E 6): the completion
 * walk runs the completion routines of the drivers above and the I/O manager's final
 * processing under the lock, so a routine that takes the same lock spins forever, and the
 * lock is held far longer than it should be. Windows' runtime verifier has no bug check
 * for it (IoCompleteRequest is legal at DISPATCH_LEVEL), hence a violation, once per IRP.
 */
export function checkSpinLockAtCompletion(io: IoManager, irp: Irp, driver: DriverObject): void {
  if (!io.verifier.on || irp.notes['spinLockAtCompletion'] === true) return;
  const task = io.machine.engine.current;
  if (task === null) return;
  const held = [...(locks.get(io) ?? []), cancelSpinLock(io)].filter((lock) => lock.owner === task);
  if (held.length === 0) return;
  irp.notes['spinLockAtCompletion'] = true;
  io.machine.engine.violation(
    'spin-lock-held-at-completion',
    'IoCompleteRequest while holding a spin lock',
    `${driver.name} called IoCompleteRequest for ${io.describeIrp(irp)} while holding ${held.map((l) => l.name).join(', ')}: completion routines and the final processing run under the lock; release it first (SDV SpinLockSafe)`,
  );
}
