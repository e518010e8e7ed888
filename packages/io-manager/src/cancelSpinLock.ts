import { KSpinLock, acquireSpinLock, releaseSpinLock, type Irql, type Routine } from '@irpsim/core';
import type { IoManager } from './IoManager.ts';

/** One global cancel spin lock per I/O manager (Windows' IopCancelSpinLock). */
const locks = new WeakMap<IoManager, KSpinLock>();

/** The cancel spin lock of `io`, made on first use. */
export function cancelSpinLock(io: IoManager): KSpinLock {
  let lock = locks.get(io);
  if (lock === undefined) locks.set(io, (lock = new KSpinLock('cancel spin lock')));
  return lock;
}

/** IoAcquireCancelSpinLock: raises to DISPATCH_LEVEL, takes the lock, returns the old IRQL. */
export function acquireCancelSpinLock(io: IoManager): Routine<Irql> {
  return acquireSpinLock(io.machine.cpus, cancelSpinLock(io));
}

/** IoReleaseCancelSpinLock: frees the lock and lowers to `irql` (a cancel routine passes Irp->CancelIrql). */
export function releaseCancelSpinLock(io: IoManager, irql: Irql): Routine<void> {
  return releaseSpinLock(io.machine.cpus, cancelSpinLock(io), irql);
}
