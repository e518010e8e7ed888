/**
 * @irpsim/io-manager — the I/O manager: driver, device and file objects, IRPs and stack
 * locations, IoCallDriver / IoCompleteRequest, the system services that build IRPs from
 * user requests, the Win32 layer, NTSTATUS → Win32 mapping, and the verifier.
 */
import './ioEvents.ts';

export { IoManager } from './IoManager.ts';
export type { IoManagerOptions, KernelFactory } from './IoManager.ts';
export { Kernel } from './Kernel.ts';
export type { CreateDeviceOptions } from './Kernel.ts';
export { Win32, CREATION, FILE_FLAG_OVERLAPPED, INVALID_HANDLE_VALUE, describeWait, toNtPath } from './Win32.ts';
export { FILE_MAP, INFINITE, WAIT, msToNs, toObjectName } from './win32Constants.ts';
export { DeviceRef, DriverRef, IrpRef, StackLocationRef } from './refs.ts';
export type {
  CreateParameters,
  DeviceIoControlParameters,
  IoStatusView,
  KProcessorMode,
  ReadWriteParameters,
} from './refs.ts';
export type { CompletionRoutine, DispatchRoutine, DriverEntry, DriverUnload } from './routines.ts';
export { DriverObject } from './DriverObject.ts';
export { DeviceObject } from './DeviceObject.ts';
export { FileObject, FO } from './FileObject.ts';
export { Irp } from './Irp.ts';
export type { IrpOrigin, IrpState } from './Irp.ts';
export { IoStackLocation } from './IoStackLocation.ts';
export { Mdl } from './Mdl.ts';
export { probeAndLockPages } from './probeAndLockPages.ts';
export { mapLockedPagesInSystem, mapLockedPagesInUser } from './mapLockedPages.ts';
export type { MapMode } from './mapLockedPages.ts';
export { KernelSync } from './KernelSync.ts';
export { Verifier } from './Verifier.ts';
export type { VerifierLevel } from './Verifier.ts';
export { UNINITIALISED_FILL } from './services/NtDeviceIoControlFile.ts';
export {
  ACCESS_FROM_CTL_CODE,
  CTL_CODE,
  DEVICE_TYPE_FROM_CTL_CODE,
  DO,
  FILE,
  FILE_ACCESS,
  FILE_DEVICE,
  FILE_DISPOSITION,
  FILE_GENERIC_EXECUTE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_OPTION,
  FUNCTION_FROM_CTL_CODE,
  IO_NO_INCREMENT,
  IO_PRIORITY,
  IRP_FLAG,
  IRP_MJ,
  IRP_MJ_MAXIMUM_FUNCTION,
  METHOD,
  METHOD_FROM_CTL_CODE,
  METHOD_NAMES,
  SL,
  majorName,
} from './constants.ts';
export { ERROR, ntStatusToWin32, win32ErrorName, describeMapping } from './win32Error.ts';
export { previewBytes } from './previewBytes.ts';
