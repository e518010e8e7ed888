import { PRIORITY, type Routine, type Thread } from '@irpsim/core';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';

/**
 * The I/O manager's final processing as a kernel APC in the requesting thread (IO-5.19),
 * for an IRP completed in another thread's context (a DPC, a CLEANUP that cancels it). A
 * thread's kernel APCs are delivered in the order they were queued (KiDeliverApc takes the
 * thread's kernel-mode APC list from its head), so one delivery task per thread drains the
 * thread's queue, oldest first: two requests of one thread completed together finish — set
 * their events, queue their packets — in the order they were completed, whatever the
 * schedule. APCs of different threads are independent tasks, ordered by the schedule.
 */
export function queueCompletionApc(io: IoManager, irp: Irp, thread: Thread): void {
  const queue = thread.kernelApcs as Irp[];
  queue.push(irp);
  if (queue.length > 1) return; // the delivery task already pending takes it after the others
  io.machine.engine.spawn(deliverCompletionApcs(io, thread), {
    kind: 'apc',
    name: `completion APC for IRP ${irp.id} in ${thread.label}`,
    actor: thread.label,
    owner: thread,
    priority: PRIORITY.apc,
  });
}

/** Whether the thread has completion APCs still to deliver: a later one must wait for them. */
export function hasQueuedCompletionApcs(thread: Thread): boolean {
  return thread.kernelApcs.length > 0;
}

/** Runs the thread's queued final processing, oldest first; one queued meanwhile is taken too. */
function* deliverCompletionApcs(io: IoManager, thread: Thread): Routine<void> {
  const queue = thread.kernelApcs as Irp[];
  while (queue.length > 0) {
    // Taken off only when finished: one queued meanwhile sees the queue busy and waits its turn.
    yield* io.finishRequest(queue[0]!);
    queue.shift();
  }
}
