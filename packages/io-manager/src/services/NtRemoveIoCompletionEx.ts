import { STATUS, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { CompletionPacket } from '../IoCompletion.ts';
import type { IoManager } from '../IoManager.ts';
import { probeWrites, writeOutput } from './probeWrites.ts';
import { removeFromPort, writePacket } from './removeFromPort.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /**
     * NtRemoveIoCompletionEx: up to `count` packets into an array of
     * FILE_IO_COMPLETION_INFORMATION (16 bytes each: key, ApcContext, Status, Information —
     * the layout of OVERLAPPED_ENTRY), the number removed into *removedOut.
     */
    NtRemoveIoCompletionEx: { handle: number; entries: number; count: number; removedOut: number; timeoutNs: number | null; alertable: boolean };
  }
}

/** Bytes of one FILE_IO_COMPLETION_INFORMATION / OVERLAPPED_ENTRY on a 32-bit system. */
export const COMPLETION_ENTRY_SIZE = 16;

/**
 * NtRemoveIoCompletionEx (GetQueuedCompletionStatusEx, IO-7.17): waits for one packet as
 * NtRemoveIoCompletion does, then takes the packets already queued behind it, up to
 * `count`, in FIFO order. An alertable call returns STATUS_USER_APC when it ran user APCs
 * instead of removing anything.
 */
export function NtRemoveIoCompletionEx(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtRemoveIoCompletionEx']): Routine<NtStatus> {
    const count = a.count >>> 0;
    if (count === 0) return STATUS.INVALID_PARAMETER;
    const probed = probeWrites(machine, thread, a.entries, count * COMPLETION_ENTRY_SIZE, a.removedOut, 4);
    if (probed !== STATUS.SUCCESS) return probed;
    const { status, port } = io.completionPorts.reference(thread, a.handle);
    if (port === null) return status;
    try {
      const first = yield* removeFromPort(io, thread, port, a.timeoutNs, a.alertable);
      if (typeof first === 'number') return first;
      let removed = 0;
      for (let packet: CompletionPacket | undefined = first; packet !== undefined; packet = removed < count ? port.next() : undefined) {
        const entry = a.entries + removed * COMPLETION_ENTRY_SIZE;
        removed++;
        const written = writePacket(io, thread, port, packet, entry, entry + 4, entry + 8);
        if (written !== STATUS.SUCCESS) return written;
      }
      return writeOutput(machine, thread, a.removedOut, removed);
    } finally {
      machine.objects.dereferenceDeferred(port.object);
    }
  };
}
