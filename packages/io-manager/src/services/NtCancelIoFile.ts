import { STATUS, waitForObjects, type Machine, type NtStatus, type Routine, type Thread } from '@irpsim/core';
import { cancelIrps } from '../cancelIrps.ts';
import type { FileObject } from '../FileObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import { threadIrps } from '../irpThreadList.ts';
import { fileOfHandle, probeIosb, writeIosb } from './cancelService.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    NtCancelIoFile: { handle: number; iosb: number };
  }
}

/** How often NtCancelIoFile looks again whether the requests it cancelled have finished. */
export const CANCEL_IO_POLL_NS = 100_000_000;

/**
 * NtCancelIoFile (CancelIo, IO-6.5): IoCancelIrp on every request the *calling thread*
 * has outstanding on the handle's file object (through any handle to it), then wait —
 * polling every 100 ms, as ReactOS does — until all of them have been through final
 * processing. Always STATUS_SUCCESS with the IOSB {0, 0}, also when nothing matched; a
 * request without a cancel routine keeps it waiting until the driver completes it.
 */
export function NtCancelIoFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: { handle: number; iosb: number }): Routine<NtStatus> {
    const probed = probeIosb(machine, thread, a.iosb);
    if (probed !== STATUS.SUCCESS) return probed;
    const { status, file } = fileOfHandle(io, thread, a.handle);
    if (file === null) return status;
    const mine = ofFile(thread, file);
    if (mine.length > 0) {
      yield* cancelIrps(io, mine, 'NtCancelIoFile', thread, file, null);
      while (ofFile(thread, file).length > 0) yield* waitForObjects(machine.engine, thread, [], { timeoutNs: CANCEL_IO_POLL_NS });
    }
    writeIosb(machine, thread, a.iosb, STATUS.SUCCESS);
    return STATUS.SUCCESS;
  };
}

/** The IRPs queued to `thread` for `file`. */
function ofFile(thread: Thread, file: FileObject): Irp[] {
  return threadIrps(thread).filter((irp) => irp.fileObject === file);
}
