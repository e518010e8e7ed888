import { SimException, STATUS, ntError, ntSuccess, type Thread } from '@irpsim/core';
import { FO } from './FileObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import type { IoApcRoutine } from './UserCode.ts';
import { Win32 } from './Win32.ts';

/**
 * The last step of the I/O manager's final processing, once the IOSB is written and the
 * event set (IopCompleteRequest; §11 "APC / IOCP packet"). Called only when the caller is
 * notified at all (the IRP pended or its status is not an error). A request that gave an
 * APC routine gets a user APC queued to the requesting thread (IO-7.12); otherwise its
 * file object's completion port, read now (IO-7.15), gets a packet when the request
 * carried an ApcContext, unless FILE_SKIP_COMPLETION_PORT_ON_SUCCESS skips a request
 * that succeeded without pending (IO-7.9).
 */
export function queueIoCompletion(io: IoManager, irp: Irp): void {
  const origin = irp.origin;
  if (origin === null) return;
  const apcRoutine = origin.apcRoutine ?? 0;
  if (apcRoutine !== 0) {
    if (irp.thread !== null) queueIoApc(io, irp, irp.thread, apcRoutine, origin.apcContext, origin.userIosb);
    return;
  }
  const file = irp.fileObject;
  const completion = file?.completion ?? null;
  if (completion === null || origin.apcContext === 0) return;
  const status = irp.status;
  // Windows 7 (legacy) skipped every non-error status; current Windows only NT_SUCCESS ones.
  if (!irp.pendingReturned && (file!.flags & FO.SKIP_COMPLETION_PORT) !== 0 && (io.windows === 'legacy' ? !ntError(status) : ntSuccess(status))) return;
  const packet = { key: completion.key, apcContext: origin.apcContext, status, information: irp.information };
  if (io.trace.on) io.trace.emit({ type: 'io.port.queue', port: completion.port.id, irp: irp.id, ...packet });
  completion.port.insert(io.machine.engine, packet);
}

/**
 * The user APC of an I/O request: runs in the requesting thread at its next alertable
 * wait, calling the APC routine with (ApcContext, IoStatusBlock, 0). A routine address
 * with no routine behind it faults in user mode when the APC runs, as a wild pointer does.
 */
function queueIoApc(io: IoManager, irp: Irp, thread: Thread, apcRoutine: number, apcContext: number, iosb: number): void {
  const routine = io.userCode.routine<IoApcRoutine>(apcRoutine);
  io.machine.queueUserApc(thread, {
    label: `I/O completion APC of IRP ${irp.id}`,
    *routine(target) {
      if (routine === undefined) throw new SimException(STATUS.ACCESS_VIOLATION, apcRoutine, false, 'user');
      yield* routine(new Win32(io, target), apcContext, iosb, 0);
    },
  });
}
