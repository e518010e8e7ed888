import { STATUS } from '@irpsim/core';
import { IO_NO_INCREMENT, type IoCsq, type IrpRef, type Kernel } from '@irpsim/io-manager';

/** Which queued IRPs a removal looks at: any, or those of one file object (CLEANUP). */
export type QueuePeek = { readonly file: number | null } | null;

/**
 * A named cancel-safe queue of an inline driver (IoCsq, IO-6.4): first in, first out,
 * under its own spin lock; a cancelled IRP completes with STATUS_CANCELLED.
 */
export function inlineQueue(k: Kernel, name: string): IoCsq {
  const list: IrpRef[] = [];
  const lock = k.KeInitializeSpinLock(`queue ${name} lock`);
  return k.IoCsqInitialize({
    insert: (_csq, irp) => void list.push(irp),
    remove: (_csq, irp) => void list.splice(list.indexOf(irp), 1),
    peekNext: (_csq, irp, context) => {
      const peek = context as QueuePeek;
      for (let i = irp === null ? 0 : list.indexOf(irp) + 1; i < list.length; i++) {
        const candidate = list[i]!;
        if (peek === null || k.IoGetCurrentIrpStackLocation(candidate).fileObjectId === peek.file) return candidate;
      }
      return null;
    },
    acquireLock: () => k.KeAcquireSpinLock(lock),
    releaseLock: (_csq, irql) => k.KeReleaseSpinLock(lock, irql),
    completeCanceledIrp: function* (_csq, irp) {
      k.DbgPrint(`IRP ${irp.id} cancelled while in queue ${name}: completes it with STATUS_CANCELLED`);
      irp.ioStatus.status = STATUS.CANCELLED;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    },
  });
}
