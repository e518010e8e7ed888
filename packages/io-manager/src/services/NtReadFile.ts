import { IRP_MJ } from '../constants.ts';
import type { IoManager } from '../IoManager.ts';
import { readWriteService } from './readWriteIrp.ts';

/** NtReadFile: an IRP_MJ_READ (io-semantics.md §4); the handle needs FILE_READ_DATA. */
export function NtReadFile(io: IoManager) {
  return readWriteService(io, IRP_MJ.READ);
}
