import { STATUS, hex, type NtStatus } from '@irpsim/core';
import { CTL_CODE, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IrpRef, type Kernel, type Mdl } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { showBytes, succeed, upperCase } from './driverHelpers.ts';

/** The four transfer methods, one IOCTL each (function codes 0x900 … 0x903, any access). */
export const IOCTL_METHODS_BUFFERED = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x900, METHOD.BUFFERED, FILE_ACCESS.ANY);
export const IOCTL_METHODS_IN_DIRECT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x901, METHOD.IN_DIRECT, FILE_ACCESS.ANY);
export const IOCTL_METHODS_OUT_DIRECT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x902, METHOD.OUT_DIRECT, FILE_ACCESS.ANY);
export const IOCTL_METHODS_NEITHER = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x903, METHOD.NEITHER, FILE_ACCESS.ANY);

/** Status and Information of one request. */
interface Outcome {
  readonly status: NtStatus;
  readonly information: number;
}

const fail = (status: NtStatus): Outcome => ({ status, information: 0 });

/**
 * The outcome of an answer of `n` of its `inLength` bytes: all of it, STATUS_SUCCESS; a
 * part (the output buffer was shorter), the warning STATUS_BUFFER_OVERFLOW with
 * Information = the bytes written — what a driver does when a caller may retry with a
 * bigger buffer. With no room at all, the error STATUS_BUFFER_TOO_SMALL.
 */
function answered(k: Kernel, n: number, inLength: number): Outcome {
  if (n === inLength) return { status: STATUS.SUCCESS, information: n };
  k.DbgPrint(`only ${n} of the ${inLength} answer bytes fit: STATUS_BUFFER_OVERFLOW, a warning, with Information = ${n}`);
  return { status: STATUS.BUFFER_OVERFLOW, information: n };
}

/**
 * METHOD_BUFFERED: input and output share one system buffer. The driver reads the input
 * there and writes its answer (the input in upper case) over it; the I/O manager copies
 * exactly Information bytes back to the caller at completion.
 */
function buffered(k: Kernel, irp: IrpRef, inLength: number, outLength: number): Outcome {
  if (inLength > 0 && outLength === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  const buffer = irp.systemBuffer;
  const input = k.readMemory(buffer, inLength);
  k.DbgPrint(`METHOD_BUFFERED: Irp->AssociatedIrp.SystemBuffer = ${hex(buffer)} (kernel pool) holds the ${inLength} input bytes ${showBytes(input)}`);
  const n = Math.min(inLength, outLength);
  k.writeMemory(buffer, upperCase(input).subarray(0, n));
  k.DbgPrint(`writes its ${n}-byte answer over the input in the same buffer and sets Information = ${n}`);
  return answered(k, n, inLength);
}

/** The MDL of a direct-I/O request, mapped into system space: where the driver reaches the caller's buffer. */
function mapped(k: Kernel, irp: IrpRef): { address: number; length: number } | null {
  const mdl = irp.mdlAddress as Mdl | null;
  if (mdl === null) return null;
  return { address: k.MmGetSystemAddressForMdlSafe(mdl), length: mdl.byteCount };
}

/**
 * METHOD_IN_DIRECT: the small input is in the system buffer; the second buffer (the
 * "output" of DeviceIoControl) carries data *to* the device, locked in place and described
 * by an MDL probed for read. The driver reads it where it is; nothing is copied back.
 */
function inDirect(k: Kernel, irp: IrpRef, inLength: number): Outcome {
  const buffer = irp.systemBuffer;
  if (inLength > 0) k.DbgPrint(`METHOD_IN_DIRECT: SystemBuffer = ${hex(buffer)} holds the ${inLength} input bytes ${showBytes(k.readMemory(buffer, inLength))}`);
  const view = mapped(k, irp);
  if (view === null) return fail(STATUS.INVALID_PARAMETER);
  const data = k.readMemory(view.address, view.length);
  k.DbgPrint(`Irp->MdlAddress describes the caller's ${view.length}-byte buffer; through its system address ${hex(view.address)} the driver reads ${showBytes(data)} in place and sets Information = ${view.length}`);
  return { status: STATUS.SUCCESS, information: view.length };
}

/**
 * METHOD_OUT_DIRECT: the input is in the system buffer; the output buffer is locked in
 * place (probed for write) and described by an MDL. The driver writes straight into the
 * caller's pages; the I/O manager copies nothing back.
 */
function outDirect(k: Kernel, irp: IrpRef, inLength: number): Outcome {
  const buffer = irp.systemBuffer;
  const input = k.readMemory(buffer, inLength);
  k.DbgPrint(`METHOD_OUT_DIRECT: SystemBuffer = ${hex(buffer)} holds the ${inLength} input bytes ${showBytes(input)}`);
  const view = mapped(k, irp);
  if (view === null) return fail(inLength > 0 ? STATUS.BUFFER_TOO_SMALL : STATUS.SUCCESS);
  const n = Math.min(inLength, view.length);
  k.writeMemory(view.address, upperCase(input).subarray(0, n));
  k.DbgPrint(`Irp->MdlAddress describes the caller's ${view.length}-byte output buffer; the driver writes ${n} bytes through its system address ${hex(view.address)}: they are in the caller's pages already; Information = ${n}`);
  return answered(k, n, inLength);
}

/**
 * METHOD_NEITHER: the driver gets the caller's raw pointers, valid only in the caller's
 * process (this dispatch routine runs in its thread). It must probe them and touch them
 * inside __try itself (IO-3.8): the I/O manager checked nothing and copies nothing.
 */
function neither(k: Kernel, irp: IrpRef, inLength: number, outLength: number, type3InputBuffer: number): Outcome {
  const output = irp.userBuffer;
  k.DbgPrint(`METHOD_NEITHER: Parameters.DeviceIoControl.Type3InputBuffer = ${hex(type3InputBuffer)} and Irp->UserBuffer = ${hex(output)} are the caller's own pointers, unchecked by the I/O manager`);
  if (inLength > 0 && outLength === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  const n = Math.min(inLength, outLength);
  try {
    // A kernel-mode caller passes kernel addresses, which a probe would reject.
    if (irp.requestorMode === 'UserMode') {
      k.ProbeForRead(type3InputBuffer, inLength, 1);
      k.ProbeForWrite(output, outLength, 1);
    }
    const input = k.readMemory(type3InputBuffer, inLength);
    k.writeMemory(output, upperCase(input).subarray(0, n));
    k.DbgPrint(`probes both inside __try (the caller is in user mode), reads ${showBytes(input)} from the caller's memory and writes ${n} bytes straight into it; Information = ${n}`);
  } catch (error) {
    const code = k.GetExceptionCode(error);
    k.DbgPrint(`__except: the caller's pointers are bad (${hex(code)})`);
    return fail(code);
  }
  return answered(k, n, inLength);
}

const deviceControl: DispatchRoutine = function* (k, _device, irp) {
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  const inLength = p.inputBufferLength;
  const outLength = p.outputBufferLength;
  let outcome: Outcome;
  switch (p.ioControlCode) {
    case IOCTL_METHODS_BUFFERED:
      outcome = buffered(k, irp, inLength, outLength);
      break;
    case IOCTL_METHODS_IN_DIRECT:
      outcome = inDirect(k, irp, inLength);
      break;
    case IOCTL_METHODS_OUT_DIRECT:
      outcome = outDirect(k, irp, inLength);
      break;
    case IOCTL_METHODS_NEITHER:
      outcome = neither(k, irp, inLength, outLength, p.type3InputBuffer);
      break;
    default:
      outcome = fail(STATUS.INVALID_DEVICE_REQUEST);
  }
  irp.ioStatus.status = outcome.status;
  irp.ioStatus.information = outcome.information;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return outcome.status;
};

/**
 * The four transfer methods side by side: each IOCTL answers with its input in upper
 * case (IN_DIRECT, whose second buffer goes *to* the device, reads it instead), and says
 * where it finds each buffer.
 */
export const methods = defineDriver({
  name: 'methods',
  description: 'Device \\\\.\\Methods: four IOCTLs, one per transfer method (BUFFERED, IN_DIRECT, OUT_DIRECT, NEITHER), each saying where it finds the buffers',
  serviceName: 'Methods',
  values: { IOCTL_METHODS_BUFFERED, IOCTL_METHODS_IN_DIRECT, IOCTL_METHODS_OUT_DIRECT, IOCTL_METHODS_NEITHER },
  opens: ['\\\\.\\Methods'],
  *DriverEntry(k, driver) {
    const { status } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Methods', deviceType: FILE_DEVICE.UNKNOWN });
    if (status !== STATUS.SUCCESS) return status;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Methods', '\\Device\\Methods');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
