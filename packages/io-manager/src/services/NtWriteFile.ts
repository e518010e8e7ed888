import { IRP_MJ } from '../constants.ts';
import type { IoManager } from '../IoManager.ts';
import { readWriteService } from './readWriteIrp.ts';

/** NtWriteFile: an IRP_MJ_WRITE (io-semantics.md §4); the handle needs FILE_WRITE_DATA or FILE_APPEND_DATA. */
export function NtWriteFile(io: IoManager) {
  return readWriteService(io, IRP_MJ.WRITE);
}
