import { waitForObjects, type Routine, type Thread } from '@irpsim/core';
import './cancelEvents.ts';
import { cancelIrps } from './cancelIrps.ts';
import { IRP_FLAG } from './constants.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { dequeueThreadIrp, threadIrps } from './irpThreadList.ts';

/** IoCancelThreadIo polls every 100 ms … */
export const CANCEL_POLL_NS = 100_000_000;
/** … 3000 times: after 5 minutes a cancelled IRP that has not completed is disassociated from its thread. */
export const CANCEL_POLL_ROUNDS = 3000;

/**
 * IoCancelThreadIo, run when a thread exits (IO-6.5): IoCancelIrp on every IRP queued to
 * the thread, then wait in 100-ms rounds until all have been through final processing.
 * After 3000 rounds (5 minutes) the ones left are disassociated: taken off the thread,
 * and freed without notifying anybody when they complete (IO-5.19). A thread with no
 * I/O outstanding passes through without a scheduling point.
 */
export function* cancelThreadIo(io: IoManager, thread: Thread): Routine<void> {
  if (threadIrps(thread).length === 0) return;
  yield* cancelIrps(io, [...threadIrps(thread)], 'IoCancelThreadIo', thread, null, null);
  const engine = io.machine.engine;
  for (let round = 0; threadIrps(thread).length > 0; round++) {
    if (round === CANCEL_POLL_ROUNDS) {
      for (const irp of [...threadIrps(thread)]) disassociate(io, irp, thread);
      return;
    }
    yield* waitForObjects(engine, thread, [], { timeoutNs: CANCEL_POLL_NS });
  }
}

/** IopDisassociateThreadIrp: the IRP no longer belongs to the exiting thread (Windows logs an error for its device). */
function disassociate(io: IoManager, irp: Irp, thread: Thread): void {
  dequeueThreadIrp(irp);
  irp.thread = null;
  irp.disassociated = true;
  if (io.trace.on) io.trace.emit({ type: 'io.irp.disassociate', irp: irp.id, tid: thread.id });
}

/**
 * Final processing of a disassociated IRP (IopCleanupIrp): its thread is gone, so no
 * copy-back, no IO_STATUS_BLOCK, no event; the system buffer and the IRP are freed and
 * the file-object reference is dropped (which may send CLOSE).
 */
export function* cleanupDisassociatedIrp(io: IoManager, irp: Irp): Routine<void> {
  const machine = io.machine;
  if ((irp.flags & IRP_FLAG.DEALLOCATE_BUFFER) !== 0 && irp.systemBuffer !== 0) machine.memory.freePool(irp.systemBuffer);
  io.freeIrp(irp);
  const file = irp.fileObject;
  if (file !== null && irp.origin?.holdsFileReference === true) {
    if (machine.engine.current?.kind === 'apc') machine.objects.dereferenceDeferred(file.object);
    else yield* machine.objects.dereference(file.object);
  }
}
