import type { NtStatus, Routine } from '@irpsim/core';
import { FILE_DISPOSITION, FILE_OPTION, type Win32 } from '../../src/index.ts';

/**
 * NtCreateFile called from user mode with an NT path, as a program calling ntdll directly
 * does (CreateFile only takes Win32 names): the status, and the handle on success.
 */
export function* ntOpen(u: Win32, name: string, desiredAccess = 0x80100080): Routine<{ status: NtStatus; handle: number }> {
  const out = u.scratch(16);
  const status = yield* u.NtCreateFile(out, desiredAccess, name, out + 8, 0, FILE_DISPOSITION.OPEN, FILE_OPTION.SYNCHRONOUS_IO_NONALERT | FILE_OPTION.NON_DIRECTORY_FILE);
  return { status, handle: status === 0 ? u.readU32(out) : 0 };
}
