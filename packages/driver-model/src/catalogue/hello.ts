import { STATUS } from '@irpsim/core';
import { CTL_CODE, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type DriverUnload } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';

/** Echoes its input back: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS). */
export const IOCTL_HELLO_ECHO = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** CREATE, CLEANUP and CLOSE: nothing to do but succeed. */
const succeed: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

/**
 * METHOD_BUFFERED: input and output share one system buffer, so the input bytes are
 * already where the output goes. Echoing them is saying how many there are.
 */
const deviceControl: DispatchRoutine = function* (k, _device, irp) {
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  let status: number = STATUS.SUCCESS;
  let information = 0;
  if (p.ioControlCode !== IOCTL_HELLO_ECHO) {
    status = STATUS.INVALID_DEVICE_REQUEST;
  } else if (p.outputBufferLength < p.inputBufferLength) {
    status = STATUS.BUFFER_TOO_SMALL;
  } else {
    information = p.inputBufferLength;
    k.DbgPrint(`echoing ${information} bytes`);
  }
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

/**
 * DriverUnload: undoes DriverEntry — the link, then the device. Nothing else outlives a
 * request here (no timer, DPC, work item or thread), so there is nothing to cancel.
 */
const unload: DriverUnload = function* (k, driver) {
  k.IoDeleteSymbolicLink('\\DosDevices\\Hello');
  for (const device of driver.devices) k.IoDeleteDevice(device);
};

export const hello = defineDriver({
  name: 'hello',
  description: 'Echo device \\\\.\\Hello: one METHOD_BUFFERED IOCTL that returns its input',
  serviceName: 'Hello',
  values: { IOCTL_HELLO_ECHO },
  opens: ['\\\\.\\Hello'],
  *DriverEntry(k, driver) {
    const { status } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Hello', deviceType: FILE_DEVICE.UNKNOWN });
    if (status !== STATUS.SUCCESS) return status;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Hello', '\\Device\\Hello');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    driver.DriverUnload = unload;
    return STATUS.SUCCESS;
  },
});
