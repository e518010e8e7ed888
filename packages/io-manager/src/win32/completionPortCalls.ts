import { STATUS, ntSuccess, type NtStatus, type Routine } from '@irpsim/core';
import { IO_COMPLETION_ACCESS } from '../CompletionPorts.ts';
import { FILE_INFORMATION_CLASS } from '../services/NtSetInformationFile.ts';
import type { Win32 } from '../Win32.ts';
import { msToNs, WAIT } from '../win32Constants.ts';
import { ERROR, ntStatusToWin32 } from '../win32Error.ts';
import { OVERLAPPED } from './readWriteCalls.ts';

/**
 * kernel32's completion-port and APC-completion calls (io-semantics.md IO-7.9 – IO-7.17),
 * as Wine's kernelbase writes them. Win32.ts delegates to these.
 */

/** LPOVERLAPPED_COMPLETION_ROUTINE: runs in the issuing thread at an alertable wait (IO-7.12). */
export type FileIoCompletionRoutine = (u: Win32, errorCode: number, bytesTransferred: number, overlapped: number) => Routine<void>;

/** Locals of these calls on the thread's user stack (the other Win32 calls use slots below 0x100). */
const LOCALS = { handle: 0x100, iosb: 0x108, info: 0x110 } as const;

/**
 * CreateIoCompletionPort: with no existing port, NtCreateIoCompletion; then, unless the
 * file handle is INVALID_HANDLE_VALUE, NtSetInformationFile(FileCompletionInformation) —
 * a new port is closed again if that fails. Returns the port handle or NULL.
 */
export function* createIoCompletionPort(u: Win32, fileHandle: number, existingPort: number, completionKey: number, concurrentThreads: number): Routine<number> {
  const api = 'CreateIoCompletionPort';
  const machine = u._io.machine;
  const file = fileHandle >>> 0;
  if (u.traced) u.call(api, `${file === 0xffffffff ? 'INVALID_HANDLE_VALUE' : hexHandle(file)}, ${existingPort === 0 ? 'new port' : hexHandle(existingPort)}, key 0x${(completionKey >>> 0).toString(16).toUpperCase()}, ${concurrentThreads} threads`);
  let port = existingPort >>> 0;
  if (port === 0) {
    const out = u.thread.userStack + LOCALS.handle;
    const created = yield* machine.systemCall('NtCreateIoCompletion', { handleOut: out, access: IO_COMPLETION_ACCESS.ALL_ACCESS, count: concurrentThreads >>> 0 });
    if (!ntSuccess(created)) return failed(u, api, created, 0);
    port = u.readU32(out);
  } else if (file === 0xffffffff) {
    u.fail(ERROR.INVALID_PARAMETER);
    u.done(api, false, '', STATUS.INVALID_PARAMETER);
    return 0;
  }
  if (file !== 0xffffffff) {
    const info = u.thread.userStack + LOCALS.info;
    u.writeU32(info, port);
    u.writeU32(info + 4, completionKey >>> 0);
    const status = yield* machine.systemCall('NtSetInformationFile', {
      handle: file,
      iosb: u.thread.userStack + LOCALS.iosb,
      info,
      length: 8,
      infoClass: FILE_INFORMATION_CLASS.FileCompletionInformation,
    });
    if (!ntSuccess(status)) {
      if (existingPort === 0) yield* machine.systemCall('NtClose', { handle: port });
      return failed(u, api, status, 0);
    }
  }
  if (u.traced) u.done(api, true, hexHandle(port), STATUS.SUCCESS);
  return port;
}

/**
 * GetQueuedCompletionStatus (IO-7.10): *lpOverlapped = NULL first. A packet → its key,
 * OVERLAPPED and byte count, TRUE for an NT_SUCCESS status, else FALSE with the mapped
 * error. No packet → FALSE with WAIT_TIMEOUT, or ERROR_ABANDONED_WAIT_0 when the port was
 * closed during the wait; key and count are not written.
 */
export function* getQueuedCompletionStatus(u: Win32, port: number, bytesOut: number, keyOut: number, overlappedOut: number, milliseconds: number): Routine<boolean> {
  const api = 'GetQueuedCompletionStatus';
  if (u.traced) u.call(api, `${hexHandle(port)}, ${describeMs(milliseconds)}`);
  u.writeU32(overlappedOut, 0);
  const iosb = u.thread.userStack + LOCALS.iosb;
  const status = yield* u._io.machine.systemCall('NtRemoveIoCompletion', { handle: port, keyOut, apcContextOut: overlappedOut, iosb, timeoutNs: msToNs(milliseconds) });
  if (status !== STATUS.SUCCESS) return failed(u, api, status, false);
  const packetStatus = u.readU32(iosb);
  const bytes = u.readU32(iosb + 4);
  u.writeU32(bytesOut, bytes);
  const detail = u.traced ? `key 0x${u.readU32(keyOut).toString(16).toUpperCase()}, OVERLAPPED 0x${u.readU32(overlappedOut).toString(16).toUpperCase()}, ${bytes} bytes` : '';
  if (!ntSuccess(packetStatus)) return failed(u, api, packetStatus, false, detail);
  if (u.traced) u.done(api, true, detail, packetStatus);
  return true;
}

/**
 * GetQueuedCompletionStatusEx (IO-7.17): up to `count` OVERLAPPED_ENTRY records (16 bytes:
 * key, lpOverlapped, Internal, bytes) and their number; TRUE when any were removed,
 * whatever their statuses. FALSE with WAIT_TIMEOUT, WAIT_IO_COMPLETION (an alertable call
 * ran user APCs instead) or ERROR_ABANDONED_WAIT_0.
 */
export function* getQueuedCompletionStatusEx(u: Win32, port: number, entries: number, count: number, removedOut: number, milliseconds: number, alertable: boolean): Routine<boolean> {
  const api = 'GetQueuedCompletionStatusEx';
  if (u.traced) u.call(api, `${hexHandle(port)}, room for ${count}, ${describeMs(milliseconds)}${alertable ? ', alertable' : ''}`);
  const status = yield* u._io.machine.systemCall('NtRemoveIoCompletionEx', { handle: port, entries, count, removedOut, timeoutNs: msToNs(milliseconds), alertable });
  if (status !== STATUS.SUCCESS) return failed(u, api, status, false);
  if (u.traced) u.done(api, true, `${u.readU32(removedOut)} entries`, status);
  return true;
}

/** PostQueuedCompletionStatus: NtSetIoCompletion with STATUS_SUCCESS (IO-7.10). */
export function* postQueuedCompletionStatus(u: Win32, port: number, bytes: number, key: number, overlapped: number): Routine<boolean> {
  const api = 'PostQueuedCompletionStatus';
  if (u.traced) u.call(api, `${hexHandle(port)}, ${bytes} bytes, key 0x${(key >>> 0).toString(16).toUpperCase()}, OVERLAPPED 0x${(overlapped >>> 0).toString(16).toUpperCase()}`);
  const status = yield* u._io.machine.systemCall('NtSetIoCompletion', { handle: port, key, apcContext: overlapped, status: STATUS.SUCCESS, information: bytes });
  return boolResult(u, api, status);
}

/** SetFileCompletionNotificationModes: NtSetInformationFile(FileIoCompletionNotificationInformation) (IO-7.16). */
export function* setFileCompletionNotificationModes(u: Win32, handle: number, flags: number): Routine<boolean> {
  const api = 'SetFileCompletionNotificationModes';
  if (u.traced) u.call(api, `${hexHandle(handle)}, 0x${(flags >>> 0).toString(16).toUpperCase()}`);
  const info = u.thread.userStack + LOCALS.info;
  u.writeU32(info, flags >>> 0);
  const status = yield* u._io.machine.systemCall('NtSetInformationFile', {
    handle,
    iosb: u.thread.userStack + LOCALS.iosb,
    info,
    length: 4,
    infoClass: FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation,
  });
  return boolResult(u, api, status);
}

/**
 * ReadFileEx / WriteFileEx (IO-7.12): the OVERLAPPED is the IOSB (Internal =
 * STATUS_PENDING, InternalHigh = 0) and gives the offset; hEvent is not used. The APC
 * routine is kernel32's `readWriteApc` and the ApcContext the caller's completion
 * routine, as in kernelbase. TRUE when the request pended or succeeded; FALSE with the
 * mapped error otherwise (a warning too, though its APC is still queued).
 */
export function* readOrWriteFileEx(
  u: Win32,
  api: 'ReadFileEx' | 'WriteFileEx',
  handle: number,
  buffer: number,
  length: number,
  overlapped: number,
  completion: FileIoCompletionRoutine,
): Routine<boolean> {
  if (u.traced) u.call(api, `${hexHandle(handle)}, ${length} bytes, OVERLAPPED 0x${(overlapped >>> 0).toString(16).toUpperCase()}`);
  if (overlapped === 0) {
    u.fail(ERROR.INVALID_PARAMETER);
    u.done(api, false, 'no OVERLAPPED', STATUS.INVALID_PARAMETER);
    return false;
  }
  u.writeU32(overlapped + OVERLAPPED.Internal, STATUS.PENDING);
  u.writeU32(overlapped + OVERLAPPED.InternalHigh, 0);
  const code = u._io.userCode;
  const status = yield* u._io.machine.systemCall(api === 'ReadFileEx' ? 'NtReadFile' : 'NtWriteFile', {
    handle,
    event: 0,
    apcRoutine: code.address(readWriteApc),
    apcContext: code.address(completion),
    iosb: overlapped,
    buffer,
    length,
    byteOffset: overlapped + OVERLAPPED.Offset,
    key: 0,
  });
  if (status === STATUS.PENDING) {
    if (u.traced) u.done(api, true, 'pending', status);
    return true;
  }
  return boolResult(u, api, status);
}

/**
 * kernel32's APC routine for ReadFileEx / WriteFileEx (read_write_apc): calls the
 * completion routine named by the ApcContext with the mapped error of the IOSB's Status,
 * its Information and the OVERLAPPED (the IOSB itself).
 */
export function* readWriteApc(u: Win32, apcContext: number, iosb: number): Routine<void> {
  const completion = u._io.userCode.routine<FileIoCompletionRoutine>(apcContext);
  const status = u.readU32(iosb);
  const bytes = u.readU32(iosb + 4);
  if (completion === undefined) return;
  yield* completion(u, ntStatusToWin32(status), bytes, iosb);
}

/** kernel32's mapping of a failed removal: WAIT_TIMEOUT, WAIT_IO_COMPLETION, ERROR_ABANDONED_WAIT_0, or the mapped status. */
function removalError(status: NtStatus): number {
  if (status === STATUS.TIMEOUT) return WAIT.TIMEOUT;
  if (status === STATUS.USER_APC) return WAIT.IO_COMPLETION;
  if (status === STATUS.ABANDONED_WAIT_0) return ERROR.ABANDONED_WAIT_0;
  return ntStatusToWin32(status);
}

function failed<T>(u: Win32, api: string, status: NtStatus, value: T, detail = ''): T {
  u.fail(removalError(status));
  u.done(api, false, detail, status);
  return value;
}

function boolResult(u: Win32, api: string, status: NtStatus): boolean {
  if (!ntSuccess(status)) return failed(u, api, status, false);
  u.done(api, true, '', status);
  return true;
}

function hexHandle(handle: number): string {
  return `handle 0x${(handle >>> 0).toString(16).toUpperCase()}`;
}

function describeMs(ms: number): string {
  return ms >>> 0 === 0xffffffff ? 'INFINITE' : `${ms} ms`;
}
