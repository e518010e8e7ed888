import { STATUS, type NtStatus } from '@irpsim/core';
import { FILE_ACCESS, IRP_MJ } from './constants.ts';
import type { Irp } from './Irp.ts';

/**
 * Stack-location Flags of an IRP_MJ_DEVICE_CONTROL (wdm.h): the I/O manager records there
 * what the caller's handle was granted, so a driver can check a FILE_ANY_ACCESS IOCTL more
 * strictly at run time (IO-2.4).
 */
export const SL_ACCESS_GRANTED = { READ: 0x01, WRITE: 0x04 } as const;

/** The Flags NtDeviceIoControlFile puts in the IOCTL's stack location for a handle's granted access. */
export function accessGrantedFlags(grantedAccess: number): number {
  // Literals (FILE.READ_DATA → SL_ACCESS_GRANTED.READ, FILE.WRITE_DATA → .WRITE): on the path of
  // every IOCTL, and V8 does not fold a module's constants into the code using them (see Memory.pte).
  return ((grantedAccess & 0x0001) !== 0 ? 0x01 : 0) | ((grantedAccess & 0x0002) !== 0 ? 0x04 : 0);
}

/**
 * IoValidateDeviceIoControlAccess (IO-2.4): STATUS_INVALID_PARAMETER unless the current
 * location is a DEVICE_CONTROL or FILE_SYSTEM_CONTROL; STATUS_SUCCESS for a kernel-mode
 * requestor; otherwise whether the handle was granted every FILE_READ_ACCESS /
 * FILE_WRITE_ACCESS bit of `requiredAccess`.
 */
export function validateDeviceIoControlAccess(irp: Irp, requiredAccess: number): NtStatus {
  const sl = irp.current();
  if (sl === null || (sl.majorFunction !== IRP_MJ.DEVICE_CONTROL && sl.majorFunction !== IRP_MJ.FILE_SYSTEM_CONTROL)) return STATUS.INVALID_PARAMETER;
  if (irp.requestorMode === 'kernel') return STATUS.SUCCESS;
  const granted = ((sl.flags & SL_ACCESS_GRANTED.READ) !== 0 ? FILE_ACCESS.READ : 0) | ((sl.flags & SL_ACCESS_GRANTED.WRITE) !== 0 ? FILE_ACCESS.WRITE : 0);
  return (granted & requiredAccess) === requiredAccess ? STATUS.SUCCESS : STATUS.ACCESS_DENIED;
}
