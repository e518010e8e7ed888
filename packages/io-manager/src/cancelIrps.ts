import type { Routine, Thread } from '@irpsim/core';
import './cancelEvents.ts';
import { cancelIrp } from './cancelIrp.ts';
import type { FileObject } from './FileObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { isQueuedToThread } from './irpThreadList.ts';

/**
 * IoCancelIrp on each of `irps` (a snapshot: cancel routines run, and IRPs complete,
 * while this walks) that is still queued to its thread when its turn comes. `api` names
 * the caller in the trace; `file` and `target` say what it asked about.
 */
export function* cancelIrps(io: IoManager, irps: readonly Irp[], api: string, thread: Thread, file: FileObject | null, target: Thread | null): Routine<void> {
  if (io.trace.on) {
    io.trace.emit({ type: 'io.cancel.request', tid: thread.id, api, file: file?.id ?? null, target: target?.id ?? null, irps: irps.map((irp) => irp.id) });
  }
  for (const irp of irps) if (isQueuedToThread(irp)) yield* cancelIrp(io, irp, api);
}
