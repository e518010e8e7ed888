import { STATUS, type Machine, type NtStatus, type Routine, type Thread } from '@irpsim/core';
import { cancelIrps } from '../cancelIrps.ts';
import type { Irp } from '../Irp.ts';
import type { IoManager } from '../IoManager.ts';
import { threadIrps } from '../irpThreadList.ts';
import { fileOfHandle, probeIosb, writeIosb } from './cancelService.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** `request`: the IO_STATUS_BLOCK (OVERLAPPED) of the one request to cancel, or 0 for all. */
    NtCancelIoFileEx: { handle: number; request: number; iosb: number };
  }
}

/**
 * NtCancelIoFileEx (CancelIoEx, IO-6.5, IO-6.6): IoCancelIrp on every request of *any
 * thread of the calling process* on the handle's file object — only those whose
 * IO_STATUS_BLOCK is `request` when it is not 0 — and return at once, without waiting.
 * STATUS_SUCCESS when at least one request matched (whether or not it could be
 * cancelled), STATUS_NOT_FOUND when none did. The IOSB receives {status, 0}.
 */
export function NtCancelIoFileEx(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: { handle: number; request: number; iosb: number }): Routine<NtStatus> {
    const probed = probeIosb(machine, thread, a.iosb);
    if (probed !== STATUS.SUCCESS) return probed;
    const { status, file } = fileOfHandle(io, thread, a.handle);
    if (file === null) return status;
    const matched: Irp[] = [];
    for (const other of thread.process.threads) {
      for (const irp of threadIrps(other)) {
        if (irp.fileObject === file && (a.request === 0 || irp.origin?.userIosb === a.request)) matched.push(irp);
      }
    }
    const result = matched.length > 0 ? STATUS.SUCCESS : STATUS.NOT_FOUND;
    if (matched.length > 0) yield* cancelIrps(io, matched, 'NtCancelIoFileEx', thread, file, null);
    writeIosb(machine, thread, a.iosb, result);
    return result;
  };
}
