import type { Thread } from '@irpsim/core';
import type { Irp } from './Irp.ts';

/**
 * The per-thread IRP list (Tail.Overlay.ThreadListEntry on ETHREAD->IrpList): the system
 * services queue every IRP they build for a thread to it (IoQueueThreadIrp), and the
 * I/O manager's final processing takes it off (IopDequeueThreadIrp). CancelIo,
 * CancelIoEx, CancelSynchronousIo and thread exit find a thread's requests here. The list
 * is the thread's own (`Thread.irpList`), as on Windows; core knows nothing of IRPs.
 */

/** IoQueueThreadIrp: `irp.thread` must be set. The thread's one array, reused, so queueing allocates nothing per IRP. */
export function queueThreadIrp(irp: Irp): void {
  const thread = irp.thread;
  if (thread === null) return;
  thread.irpList.push(irp);
}

/** IopDequeueThreadIrp: no-op for an IRP that is not queued. The newest is checked first (a synchronous caller has one). */
export function dequeueThreadIrp(irp: Irp): void {
  const thread = irp.thread;
  if (thread === null) return;
  const list = thread.irpList;
  if (list.length === 0) return;
  const last = list.length - 1;
  if (list[last] === irp) {
    list.pop();
    return;
  }
  const i = list.indexOf(irp);
  if (i >= 0) list.splice(i, 1);
}

/** The IRPs queued to `thread`, oldest first (a live view: copy it before yielding). */
export function threadIrps(thread: Thread): readonly Irp[] {
  return thread.irpList as Irp[];
}

/** Whether `irp` is still queued to its thread (not yet through final processing, nor disassociated). */
export function isQueuedToThread(irp: Irp): boolean {
  return irp.thread !== null && threadIrps(irp.thread).includes(irp);
}
