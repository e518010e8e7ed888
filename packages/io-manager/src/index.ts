/**
 * @irpsim/io-manager — the I/O manager: driver, device and file objects, IRPs and stack
 * locations, IoCallDriver / IoCompleteRequest, the system services that build IRPs from
 * user requests, the Win32 layer, NTSTATUS → Win32 mapping, and the verifier.
 */
import './ioEvents.ts';
import './services/NtCreateFile.ts'; // its SystemServiceArgs entry, for callers of systemCall('NtCreateFile')
import './services/NtQueryObject.ts'; // and NtQueryObject's

export { IoManager } from './IoManager.ts';
export type { IoManagerOptions, KernelFactory } from './IoManager.ts';
export { Kernel } from './Kernel.ts';
export { zwClose } from './zwClose.ts';
export type { CreateDeviceOptions } from './Kernel.ts';
export { Win32, CREATION, FILE_FLAG_OVERLAPPED, INVALID_HANDLE_VALUE, describeWait, toNtPath } from './Win32.ts';
export { FILE_MAP, INFINITE, WAIT, msToNs, toObjectName } from './win32Constants.ts';
export { DeviceRef, DriverRef, IrpRef, StackLocationRef } from './refs.ts';
export type { IrpChangeLog } from './IrpChangeLog.ts';
export type {
  CreateParameters,
  DeviceIoControlParameters,
  IoStatusView,
  KProcessorMode,
  ReadWriteParameters,
} from './refs.ts';
export type { CompletionRoutine, DispatchRoutine, DriverEntry, DriverUnload, RoutineResult } from './routines.ts';
export { completeIrp } from './completeIrp.ts';
export { DriverObject } from './DriverObject.ts';
export { DeviceObject } from './DeviceObject.ts';
export { FileObject, FO } from './FileObject.ts';
export { FileObjectRef } from './FileObjectRef.ts';
export type { ObjectTypeName, ReferencedObject } from './referenceObjectByHandle.ts';
export { FileNameInformation, encodeFileNameInformation, decodeFileNameInformation } from './fileNameInformation.ts';
export type { QueryFileParameters } from './fileNameInformation.ts';
export { ObjectNameInformation } from './services/NtQueryObject.ts';
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
export { addInvariant } from './verifier/invariant.ts';
export type { InvariantContext, InvariantEnd, InvariantSpec } from './verifier/invariant.ts';
export { ADVERSARY_MODES, adversariesFromMask, adversaryMask, resolveAdversaries } from './adversary/AdversaryMode.ts';
export type { AdversaryMode, AdversarySettings } from './adversary/AdversaryMode.ts';
export { Adversaries, installAdversaries } from './adversary/Adversaries.ts';
import './adversary/adversaryEvents.ts';
export { irpAnalysis } from './verifier/irpHistory.ts';
export type { IrpAnalysis, IrpHistoryLine, StackLocationReport } from './verifier/irpHistory.ts';
export { describeRequest, whereHeld } from './verifier/describeRequest.ts';
export { enterStartIo, leaveStartIo, noteStartNextPacket } from './verifier/startIoReentered.ts';
export { UNINITIALISED_FILL } from './services/NtDeviceIoControlFile.ts';
// reading, writing and overlapped I/O
export { FILE_USE_FILE_POINTER_POSITION, FILE_WRITE_TO_END_OF_FILE } from './services/readWriteIrp.ts';
export type { ReadWriteArgs } from './services/readWriteIrp.ts';
export { OVERLAPPED } from './win32/readWriteCalls.ts';
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
// IRP machinery: driver-allocated IRPs, the IOCTL access flags, the copy-back bound
export { IRP_ALLOCATION } from './driverIrps.ts';
export type { DeviceIoControlRequest, FsdRequest } from './buildIrps.ts';
export { SL_ACCESS_GRANTED } from './ioctlAccess.ts';
export { copyBackLength } from './copyBackLength.ts';
export type { DeviceObjectPointer } from './deviceObjectPointer.ts';
// cancellation
export type { CancelRoutine } from './cancelIrp.ts';
export { IoCsq, IoCsqIrpContext } from './IoCsq.ts';
export type { IoCsqCallbacks } from './IoCsq.ts';
export { KDeviceQueue } from './KDeviceQueue.ts';
export { threadIrps } from './irpThreadList.ts';
export { CANCEL_POLL_NS, CANCEL_POLL_ROUNDS } from './cancelThreadIo.ts';
export { CANCEL_IO_POLL_NS } from './services/NtCancelIoFile.ts';
import './services/NtCancelIoFileEx.ts'; // SystemServiceArgs entries, for callers of systemCall
import './services/NtCancelSynchronousIoFile.ts';
// completion ports and APC completion
import './services/NtCreateIoCompletion.ts'; // SystemServiceArgs entries, for callers of systemCall
import './services/NtSetIoCompletion.ts';
import './services/NtRemoveIoCompletion.ts';
export { IoCompletion } from './IoCompletion.ts';
export type { CompletionPacket } from './IoCompletion.ts';
export { CompletionPorts, IO_COMPLETION_ACCESS } from './CompletionPorts.ts';
export { UserCode } from './UserCode.ts';
export type { IoApcRoutine } from './UserCode.ts';
export { FILE_INFORMATION_CLASS, FILE_SKIP } from './services/NtSetInformationFile.ts';
export { COMPLETION_ENTRY_SIZE } from './services/NtRemoveIoCompletionEx.ts';
export type { FileIoCompletionRoutine } from './win32/completionPortCalls.ts';
