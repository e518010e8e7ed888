import { STATUS, ntError, ntSuccess, type NtStatus, type Routine, type SystemServiceArgs } from '@irpsim/core';
import type { FileObject } from '../FileObject.ts';
import type { Win32 } from '../Win32.ts';
import { msToNs, WAIT } from '../win32Constants.ts';
import { ERROR, ntStatusToWin32 } from '../win32Error.ts';

/**
 * kernel32's ReadFile, WriteFile, DeviceIoControl and GetOverlappedResult(Ex), synchronous
 * and overlapped (io-semantics.md IO-4.8, §7, §11). Win32.ts delegates to these.
 */

/** The 32-bit OVERLAPPED (20 bytes); Internal/InternalHigh are the IO_STATUS_BLOCK (IO-7.3). */
export const OVERLAPPED = { Internal: 0, InternalHigh: 4, Offset: 8, OffsetHigh: 12, hEvent: 16, size: 20 } as const;

/** Where a synchronous call keeps its IO_STATUS_BLOCK: a local on the thread's user stack. */
const SYNC_IOSB = 0x20;

/** The file object behind a handle of the calling process when it is asynchronous (no FO_SYNCHRONOUS_IO), else null. */
export function asyncFileObject(u: Win32, handle: number): FileObject | null {
  const entry = u.thread.process.handles.get(handle);
  if (entry === undefined || entry.object.type !== u._io.FileType) return null;
  const file = entry.object.body as FileObject;
  return file.synchronous ? null : file;
}

/**
 * IO-7.13 (POLICY): an asynchronous handle used without an OVERLAPPED. Windows "fails in
 * unpredictable ways" (the status block is a local of a call that has returned); irpsim
 * refuses the call before any system call, with a diagnostic in the trace and
 * ERROR_INVALID_PARAMETER — what NtReadFile itself answers for a read without an offset.
 */
function refuseWithoutOverlapped(u: Win32, api: string): boolean {
  const trace = u._io.trace;
  if (trace.on) {
    trace.emit({ type: 'win32.misuse', tid: u.thread.id, api, message: `${api} on a handle opened with FILE_FLAG_OVERLAPPED needs an OVERLAPPED (IO-7.13)` });
  }
  u.fail(ERROR.INVALID_PARAMETER);
  u.done(api, false, 'no OVERLAPPED on an overlapped handle', STATUS.INVALID_PARAMETER);
  return false;
}

/**
 * ReadFile / WriteFile (IO-4.8). The count is zeroed on entry. Without an OVERLAPPED:
 * success → TRUE and Information; warning → FALSE, the mapped error and Information; error
 * → FALSE; a read that meets STATUS_END_OF_FILE → TRUE with 0 bytes. With an OVERLAPPED
 * (its Offset is the ByteOffset, it is the IOSB, Internal = STATUS_PENDING first, IO-7.3):
 * TRUE only for a success other than STATUS_PENDING, count = InternalHigh; otherwise FALSE
 * with the mapped error (ERROR_IO_PENDING, ERROR_HANDLE_EOF, …) and the count left 0.
 */
export function* readOrWriteFile(
  u: Win32,
  api: 'ReadFile' | 'WriteFile',
  handle: number,
  buffer: number,
  length: number,
  countOut: number,
  overlapped: number,
): Routine<boolean> {
  if (u.traced) u.call(api, `handle 0x${(handle >>> 0).toString(16).toUpperCase()}, ${length} bytes${overlapped !== 0 ? ', overlapped' : ''}`);
  if (countOut !== 0) u.writeU32(countOut, 0);
  const service = api === 'ReadFile' ? 'NtReadFile' : 'NtWriteFile';
  if (overlapped === 0) {
    if (asyncFileObject(u, handle) !== null) return refuseWithoutOverlapped(u, api);
    const iosb = u.thread.userStack + SYNC_IOSB;
    const status = yield* u._io.machine.systemCall(service, { handle, event: 0, apcRoutine: 0, apcContext: 0, iosb, buffer, length, byteOffset: 0, key: 0 });
    if (status === STATUS.END_OF_FILE && api === 'ReadFile') {
      u.done(api, true, 'end of file, 0 bytes', status);
      return true;
    }
    if (ntError(status)) return failed(u, api, status);
    const count = u.readU32(iosb + 4);
    if (countOut !== 0) u.writeU32(countOut, count);
    if (!ntSuccess(status)) return failed(u, api, status, `${count} bytes`);
    if (u.traced) u.done(api, true, `${count} bytes`, status);
    return true;
  }
  const event = u.readU32(overlapped + OVERLAPPED.hEvent);
  u.writeU32(overlapped + OVERLAPPED.Internal, STATUS.PENDING);
  const status = yield* u._io.machine.systemCall(service, {
    handle,
    event,
    apcRoutine: 0,
    apcContext: apcContextOf(event, overlapped),
    iosb: overlapped,
    buffer,
    length,
    byteOffset: overlapped + OVERLAPPED.Offset,
    key: 0,
  });
  if (status === STATUS.PENDING || !ntSuccess(status)) return failed(u, api, status);
  const count = u.readU32(overlapped + OVERLAPPED.InternalHigh);
  if (countOut !== 0) u.writeU32(countOut, count);
  if (u.traced) u.done(api, true, `${count} bytes`, status);
  return true;
}

/**
 * DeviceIoControl. On a synchronous handle (IO-7.2) the OVERLAPPED is ignored (IO-7.1) and
 * the IOSB is a local: TRUE for a success status with `*lpBytesReturned` = Information;
 * FALSE with the mapped error for a warning (count written) or an error (count not
 * written). On an overlapped handle (IO-7.3 – IO-7.6, §11) Internal = STATUS_PENDING first,
 * the OVERLAPPED is the IOSB and its hEvent the event; `*lpBytesReturned` = InternalHigh
 * unless the returned status is an error; FALSE with ERROR_IO_PENDING while pending.
 */
export function* deviceIoControl(
  u: Win32,
  handle: number,
  ioControlCode: number,
  inBuffer: number,
  inBufferSize: number,
  outBuffer: number,
  outBufferSize: number,
  bytesReturned: number,
  overlapped: number,
): Routine<boolean> {
  // The work before and after the trap is in plain functions: the generator, suspended
  // across the system call, keeps a small frame.
  const async = asyncFileObject(u, handle) !== null;
  const args = ioctlArgs(u, async, handle, ioControlCode, inBuffer, inBufferSize, outBuffer, outBufferSize, overlapped);
  if (args === null) return false;
  // The system call as an engine call taken by this generator itself (Machine.systemCallEffect).
  const status = ((yield u._io.machine.systemCallEffect('NtDeviceIoControlFile', args)) as NtStatus) >>> 0;
  return ioctlReturned(u, async, status, args.iosb, bytesReturned);
}

/** DeviceIoControl up to the trap: the service's arguments, or null when the call is refused (IO-7.13). */
function ioctlArgs(
  u: Win32,
  async: boolean,
  handle: number,
  ioControlCode: number,
  inBuffer: number,
  inBufferSize: number,
  outBuffer: number,
  outBufferSize: number,
  overlapped: number,
): SystemServiceArgs['NtDeviceIoControlFile'] | null {
  const api = 'DeviceIoControl';
  if (u.traced) u.call(api, `handle 0x${(handle >>> 0).toString(16).toUpperCase()}, 0x${(ioControlCode >>> 0).toString(16).toUpperCase()}, in ${inBufferSize} bytes, out ${outBufferSize} bytes${async ? ', overlapped' : ''}`);
  if (async && overlapped === 0) {
    refuseWithoutOverlapped(u, api);
    return null;
  }
  // SYNC_IOSB as a literal on the synchronous path: V8 does not fold a module's constants
  // into the code using them (see Memory.pte).
  const iosb = async ? overlapped : u.thread.userStack + 0x20 /* SYNC_IOSB */;
  const event = async ? u.readU32(overlapped + OVERLAPPED.hEvent) : 0;
  if (async) u.writeU32(overlapped + OVERLAPPED.Internal, STATUS.PENDING);
  return {
    handle,
    event,
    apcRoutine: 0,
    apcContext: async ? apcContextOf(event, overlapped) : 0,
    iosb,
    ioControlCode,
    inputBuffer: inBuffer,
    inputLength: inBufferSize,
    outputBuffer: outBuffer,
    outputLength: outBufferSize,
  };
}

/** DeviceIoControl after the trap: the BOOL, the byte count and the last error. */
function ioctlReturned(u: Win32, async: boolean, status: NtStatus, iosb: number, bytesReturned: number): boolean {
  const api = 'DeviceIoControl';
  if (ntError(status)) return failed(u, api, status);
  const information = u.readU32(iosb + 4 /* OVERLAPPED.InternalHigh, a literal as above */);
  // lpBytesReturned may be NULL only with an OVERLAPPED (IO-7.2).
  if (!async || bytesReturned !== 0) u.writeU32(bytesReturned, information);
  if ((async && status === STATUS.PENDING) || !ntSuccess(status)) return failed(u, api, status, `${information} bytes`);
  if (u.traced) u.done(api, true, `${information} bytes`, status);
  return true;
}

/**
 * GetOverlappedResult / GetOverlappedResultEx (IO-7.11). The decision reads `Internal`
 * alone: STATUS_PENDING with no time to wait → ERROR_IO_INCOMPLETE (996), the count
 * untouched; otherwise wait on hEvent, or on the file handle when hEvent is NULL, then
 * report InternalHigh — also when the request failed — TRUE for NT_SUCCESS(Internal), else
 * FALSE with the mapped error. A timeout gives WAIT_TIMEOUT (258), an alertable wait
 * ended by an APC WAIT_IO_COMPLETION (0xC0), as GetOverlappedResultEx documents.
 */
export function* getOverlappedResult(
  u: Win32,
  api: 'GetOverlappedResult' | 'GetOverlappedResultEx',
  handle: number,
  overlapped: number,
  countOut: number,
  milliseconds: number,
  alertable: boolean,
): Routine<boolean> {
  if (u.traced) u.call(api, `handle 0x${(handle >>> 0).toString(16).toUpperCase()}, ${milliseconds === 0 ? 'no wait' : 'wait'}`);
  let status = u.readU32(overlapped + OVERLAPPED.Internal);
  if (status === STATUS.PENDING) {
    if (milliseconds === 0) {
      u.fail(ERROR.IO_INCOMPLETE);
      u.done(api, false, 'still pending', status);
      return false;
    }
    const event = u.readU32(overlapped + OVERLAPPED.hEvent) & ~1;
    const waited = yield* u._io.machine.systemCall('NtWaitForSingleObject', { handle: event !== 0 ? event : handle, alertable, timeoutNs: msToNs(milliseconds) });
    if (waited === STATUS.TIMEOUT || waited === STATUS.USER_APC) {
      u.fail(waited === STATUS.TIMEOUT ? WAIT.TIMEOUT : WAIT.IO_COMPLETION);
      u.done(api, false, waited === STATUS.TIMEOUT ? 'timed out' : 'an APC ran', waited);
      return false;
    }
    if (!ntSuccess(waited)) return failed(u, api, waited);
    status = u.readU32(overlapped + OVERLAPPED.Internal);
  }
  const count = u.readU32(overlapped + OVERLAPPED.InternalHigh);
  u.writeU32(countOut, count);
  if (!ntSuccess(status)) return failed(u, api, status, `${count} bytes`);
  if (u.traced) u.done(api, true, `${count} bytes`, status);
  return true;
}

/** kernel32 passes the OVERLAPPED as ApcContext unless the low bit of hEvent asks for no completion packet (IO-7.9). */
function apcContextOf(event: number, overlapped: number): number {
  return (event & 1) !== 0 ? 0 : overlapped;
}

/** FALSE with the status mapped to the last error (IO-8.3, IO-8.4). */
function failed(u: Win32, api: string, status: NtStatus, detail = ''): boolean {
  u.fail(ntStatusToWin32(status));
  u.done(api, false, detail, status);
  return false;
}
