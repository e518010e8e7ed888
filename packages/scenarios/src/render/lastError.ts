import { describeStatus, type NtStatus } from '@irpsim/core';
import { ntStatusToWin32 } from '@irpsim/io-manager';
import { win32ErrorName } from '../format/NamedValues.ts';

/**
 * How a failed Win32 call's error reads in a narration: the NTSTATUS the system call
 * returned and the Win32 error kernel32 made of it, `STATUS_BUFFER_OVERFLOW (0x80000005) →
 * ERROR_MORE_DATA (234)` (io-semantics.md IO-8.3). Where kernel32 chose another error than
 * the mapping (CreateFile's CREATE_NEW reports ERROR_FILE_EXISTS), both are shown as they are.
 */
export function describeLastError(status: NtStatus, error: number): string {
  const named = win32ErrorName(error);
  const win32 = named === String(error >>> 0) ? named : `${named} (${error >>> 0})`;
  return ntStatusToWin32(status) === error >>> 0 ? `${describeStatus(status)} → ${win32}` : `GetLastError() = ${win32} (the call returned ${describeStatus(status)})`;
}
