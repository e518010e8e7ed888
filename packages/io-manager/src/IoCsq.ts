import { STATUS, type Irql, type NtStatus, type Routine } from '@irpsim/core';
import { releaseCancelSpinLock } from './cancelSpinLock.ts';
import type { CancelRoutine } from './cancelIrp.ts';
import type { Kernel } from './Kernel.ts';
import type { IrpRef } from './refs.ts';

/**
 * The six routines a driver gives IoCsqInitialize (IO_CSQ). The driver keeps the queue
 * itself; the system calls Insert, Remove and PeekNext with the driver's lock held
 * (AcquireLock/ReleaseLock are its only locking points) and owns the cancel routine.
 */
export interface IoCsqCallbacks {
  /** CsqInsertIrp: append the IRP to the driver's queue (IoCsqInsertIrp). */
  readonly insert?: (csq: IoCsq, irp: IrpRef) => void;
  /** CsqInsertIrpEx: queue it, or refuse with an error status (IoCsqInsertIrpEx; the IRP then stays the caller's). */
  readonly insertEx?: (csq: IoCsq, irp: IrpRef, insertContext: unknown) => NtStatus;
  /** CsqRemoveIrp: take the IRP out of the driver's queue. */
  readonly remove: (csq: IoCsq, irp: IrpRef) => void;
  /** CsqPeekNextIrp: the IRP after `irp` (the first one when null) matching `peekContext`, or null. */
  readonly peekNext: (csq: IoCsq, irp: IrpRef | null, peekContext: unknown) => IrpRef | null;
  /** CsqAcquireLock: typically KeAcquireSpinLock; returns the IRQL to hand back to releaseLock. */
  readonly acquireLock: (csq: IoCsq) => Routine<Irql>;
  readonly releaseLock: (csq: IoCsq, irql: Irql) => Routine<void>;
  /** CsqCompleteCanceledIrp: typically St = STATUS_CANCELLED, Info = 0, IoCompleteRequest. */
  readonly completeCanceledIrp: (csq: IoCsq, irp: IrpRef) => Routine<void>;
}

/** IO_CSQ: a cancel-safe queue, made by IoCsqInitialize. */
export class IoCsq {
  readonly callbacks: IoCsqCallbacks;
  /** @internal the kernel API of the driver that owns the queue. */
  readonly _k: Kernel;

  constructor(k: Kernel, callbacks: IoCsqCallbacks) {
    // IoCsqInitialize takes CsqInsertIrp, IoCsqInitializeEx CsqInsertIrpEx.
    if (callbacks.insert === undefined && callbacks.insertEx === undefined) throw new Error('IoCsqInitialize: neither insert nor insertEx given');
    this._k = k;
    this.callbacks = callbacks;
  }
}

/** IO_CSQ_IRP_CONTEXT: lets a driver take one particular IRP back out (IoCsqRemoveIrp). */
export class IoCsqIrpContext {
  /** The queued IRP, or null once it was removed or cancelled. */
  irp: IrpRef | null = null;
  csq: IoCsq | null = null;
}

/** Tail.Overlay.DriverContext[3] belongs to IoCsq (IO-6.4). */
const CSQ_SLOT = 3;

/**
 * IoCsqInsertIrp / IoCsqInsertIrpEx (IO-6.4), in the order ReactOS's csq.c keeps: under
 * the queue lock, insert the IRP, mark it pending, set the system cancel routine, then
 * look at Cancel. An IRP already cancelled whose routine is still ours is taken out again
 * and handed to CsqCompleteCanceledIrp — after the lock is released (a routine never
 * completes under a spin lock; ReactOS calls it under the lock). The dispatch routine
 * still returns STATUS_PENDING: the IRP was marked pending. With `ex`, a status other
 * than success from CsqInsertIrpEx is returned at once: the IRP is neither queued nor
 * marked pending (ReactOS marks it anyway; verifier-and-objects.md B13 chooses not to).
 */
export function* csqInsertIrp(csq: IoCsq, irp: IrpRef, context: IoCsqIrpContext | null, ex = false, insertContext: unknown = null): Routine<NtStatus> {
  const k = csq._k;
  const cb = csq.callbacks;
  const irql = yield* cb.acquireLock(csq);
  if (ex) {
    if (cb.insertEx === undefined) throw new Error('IoCsqInsertIrpEx on a queue made without insertEx (IoCsqInitializeEx)');
    const status = cb.insertEx(csq, irp, insertContext) >>> 0;
    if (status !== STATUS.SUCCESS) {
      yield* cb.releaseLock(csq, irql);
      return status;
    }
  } else {
    cb.insert!(csq, irp);
  }
  k.IoMarkIrpPending(irp);
  if (context !== null) {
    context.irp = irp;
    context.csq = csq;
  }
  irp.driverContext[CSQ_SLOT] = context ?? csq;
  k.IoSetCancelRoutine(irp, csqCancelRoutine);
  let completeNow = false;
  if (irp.cancel && k.IoSetCancelRoutine(irp, null) !== null) {
    // Still ours: IoCancelIrp came before the routine was set. Otherwise the routine owns it.
    irp.driverContext[CSQ_SLOT] = null;
    cb.remove(csq, irp);
    if (context !== null) context.irp = null;
    completeNow = true;
  }
  yield* cb.releaseLock(csq, irql);
  if (completeNow) yield* cb.completeCanceledIrp(csq, irp);
  return STATUS.SUCCESS;
}

/**
 * IoCsqRemoveNextIrp: the first IRP PeekNext offers whose cancel routine is still set —
 * one whose cancellation is in progress is skipped; its cancel routine removes it.
 * The IRP comes back non-cancelable; null when there is none.
 */
export function* csqRemoveNextIrp(csq: IoCsq, peekContext: unknown): Routine<IrpRef | null> {
  const k = csq._k;
  const cb = csq.callbacks;
  const irql = yield* cb.acquireLock(csq);
  let irp = cb.peekNext(csq, null, peekContext);
  while (irp !== null && k.IoSetCancelRoutine(irp, null) === null) irp = cb.peekNext(csq, irp, peekContext);
  if (irp !== null) {
    cb.remove(csq, irp);
    const context = irp.driverContext[CSQ_SLOT];
    if (context instanceof IoCsqIrpContext) context.irp = null;
    irp.driverContext[CSQ_SLOT] = null;
  }
  yield* cb.releaseLock(csq, irql);
  return irp;
}

/** IoCsqRemoveIrp: the IRP `context` names, non-cancelable, or null if it was cancelled (or removed) meanwhile. */
export function* csqRemoveIrp(csq: IoCsq, context: IoCsqIrpContext): Routine<IrpRef | null> {
  const k = csq._k;
  const cb = csq.callbacks;
  const irql = yield* cb.acquireLock(csq);
  let irp = context.irp;
  if (irp !== null) {
    if (k.IoSetCancelRoutine(irp, null) === null) {
      irp = null;
    } else {
      cb.remove(csq, irp);
      context.irp = null;
      irp.driverContext[CSQ_SLOT] = null;
    }
  }
  yield* cb.releaseLock(csq, irql);
  return irp;
}

/**
 * The system cancel routine of IoCsq (IopCsqCancelRoutine): release the cancel spin lock,
 * take the IRP out under the queue lock, then CsqCompleteCanceledIrp.
 */
const csqCancelRoutine: CancelRoutine = function* IoCsqCancelRoutine(k, _device, irp) {
  yield* releaseCancelSpinLock(k._io, irp.cancelIrql);
  let owner = irp.driverContext[CSQ_SLOT];
  if (owner instanceof IoCsqIrpContext) {
    const context = owner;
    owner = context.csq;
    context.irp = null;
  }
  const csq = owner as IoCsq;
  const cb = csq.callbacks;
  const irql = yield* cb.acquireLock(csq);
  cb.remove(csq, irp);
  yield* cb.releaseLock(csq, irql);
  yield* cb.completeCanceledIrp(csq, irp);
};
