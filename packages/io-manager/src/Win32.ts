import {
  ACCESS,
  CURRENT_PROCESS,
  CURRENT_THREAD,
  DUPLICATE,
  EVENT_ACCESS,
  MUTANT_ACCESS,
  PAGE,
  SECTION_ACCESS,
  SEMAPHORE_ACCESS,
  STATUS,
  ntSuccess,
  type NtStatus,
  type Routine,
  type Thread,
} from '@irpsim/core';
import { FILE, FILE_DISPOSITION, FILE_OPTION } from './constants.ts';
import type { IoManager } from './IoManager.ts';
import { INFINITE, msToNs, toObjectName, WAIT } from './win32Constants.ts';
import { deviceIoControl, getOverlappedResult, readOrWriteFile } from './win32/readWriteCalls.ts';
import {
  createIoCompletionPort,
  getQueuedCompletionStatus,
  getQueuedCompletionStatusEx,
  postQueuedCompletionStatus,
  readOrWriteFileEx,
  setFileCompletionNotificationModes,
  type FileIoCompletionRoutine,
} from './win32/completionPortCalls.ts';
import { ERROR, ntStatusToWin32, win32ErrorName } from './win32Error.ts';
import { previewBytes } from './previewBytes.ts';
import { FILE_MAP } from './win32Constants.ts';

/** CreateFile dispositions (winbase.h) and flags. */
export const CREATION = { CREATE_NEW: 1, CREATE_ALWAYS: 2, OPEN_EXISTING: 3, OPEN_ALWAYS: 4, TRUNCATE_EXISTING: 5 } as const;
export const FILE_FLAG_OVERLAPPED = 0x40000000;
export const INVALID_HANDLE_VALUE = 0xffffffff;

/** Where `programLocal` lies in the thread's user stack page: above every local kernel32 uses. */
const PROGRAM_LOCAL = 0x200;

const DISPOSITION: Record<number, number> = {
  [CREATION.CREATE_NEW]: FILE_DISPOSITION.CREATE,
  [CREATION.CREATE_ALWAYS]: FILE_DISPOSITION.OVERWRITE_IF,
  [CREATION.OPEN_EXISTING]: FILE_DISPOSITION.OPEN,
  [CREATION.OPEN_ALWAYS]: FILE_DISPOSITION.OPEN_IF,
  [CREATION.TRUNCATE_EXISTING]: FILE_DISPOSITION.OVERWRITE,
};

/**
 * The Win32 API as one user thread sees it (kernel32's part of it): the calls convert
 * their arguments, trap into the kernel through the system-call gate, and turn the
 * NTSTATUS into a BOOL and a last-error value exactly as kernel32 does (io-semantics.md §7,
 * §8). Memory access through this object is user-mode access: a bad pointer raises an
 * access violation in the calling thread.
 */
export class Win32 {
  readonly thread: Thread;
  /** @internal */
  readonly _io: IoManager;

  constructor(io: IoManager, thread: Thread) {
    this._io = io;
    this.thread = thread;
  }

  private get machine() {
    return this._io.machine;
  }

  // ── errors ───────────────────────────────────────────────────────────────────────

  GetLastError(): number {
    return this.thread.lastError;
  }

  SetLastError(error: number): void {
    this.thread.lastError = error >>> 0;
  }

  // ── memory ───────────────────────────────────────────────────────────────────────

  /**
   * Memory a scenario prepares before an action (its input and output buffers). Not an API
   * call of the program, so no system call is traced: the same demand-zero pages
   * VirtualAlloc would give. Returns 0 when the address space is full.
   */
  scratch(size: number): number {
    return this.machine.memory.allocateUser(this.thread.process.space, Math.max(1, size), PAGE.READWRITE, 'scratch') ?? 0;
  }

  /**
   * The calling program's own 4-byte local on the thread's user stack (a C program's
   * `DWORD bytes;` for lpBytesReturned): every call of the thread reuses it, as the program's
   * frame would. Kernel32's own locals lie below it (offsets under 0x200); only user-mode code
   * writes it, before the call returns, so no request in flight can point at it.
   */
  programLocal(): number {
    return this.thread.userStack + PROGRAM_LOCAL;
  }

  /** VirtualAlloc(MEM_RESERVE | MEM_COMMIT) through NtAllocateVirtualMemory: an address, or 0. */
  *VirtualAlloc(size: number, protect: number = PAGE.READWRITE): Routine<number> {
    const out = this.local(0);
    if (this.traced) this.call('VirtualAlloc', `${size} bytes, ${protectName(protect)}`);
    const status = yield* this.machine.systemCall('NtAllocateVirtualMemory', { baseOut: out, size, protect });
    if (!ntSuccess(status)) return this.failWith('VirtualAlloc', status, 0);
    const base = this.readU32(out);
    if (this.traced) this.done('VirtualAlloc', true, `0x${base.toString(16).toUpperCase()}`, status);
    return base;
  }

  /** VirtualFree(MEM_RELEASE). */
  *VirtualFree(address: number): Routine<boolean> {
    if (this.traced) this.call('VirtualFree', `0x${address.toString(16).toUpperCase()}`);
    const status = yield* this.machine.systemCall('NtFreeVirtualMemory', { base: address });
    return this.boolResult('VirtualFree', status);
  }

  /** VirtualProtect. */
  *VirtualProtect(address: number, size: number, protect: number): Routine<boolean> {
    if (this.traced) this.call('VirtualProtect', `0x${address.toString(16).toUpperCase()}, ${size} bytes, ${protectName(protect)}`);
    const status = yield* this.machine.systemCall('NtProtectVirtualMemory', { base: address, size, protect, oldProtectOut: this.local(0) });
    return this.boolResult('VirtualProtect', status);
  }

  /** Reads the process's memory in user mode (raises an access violation on a bad address). */
  read(address: number, length: number): Uint8Array {
    return this.machine.memory.read(this.thread.process.space, address, length, 'user');
  }

  write(address: number, bytes: Uint8Array): void {
    this.machine.memory.write(this.thread.process.space, address, bytes, 'user');
  }

  readU32(address: number): number {
    return this.machine.memory.readU32(this.thread.process.space, address, 'user');
  }

  writeU32(address: number, value: number): void {
    this.machine.memory.writeU32(this.thread.process.space, address, value, 'user');
  }

  // ── files and devices ────────────────────────────────────────────────────────────

  /**
   * CreateFile (C8): `\\.\X` becomes `\??\X`; kernel32 adds SYNCHRONIZE and
   * FILE_READ_ATTRIBUTES to the access, and opens for synchronous I/O unless
   * FILE_FLAG_OVERLAPPED is given. Returns a handle or INVALID_HANDLE_VALUE.
   */
  *CreateFile(name: string, desiredAccess: number, shareMode: number, creationDisposition: number, flags: number): Routine<number> {
    const ntName = toNtPath(name);
    const stack = this.thread.userStack;
    const handleOut = stack + 0x10;
    const iosb = stack + 0x18;
    if (this.traced) this.call('CreateFile', `"${name}", ${describeAccess(desiredAccess)}${flags & FILE_FLAG_OVERLAPPED ? ', FILE_FLAG_OVERLAPPED' : ''}`);
    const status = yield* this.machine.systemCall('NtCreateFile', {
      handleOut,
      desiredAccess: (desiredAccess | ACCESS.SYNCHRONIZE | FILE.READ_ATTRIBUTES) >>> 0,
      name: ntName,
      iosb,
      shareAccess: shareMode,
      disposition: DISPOSITION[creationDisposition] ?? FILE_DISPOSITION.OPEN,
      options: (flags & FILE_FLAG_OVERLAPPED) !== 0 ? FILE_OPTION.NON_DIRECTORY_FILE : FILE_OPTION.SYNCHRONOUS_IO_NONALERT | FILE_OPTION.NON_DIRECTORY_FILE,
    });
    if (!ntSuccess(status)) {
      this.fail(status === STATUS.OBJECT_NAME_COLLISION && creationDisposition === CREATION.CREATE_NEW ? 80 : ntStatusToWin32(status));
      this.done('CreateFile', false, 'INVALID_HANDLE_VALUE', status);
      return INVALID_HANDLE_VALUE;
    }
    const handle = this.readU32(handleOut);
    if (this.traced) this.done('CreateFile', true, `handle 0x${handle.toString(16).toUpperCase()}`, status);
    return handle;
  }

  /**
   * DeviceIoControl (IO-7.2; overlapped: IO-7.3 – IO-7.6). The OVERLAPPED is ignored on a
   * synchronous handle (IO-7.1). Logic in win32/readWriteCalls.ts.
   */
  DeviceIoControl(
    handle: number,
    ioControlCode: number,
    inBuffer: number,
    inBufferSize: number,
    outBuffer: number,
    outBufferSize: number,
    bytesReturned: number,
    overlapped = 0,
  ): Routine<boolean> {
    return deviceIoControl(this, handle, ioControlCode, inBuffer, inBufferSize, outBuffer, outBufferSize, bytesReturned, overlapped);
  }

  // ── reading, writing and overlapped I/O (win32/readWriteCalls.ts) ──────────────

  /** ReadFile (IO-4.8, IO-7.1, IO-7.3 – IO-7.8): `overlapped` 0 for none. */
  ReadFile(handle: number, buffer: number, length: number, bytesRead: number, overlapped = 0): Routine<boolean> {
    return readOrWriteFile(this, 'ReadFile', handle, buffer, length, bytesRead, overlapped);
  }

  /** WriteFile (IO-4.8, IO-7.1, IO-7.3 – IO-7.8): `overlapped` 0 for none. */
  WriteFile(handle: number, buffer: number, length: number, bytesWritten: number, overlapped = 0): Routine<boolean> {
    return readOrWriteFile(this, 'WriteFile', handle, buffer, length, bytesWritten, overlapped);
  }

  /** GetOverlappedResult (IO-7.11): with `wait`, waits on hEvent or on the file handle. */
  GetOverlappedResult(handle: number, overlapped: number, bytesTransferred: number, wait: boolean): Routine<boolean> {
    return getOverlappedResult(this, 'GetOverlappedResult', handle, overlapped, bytesTransferred, wait ? INFINITE : 0, false);
  }

  /** GetOverlappedResultEx (IO-7.11): waits up to `milliseconds`, alertably if asked. */
  GetOverlappedResultEx(handle: number, overlapped: number, bytesTransferred: number, milliseconds: number, alertable: boolean): Routine<boolean> {
    return getOverlappedResult(this, 'GetOverlappedResultEx', handle, overlapped, bytesTransferred, milliseconds, alertable);
  }

  /** CloseHandle: TRUE, or FALSE with ERROR_INVALID_HANDLE. */
  *CloseHandle(handle: number): Routine<boolean> {
    if (this.traced) this.call('CloseHandle', `handle 0x${handle.toString(16).toUpperCase()}`);
    const status = yield* this.machine.systemCall('NtClose', { handle });
    if (!ntSuccess(status)) {
      this.fail(ntStatusToWin32(status));
      this.done('CloseHandle', false, '', status);
      return false;
    }
    this.done('CloseHandle', true, '', status);
    return true;
  }

  // ── cancellation (services/NtCancelIoFile*.ts, NtCancelSynchronousIoFile.ts) ───

  /** CancelIo (IO-6.5): cancels this thread's requests on the handle's file object and waits for them; TRUE. */
  *CancelIo(handle: number): Routine<boolean> {
    if (this.traced) this.call('CancelIo', hexHandle(handle));
    return this.boolResult('CancelIo', yield* this.machine.systemCall('NtCancelIoFile', { handle, iosb: this.thread.userStack + 0x28 }));
  }

  /** CancelIoEx (IO-6.5, IO-6.6): any thread's requests of this process, or the one using `overlapped`; no wait. FALSE/ERROR_NOT_FOUND when none matched. */
  *CancelIoEx(handle: number, overlapped: number): Routine<boolean> {
    if (this.traced) this.call('CancelIoEx', `${hexHandle(handle)}, ${overlapped === 0 ? 'all requests' : `OVERLAPPED 0x${overlapped.toString(16).toUpperCase()}`}`);
    return this.boolResult('CancelIoEx', yield* this.machine.systemCall('NtCancelIoFileEx', { handle, request: overlapped, iosb: this.thread.userStack + 0x28 }));
  }

  /** CancelSynchronousIo (IO-6.5): cancels the synchronous request `thread` is blocked in; FALSE/ERROR_NOT_FOUND when there is none. */
  *CancelSynchronousIo(thread: number): Routine<boolean> {
    if (this.traced) this.call('CancelSynchronousIo', hexHandle(thread));
    return this.boolResult('CancelSynchronousIo', yield* this.machine.systemCall('NtCancelSynchronousIoFile', { thread, request: 0, iosb: this.thread.userStack + 0x28 }));
  }

  // ── completion ports and APC completion (win32/completionPortCalls.ts) ──────────

  /** CreateIoCompletionPort (IO-7.15): a new port (existingPort 0) and/or an association of `fileHandle` with `completionKey`; the port handle or NULL. */
  CreateIoCompletionPort(fileHandle: number, existingPort: number, completionKey: number, concurrentThreads: number): Routine<number> {
    return createIoCompletionPort(this, fileHandle, existingPort, completionKey, concurrentThreads);
  }

  /** GetQueuedCompletionStatus (IO-7.10): `bytesOut`, `keyOut`, `overlappedOut` are pointers. */
  GetQueuedCompletionStatus(port: number, bytesOut: number, keyOut: number, overlappedOut: number, milliseconds: number): Routine<boolean> {
    return getQueuedCompletionStatus(this, port, bytesOut, keyOut, overlappedOut, milliseconds);
  }

  /** GetQueuedCompletionStatusEx (IO-7.17): `entries` is an array of `count` 16-byte OVERLAPPED_ENTRY records. */
  GetQueuedCompletionStatusEx(port: number, entries: number, count: number, removedOut: number, milliseconds: number, alertable: boolean): Routine<boolean> {
    return getQueuedCompletionStatusEx(this, port, entries, count, removedOut, milliseconds, alertable);
  }

  /** PostQueuedCompletionStatus (IO-7.10, IO-7.17). */
  PostQueuedCompletionStatus(port: number, bytes: number, key: number, overlapped: number): Routine<boolean> {
    return postQueuedCompletionStatus(this, port, bytes, key, overlapped);
  }

  /** SetFileCompletionNotificationModes (IO-7.16): FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 1, FILE_SKIP_SET_EVENT_ON_HANDLE = 2. */
  SetFileCompletionNotificationModes(handle: number, flags: number): Routine<boolean> {
    return setFileCompletionNotificationModes(this, handle, flags);
  }

  /** ReadFileEx (IO-7.12): `completion` runs in this thread at its next alertable wait. */
  ReadFileEx(handle: number, buffer: number, length: number, overlapped: number, completion: FileIoCompletionRoutine): Routine<boolean> {
    return readOrWriteFileEx(this, 'ReadFileEx', handle, buffer, length, overlapped, completion);
  }

  /** WriteFileEx (IO-7.12). */
  WriteFileEx(handle: number, buffer: number, length: number, overlapped: number, completion: FileIoCompletionRoutine): Routine<boolean> {
    return readOrWriteFileEx(this, 'WriteFileEx', handle, buffer, length, overlapped, completion);
  }

  // ── ntdll calls a program may make directly (objects area) ───────────────────────

  /**
   * NtCreateFile with an NT path (`\Device\Foo`), as a program calling ntdll does: the
   * status; on success the handle is at `handleOut` and the IO_STATUS_BLOCK at `iosb`.
   */
  *NtCreateFile(handleOut: number, desiredAccess: number, name: string, iosb: number, shareAccess: number, disposition: number, options: number): Routine<NtStatus> {
    if (this.traced) this.call('NtCreateFile', `"${name}", access 0x${(desiredAccess >>> 0).toString(16).toUpperCase()}, options 0x${(options >>> 0).toString(16).toUpperCase()}`);
    const status = yield* this.machine.systemCall('NtCreateFile', { handleOut, desiredAccess: desiredAccess >>> 0, name, iosb, shareAccess, disposition, options });
    if (this.traced) this.ntDone('NtCreateFile', status, ntSuccess(status) ? `handle 0x${this.readU32(handleOut).toString(16).toUpperCase()}` : '');
    return status;
  }

  /** NtQueryObject (ObjectNameInformation = 1 is the class modelled, IO-9.9): the status. */
  *NtQueryObject(handle: number, infoClass: number, buffer: number, length: number, returnLength: number): Routine<NtStatus> {
    if (this.traced) this.call('NtQueryObject', `${hexHandle(handle)}, class ${infoClass}, ${length} bytes`);
    const status = yield* this.machine.systemCall('NtQueryObject', { handle, infoClass, buffer, length, returnLengthOut: returnLength });
    if (this.traced) this.ntDone('NtQueryObject', status, '');
    return status;
  }

  /** An ntdll call returns its NTSTATUS and leaves the last error alone (`error` null). */
  private ntDone(api: string, status: NtStatus, detail: string): void {
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'win32.return', tid: this.thread.id, api, ok: ntSuccess(status), detail, status, error: null, errorName: null });
  }

  /**
   * A user-mode read or write the program makes itself (not an API call), traced with the
   * frames behind the addresses so a narration can show two views sharing one frame.
   */
  noteAccess(address: number, bytes: Uint8Array, write: boolean): void {
    const trace = this.machine.trace;
    if (!trace.on) return;
    const memory = this.machine.memory;
    const space = this.thread.process.space;
    const frames: number[] = [];
    for (let p = address >>> 12; p <= (address + Math.max(bytes.length, 1) - 1) >>> 12; p++) frames.push(memory.frameOf(space, p << 12) ?? -1);
    trace.emit({ type: 'user.memory', tid: this.thread.id, address, length: bytes.length, write, frames, bytes: previewBytes(bytes) });
  }

  // ── sections (file mappings) ─────────────────────────────────────────────────────

  /** CreateFileMapping(INVALID_HANDLE_VALUE, …): a page-file-backed section, named or not. */
  *CreateFileMapping(size: number, protect: number = PAGE.READWRITE, name: string | null = null): Routine<number> {
    if (this.traced) this.call('CreateFileMapping', `INVALID_HANDLE_VALUE, ${protectName(protect)}, ${size} bytes${name !== null ? `, "${name}"` : ''}`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtCreateSection', { handleOut: out, access: SECTION_ACCESS.ALL_ACCESS, name: toObjectName(name), size, protect });
    return this.handleResult('CreateFileMapping', status, out);
  }

  *OpenFileMapping(access: number, name: string): Routine<number> {
    if (this.traced) this.call('OpenFileMapping', `"${name}"`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtOpenSection', { handleOut: out, access, name: toObjectName(name)! });
    return this.handleResult('OpenFileMapping', status, out);
  }

  /** MapViewOfFile: FILE_MAP_WRITE gives a writable view, FILE_MAP_READ a read-only one. Returns the address or NULL. */
  *MapViewOfFile(mapping: number, access: number, offset = 0, size = 0): Routine<number> {
    if (this.traced) this.call('MapViewOfFile', `${hexHandle(mapping)}, ${access & FILE_MAP.WRITE ? 'FILE_MAP_WRITE' : 'FILE_MAP_READ'}, offset ${offset}, ${size === 0 ? 'whole section' : `${size} bytes`}`);
    const out = this.local(0);
    const protect = (access & FILE_MAP.WRITE) !== 0 ? PAGE.READWRITE : PAGE.READONLY;
    const status = yield* this.machine.systemCall('NtMapViewOfSection', { sectionHandle: mapping, baseOut: out, offset, size, protect });
    if (!ntSuccess(status)) return this.failWith('MapViewOfFile', status, 0);
    const base = this.readU32(out);
    if (this.traced) this.done('MapViewOfFile', true, `0x${base.toString(16).toUpperCase()}`, status);
    return base;
  }

  *UnmapViewOfFile(address: number): Routine<boolean> {
    if (this.traced) this.call('UnmapViewOfFile', `0x${address.toString(16).toUpperCase()}`);
    return this.boolResult('UnmapViewOfFile', yield* this.machine.systemCall('NtUnmapViewOfSection', { base: address }));
  }

  // ── events, semaphores, mutexes ──────────────────────────────────────────────────

  /** CreateEvent: a handle, or NULL (0). A named event that exists is opened: ERROR_ALREADY_EXISTS. */
  *CreateEvent(manualReset: boolean, initialState: boolean, name: string | null = null): Routine<number> {
    if (this.traced) this.call('CreateEvent', `${manualReset ? 'manual-reset' : 'auto-reset'}, ${initialState ? 'signalled' : 'not signalled'}${name !== null ? `, "${name}"` : ''}`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtCreateEvent', {
      handleOut: out,
      access: EVENT_ACCESS.ALL_ACCESS,
      name: toObjectName(name),
      eventType: manualReset ? 'notification' : 'synchronization',
      initialState,
    });
    return this.handleResult('CreateEvent', status, out);
  }

  *OpenEvent(access: number, name: string): Routine<number> {
    if (this.traced) this.call('OpenEvent', `"${name}"`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtOpenEvent', { handleOut: out, access, name: toObjectName(name)! });
    return this.handleResult('OpenEvent', status, out);
  }

  *SetEvent(handle: number): Routine<boolean> {
    if (this.traced) this.call('SetEvent', hexHandle(handle));
    return this.boolResult('SetEvent', yield* this.machine.systemCall('NtSetEvent', { handle, previousStateOut: 0 }));
  }

  *ResetEvent(handle: number): Routine<boolean> {
    if (this.traced) this.call('ResetEvent', hexHandle(handle));
    return this.boolResult('ResetEvent', yield* this.machine.systemCall('NtResetEvent', { handle, previousStateOut: 0 }));
  }

  *PulseEvent(handle: number): Routine<boolean> {
    if (this.traced) this.call('PulseEvent', hexHandle(handle));
    return this.boolResult('PulseEvent', yield* this.machine.systemCall('NtPulseEvent', { handle, previousStateOut: 0 }));
  }

  *CreateSemaphore(initialCount: number, maximumCount: number, name: string | null = null): Routine<number> {
    if (this.traced) this.call('CreateSemaphore', `count ${initialCount}, maximum ${maximumCount}${name !== null ? `, "${name}"` : ''}`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtCreateSemaphore', {
      handleOut: out,
      access: SEMAPHORE_ACCESS.ALL_ACCESS,
      name: toObjectName(name),
      initialCount,
      maximumCount,
    });
    return this.handleResult('CreateSemaphore', status, out);
  }

  *OpenSemaphore(access: number, name: string): Routine<number> {
    if (this.traced) this.call('OpenSemaphore', `"${name}"`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtOpenSemaphore', { handleOut: out, access, name: toObjectName(name)! });
    return this.handleResult('OpenSemaphore', status, out);
  }

  /** ReleaseSemaphore: FALSE with ERROR_TOO_MANY_POSTS past the maximum. */
  *ReleaseSemaphore(handle: number, releaseCount = 1): Routine<boolean> {
    if (this.traced) this.call('ReleaseSemaphore', `${hexHandle(handle)}, ${releaseCount}`);
    const status = yield* this.machine.systemCall('NtReleaseSemaphore', { handle, releaseCount, previousCountOut: 0 });
    if (status === STATUS.SEMAPHORE_LIMIT_EXCEEDED) {
      this.fail(ERROR.TOO_MANY_POSTS);
      this.done('ReleaseSemaphore', false, '', status);
      return false;
    }
    return this.boolResult('ReleaseSemaphore', status);
  }

  *CreateMutex(initialOwner: boolean, name: string | null = null): Routine<number> {
    if (this.traced) this.call('CreateMutex', `${initialOwner ? 'owned' : 'not owned'}${name !== null ? `, "${name}"` : ''}`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtCreateMutant', { handleOut: out, access: MUTANT_ACCESS.ALL_ACCESS, name: toObjectName(name), initialOwner });
    return this.handleResult('CreateMutex', status, out);
  }

  *OpenMutex(access: number, name: string): Routine<number> {
    if (this.traced) this.call('OpenMutex', `"${name}"`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtOpenMutant', { handleOut: out, access, name: toObjectName(name)! });
    return this.handleResult('OpenMutex', status, out);
  }

  /** ReleaseMutex: FALSE with ERROR_NOT_OWNER unless the caller owns it. */
  *ReleaseMutex(handle: number): Routine<boolean> {
    if (this.traced) this.call('ReleaseMutex', hexHandle(handle));
    const status = yield* this.machine.systemCall('NtReleaseMutant', { handle, previousCountOut: 0 });
    if (status === STATUS.MUTANT_NOT_OWNED) {
      this.fail(ERROR.NOT_OWNER);
      this.done('ReleaseMutex', false, '', status);
      return false;
    }
    return this.boolResult('ReleaseMutex', status);
  }

  // ── waits ────────────────────────────────────────────────────────────────────────

  /** WaitForSingleObject: WAIT_OBJECT_0, WAIT_ABANDONED, WAIT_TIMEOUT or WAIT_FAILED. */
  *WaitForSingleObject(handle: number, milliseconds: number): Routine<number> {
    return yield* this.WaitForSingleObjectEx(handle, milliseconds, false);
  }

  /** WaitForSingleObjectEx: alertable waits also return WAIT_IO_COMPLETION after user APCs ran. */
  *WaitForSingleObjectEx(handle: number, milliseconds: number, alertable: boolean): Routine<number> {
    if (this.traced) this.call(alertable ? 'WaitForSingleObjectEx' : 'WaitForSingleObject', `${hexHandle(handle)}, ${describeMs(milliseconds)}${alertable ? ', alertable' : ''}`);
    const status = yield* this.machine.systemCall('NtWaitForSingleObject', { handle, alertable, timeoutNs: msToNs(milliseconds) });
    return this.waitResult(alertable ? 'WaitForSingleObjectEx' : 'WaitForSingleObject', status);
  }

  /** WaitForMultipleObjects(Ex): `handles` is the address of the handle array in this process. */
  *WaitForMultipleObjects(count: number, handles: number, waitAll: boolean, milliseconds: number, alertable = false): Routine<number> {
    const api = alertable ? 'WaitForMultipleObjectsEx' : 'WaitForMultipleObjects';
    if (this.traced) this.call(api, `${count} handles, ${waitAll ? 'all' : 'any'}, ${describeMs(milliseconds)}${alertable ? ', alertable' : ''}`);
    const status = yield* this.machine.systemCall('NtWaitForMultipleObjects', { count, handles, waitAll, alertable, timeoutNs: msToNs(milliseconds) });
    return this.waitResult(api, status);
  }

  /** Sleep. */
  *Sleep(milliseconds: number): Routine<void> {
    yield* this.SleepEx(milliseconds, false);
  }

  /** SleepEx: 0, or WAIT_IO_COMPLETION when an alertable sleep ran user APCs. */
  *SleepEx(milliseconds: number, alertable: boolean): Routine<number> {
    if (this.traced) this.call(alertable ? 'SleepEx' : 'Sleep', `${describeMs(milliseconds)}${alertable ? ', alertable' : ''}`);
    const status = yield* this.machine.systemCall('NtDelayExecution', { alertable, intervalNs: msToNs(milliseconds) ?? Number.MAX_SAFE_INTEGER });
    const result = status === STATUS.USER_APC ? WAIT.IO_COMPLETION : 0;
    this.done(alertable ? 'SleepEx' : 'Sleep', true, result === WAIT.IO_COMPLETION ? 'WAIT_IO_COMPLETION' : '', status);
    return result;
  }

  // ── threads, processes, handles ──────────────────────────────────────────────────

  /** GetCurrentThread / GetCurrentProcess: the pseudo-handles. */
  GetCurrentThread(): number {
    return CURRENT_THREAD;
  }
  GetCurrentProcess(): number {
    return CURRENT_PROCESS;
  }
  GetCurrentThreadId(): number {
    return this.thread.id;
  }

  /** CreateThread: the new thread runs `body` with its own Win32 API. Returns a handle or NULL. */
  *CreateThread(name: string, body: (u: Win32) => Routine<unknown>): Routine<number> {
    if (this.traced) this.call('CreateThread', `"${name}"`);
    const out = this.local(0);
    const io = this._io;
    const status = yield* this.machine.systemCall('NtCreateThreadEx', { handleOut: out, name, body: (thread) => body(new Win32(io, thread)) });
    return this.handleResult('CreateThread', status, out);
  }

  /** QueueUserAPC: `routine` runs in `thread` at its next alertable wait. */
  *QueueUserAPC(routine: (thread: Thread) => Routine<void>, thread: number, label = 'user APC'): Routine<boolean> {
    if (this.traced) this.call('QueueUserAPC', `${label} → ${hexHandle(thread)}`);
    const status = yield* this.machine.systemCall('NtQueueApcThread', { handle: thread, apc: { label, routine } });
    return this.boolResult('QueueUserAPC', status);
  }

  *TerminateThread(thread: number, exitCode: number): Routine<boolean> {
    if (this.traced) this.call('TerminateThread', `${hexHandle(thread)}, exit code ${exitCode}`);
    return this.boolResult('TerminateThread', yield* this.machine.systemCall('NtTerminateThread', { handle: thread, exitStatus: exitCode }));
  }

  *TerminateProcess(process: number, exitCode: number): Routine<boolean> {
    if (this.traced) this.call('TerminateProcess', `${hexHandle(process)}, exit code ${exitCode}`);
    return this.boolResult('TerminateProcess', yield* this.machine.systemCall('NtTerminateProcess', { handle: process, exitStatus: exitCode }));
  }

  /** ExitProcess: terminates the calling process, this thread included; never returns normally. */
  *ExitProcess(exitCode: number): Routine<void> {
    if (this.traced) this.call('ExitProcess', `exit code ${exitCode}`);
    yield* this.machine.systemCall('NtTerminateProcess', { handle: CURRENT_PROCESS, exitStatus: exitCode });
  }

  /** DuplicateHandle within this process: a new handle, or NULL. */
  *DuplicateHandle(source: number, access: number, options: number = DUPLICATE.SAME_ACCESS): Routine<number> {
    if (this.traced) this.call('DuplicateHandle', `${hexHandle(source)}${options & DUPLICATE.SAME_ACCESS ? ', same access' : `, access 0x${access.toString(16).toUpperCase()}`}${options & DUPLICATE.CLOSE_SOURCE ? ', close source' : ''}`);
    const out = this.local(0);
    const status = yield* this.machine.systemCall('NtDuplicateObject', { sourceHandle: source, targetHandleOut: out, access, options });
    return this.handleResult('DuplicateHandle', status, out);
  }

  // ── how kernel32 reports results ─────────────────────────────────────────────────

  /** A 4-byte local on the thread's user stack (outputs of a system call). */
  private local(slot: number): number {
    return this.thread.userStack + 0x40 + slot * 4;
  }

  private boolResult(api: string, status: NtStatus): boolean {
    if (!ntSuccess(status)) return this.failWith(api, status, false);
    this.done(api, true, '', status);
    return true;
  }

  /** Handle-returning APIs: NULL on failure; ERROR_ALREADY_EXISTS when a named object existed. */
  private handleResult(api: string, status: NtStatus, out: number): number {
    if (!ntSuccess(status)) return this.failWith(api, status, 0);
    const handle = this.readU32(out);
    this.thread.lastError = status === STATUS.OBJECT_NAME_EXISTS ? ERROR.ALREADY_EXISTS : ERROR.SUCCESS;
    if (this.traced) this.done(api, true, `${hexHandle(handle)}${status === STATUS.OBJECT_NAME_EXISTS ? ' (it already existed)' : ''}`, status);
    return handle;
  }

  private waitResult(api: string, status: NtStatus): number {
    let result: number;
    if (status === STATUS.TIMEOUT) result = WAIT.TIMEOUT;
    else if (status === STATUS.USER_APC) result = WAIT.IO_COMPLETION;
    else if (status >= STATUS.ABANDONED_WAIT_0 && status < STATUS.ABANDONED_WAIT_0 + 64) result = WAIT.ABANDONED_0 + (status - STATUS.ABANDONED_WAIT_0);
    else if (status < 64) result = WAIT.OBJECT_0 + status;
    else return this.failWith(api, status, WAIT.FAILED);
    this.done(api, true, describeWait(result), status);
    return result;
  }

  private failWith<T>(api: string, status: NtStatus, value: T): T {
    this.fail(ntStatusToWin32(status));
    this.done(api, false, '', status);
    return value;
  }

  /** @internal sets the last error (also used by win32/readWriteCalls.ts) */
  fail(error: number): void {
    this.thread.lastError = error;
  }

  /**
   * True when somebody consumes trace events. Call sites whose detail is a formatted
   * string test it first, so an untraced call formats nothing.
   */
  /** @internal */
  get traced(): boolean {
    return this._io.machine.trace.on;
  }

  /** @internal traces a call (also used by win32/readWriteCalls.ts) */
  call(api: string, detail: string): void {
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'win32.call', tid: this.thread.id, api, detail });
  }

  /** @internal traces a return (also used by win32/readWriteCalls.ts) */
  done(api: string, ok: boolean, detail: string, status: NtStatus): void {
    const trace = this.machine.trace;
    if (trace.on) {
      trace.emit({
        type: 'win32.return',
        tid: this.thread.id,
        api,
        ok,
        detail,
        status,
        error: ok ? null : this.thread.lastError,
        errorName: ok ? null : win32ErrorName(this.thread.lastError),
      });
    }
  }
}

function protectName(protect: number): string {
  return protect === PAGE.READWRITE ? 'PAGE_READWRITE' : protect === PAGE.READONLY ? 'PAGE_READONLY' : protect === PAGE.NOACCESS ? 'PAGE_NOACCESS' : `protect 0x${protect.toString(16).toUpperCase()}`;
}

function hexHandle(handle: number): string {
  return `handle 0x${(handle >>> 0).toString(16).toUpperCase()}`;
}

function describeMs(ms: number): string {
  return ms >>> 0 === 0xffffffff ? 'INFINITE' : `${ms} ms`;
}

/** `WAIT_OBJECT_0 + 1`, `WAIT_ABANDONED`, `WAIT_TIMEOUT`, `WAIT_IO_COMPLETION`. */
export function describeWait(result: number): string {
  if (result === WAIT.TIMEOUT) return 'WAIT_TIMEOUT';
  if (result === WAIT.IO_COMPLETION) return 'WAIT_IO_COMPLETION';
  if (result === WAIT.FAILED) return 'WAIT_FAILED';
  if (result >= WAIT.ABANDONED_0 && result < WAIT.ABANDONED_0 + 64) return result === WAIT.ABANDONED_0 ? 'WAIT_ABANDONED' : `WAIT_ABANDONED_0 + ${result - WAIT.ABANDONED_0}`;
  return result === WAIT.OBJECT_0 ? 'WAIT_OBJECT_0' : `WAIT_OBJECT_0 + ${result}`;
}

/**
 * Win32 path → NT path (IO-9.1): `\\.\X` and `\\?\X` → `\??\X` (only the first is
 * normalised); a name starting with `\` is taken as an NT path; anything else is a DOS
 * name under `\??`.
 */
export function toNtPath(name: string): string {
  if (name.startsWith('\\\\?\\')) return '\\??\\' + name.slice(4);
  if (name.startsWith('\\\\.\\') || name.startsWith('//./')) return '\\??\\' + normaliseDevicePath(name.slice(4));
  if (name.startsWith('\\')) return name;
  return '\\??\\' + name;
}

/**
 * What follows `\\.\`, cleaned up as GetFullPathName does (IO-9.2): `/` is `\`, doubled
 * separators collapse, `.` and `..` components go. `\\?\` names skip this (objects area).
 */
function normaliseDevicePath(rest: string): string {
  const parts: string[] = [];
  for (const part of rest.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('\\') + (/[\\/]$/.test(rest) && parts.length > 0 ? '\\' : '');
}

function describeAccess(access: number): string {
  const parts: string[] = [];
  if (access & ACCESS.GENERIC_READ) parts.push('GENERIC_READ');
  if (access & ACCESS.GENERIC_WRITE) parts.push('GENERIC_WRITE');
  if (access & ACCESS.GENERIC_ALL) parts.push('GENERIC_ALL');
  const rest = access & ~(ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE | ACCESS.GENERIC_ALL);
  if (rest !== 0 || parts.length === 0) parts.push(`0x${(rest >>> 0).toString(16).toUpperCase()}`);
  return parts.join('|');
}
