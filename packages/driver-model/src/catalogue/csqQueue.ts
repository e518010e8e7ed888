import { STATUS, type KSpinLock } from '@irpsim/core';
import { IO_NO_INCREMENT, type IoCsq, type IrpRef, type Kernel } from '@irpsim/io-manager';

/** Which queued IRPs a removal looks at: any (in the queue's order), or those of one file object (CLEANUP). */
export type CsqPeek = { readonly file: number } | null;

/** How a catalogue driver's cancel-safe queue serves and reports. */
export interface CsqQueueOptions {
  /** Which queued IRP IoCsqRemoveNextIrp gives first: the oldest (FIFO) or the newest (out of order on purpose). */
  readonly order: 'oldest' | 'newest';
  /** The DbgPrint line when a queued IRP is cancelled; none when absent. */
  readonly cancelled?: (irp: IrpRef) => string;
}

/**
 * The IoCsq callbacks of a catalogue driver over its own list of queued IRPs, guarded by
 * its spin lock: insert appends, remove takes out, peekNext walks in `order` and filters by
 * file object when the context is a CsqPeek, and a cancelled IRP completes with
 * STATUS_CANCELLED (IO-6.3: IoCsq owns the cancel routine).
 */
export function csqQueue(k: Kernel, list: IrpRef[], lock: KSpinLock, options: CsqQueueOptions): IoCsq {
  const matches = (candidate: IrpRef, peek: CsqPeek) =>
    peek === null || k.IoGetCurrentIrpStackLocation(candidate).fileObjectId === peek.file;
  return k.IoCsqInitialize({
    insert: (_csq, irp) => void list.push(irp),
    remove: (_csq, irp) => void list.splice(list.indexOf(irp), 1),
    peekNext: (_csq, irp, context) => {
      const peek = context as CsqPeek;
      if (options.order === 'newest') {
        for (let i = (irp === null ? list.length : list.indexOf(irp)) - 1; i >= 0; i--) {
          if (matches(list[i]!, peek)) return list[i]!;
        }
      } else {
        for (let i = irp === null ? 0 : list.indexOf(irp) + 1; i < list.length; i++) {
          if (matches(list[i]!, peek)) return list[i]!;
        }
      }
      return null;
    },
    acquireLock: () => k.KeAcquireSpinLock(lock),
    releaseLock: (_csq, irql) => k.KeReleaseSpinLock(lock, irql),
    completeCanceledIrp: function* (_csq, irp) {
      if (options.cancelled !== undefined) k.DbgPrint(options.cancelled(irp));
      irp.ioStatus.status = STATUS.CANCELLED;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    },
  });
}

/**
 * IRP_MJ_CLEANUP's part for a cancel-safe queue: completes every IRP the closing file
 * object left queued with STATUS_CANCELLED (IO-9.5: closing cancels nothing by itself).
 * `file` null (no file object) removes nothing.
 */
export function* cancelQueuedOf(k: Kernel, csq: IoCsq, file: number | null, cleaned?: (irp: IrpRef) => string) {
  for (;;) {
    const queued = file === null ? null : yield* k.IoCsqRemoveNextIrp(csq, { file } satisfies CsqPeek);
    if (queued === null) break;
    if (cleaned !== undefined) k.DbgPrint(cleaned(queued));
    queued.ioStatus.status = STATUS.CANCELLED;
    queued.ioStatus.information = 0;
    yield* k.IoCompleteRequest(queued, IO_NO_INCREMENT);
  }
}
