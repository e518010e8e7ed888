import { ACCESS, PAGE, STATUS, ntError, ntSuccess, type NtStatus, type Routine, type Thread } from '@irpsim/core';
import { FILE, FILE_DISPOSITION, FILE_OPTION } from './constants.ts';
import type { IoManager } from './IoManager.ts';
import { ntStatusToWin32, win32ErrorName } from './win32Error.ts';

/** CreateFile dispositions (winbase.h) and flags. */
export const CREATION = { CREATE_NEW: 1, CREATE_ALWAYS: 2, OPEN_EXISTING: 3, OPEN_ALWAYS: 4, TRUNCATE_EXISTING: 5 } as const;
export const FILE_FLAG_OVERLAPPED = 0x40000000;
export const INVALID_HANDLE_VALUE = 0xffffffff;

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

  /** VirtualAlloc(MEM_RESERVE | MEM_COMMIT): an address, or 0 with ERROR_NOT_ENOUGH_MEMORY. */
  VirtualAlloc(size: number, protect: number = PAGE.READWRITE): number {
    const address = this.machine.memory.allocateUser(this.thread.process.space, size, protect);
    if (address === null) {
      this.thread.lastError = 8;
      return 0;
    }
    return address;
  }

  /** VirtualFree(MEM_RELEASE). */
  VirtualFree(address: number): boolean {
    const ok = this.machine.memory.freeUser(this.thread.process.space, address) !== undefined;
    if (!ok) this.thread.lastError = 87;
    return ok;
  }

  /** VirtualProtect. */
  VirtualProtect(address: number, size: number, protect: number): boolean {
    const ok = this.machine.memory.protect(this.thread.process.space, address, size, protect);
    if (!ok) this.thread.lastError = 487;
    return ok;
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
    this.call('CreateFile', `"${name}", ${describeAccess(desiredAccess)}${flags & FILE_FLAG_OVERLAPPED ? ', FILE_FLAG_OVERLAPPED' : ''}`);
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
    this.done('CreateFile', true, `handle 0x${handle.toString(16).toUpperCase()}`, status);
    return handle;
  }

  /**
   * DeviceIoControl without an OVERLAPPED (IO-7.2): TRUE for a success status with
   * `*lpBytesReturned` = Information; FALSE with the mapped error for a warning (count
   * written) or an error (count not written).
   */
  *DeviceIoControl(
    handle: number,
    ioControlCode: number,
    inBuffer: number,
    inBufferSize: number,
    outBuffer: number,
    outBufferSize: number,
    bytesReturned: number,
  ): Routine<boolean> {
    const iosb = this.thread.userStack + 0x20;
    this.call('DeviceIoControl', `handle 0x${handle.toString(16).toUpperCase()}, 0x${(ioControlCode >>> 0).toString(16).toUpperCase()}, in ${inBufferSize} bytes, out ${outBufferSize} bytes`);
    const status = yield* this.machine.systemCall('NtDeviceIoControlFile', {
      handle,
      event: 0,
      apcRoutine: 0,
      apcContext: 0,
      iosb,
      ioControlCode,
      inputBuffer: inBuffer,
      inputLength: inBufferSize,
      outputBuffer: outBuffer,
      outputLength: outBufferSize,
    });
    if (ntError(status)) {
      this.fail(ntStatusToWin32(status));
      this.done('DeviceIoControl', false, '', status);
      return false;
    }
    const information = this.readU32(iosb + 4);
    this.writeU32(bytesReturned, information);
    if (!ntSuccess(status)) {
      this.fail(ntStatusToWin32(status));
      this.done('DeviceIoControl', false, `${information} bytes`, status);
      return false;
    }
    this.done('DeviceIoControl', true, `${information} bytes`, status);
    return true;
  }

  /** CloseHandle: TRUE, or FALSE with ERROR_INVALID_HANDLE. */
  *CloseHandle(handle: number): Routine<boolean> {
    this.call('CloseHandle', `handle 0x${handle.toString(16).toUpperCase()}`);
    const status = yield* this.machine.systemCall('NtClose', { handle });
    if (!ntSuccess(status)) {
      this.fail(ntStatusToWin32(status));
      this.done('CloseHandle', false, '', status);
      return false;
    }
    this.done('CloseHandle', true, '', status);
    return true;
  }

  private fail(error: number): void {
    this.thread.lastError = error;
  }

  private call(api: string, detail: string): void {
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'win32.call', tid: this.thread.id, api, detail });
  }

  private done(api: string, ok: boolean, detail: string, status: NtStatus): void {
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

/** Win32 path → NT path: `\\.\X` and `\\?\X` → `\??\X`; anything else is a DOS name under `\??`. */
export function toNtPath(name: string): string {
  if (name.startsWith('\\\\.\\') || name.startsWith('\\\\?\\')) return '\\??\\' + name.slice(4);
  if (name.startsWith('\\')) return name;
  return '\\??\\' + name;
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
