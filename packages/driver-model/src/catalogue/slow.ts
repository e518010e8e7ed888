import { STATUS, statusName, type KDpc, type KTimer } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { succeed, upperCase } from './driverHelpers.ts';

/** Pends, then echoes the input in upper case 10 µs later (METHOD_BUFFERED). */
export const IOCTL_SLOW_ECHO = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x820, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Pends, then fails 10 µs later with STATUS_DEVICE_NOT_READY. */
export const IOCTL_SLOW_FAIL = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x821, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** How long a request waits in the device: 10 µs, in the 100-ns units of KeSetTimer (negative: relative). */
const DELAY = -100;

interface Extension {
  /** Pending requests, oldest first. */
  readonly queue: IrpRef[];
  readonly timer: KTimer;
  readonly dpc: KDpc;
}

/** The timer's DPC, at DISPATCH_LEVEL in whatever thread was running: completes the oldest request. */
function* completeOldest(k: Kernel, ext: Extension) {
  const irp = ext.queue.shift();
  if (irp === undefined) return;
  if (ext.queue.length > 0) k.KeSetTimer(ext.timer, DELAY, ext.dpc);
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  if (p.ioControlCode === IOCTL_SLOW_ECHO) {
    const length = p.inputBufferLength;
    k.writeMemory(irp.systemBuffer, upperCase(k.readMemory(irp.systemBuffer, length)));
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = length;
  } else {
    irp.ioStatus.status = STATUS.DEVICE_NOT_READY;
    irp.ioStatus.information = 0;
  }
  k.DbgPrint(`timer DPC completes IRP ${irp.id} with ${statusName(irp.ioStatus.status)}, from arbitrary thread context at DISPATCH_LEVEL`);
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/** Marks the request pending, queues it, arms the timer, and returns STATUS_PENDING: the classic asynchronous driver. */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  let status: number = STATUS.PENDING;
  if (p.ioControlCode !== IOCTL_SLOW_ECHO && p.ioControlCode !== IOCTL_SLOW_FAIL) status = STATUS.INVALID_DEVICE_REQUEST;
  else if (p.outputBufferLength < p.inputBufferLength) status = STATUS.BUFFER_TOO_SMALL;
  if (status !== STATUS.PENDING) {
    irp.ioStatus.status = status;
    irp.ioStatus.information = 0;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
  }
  const ext = device.extension as Extension;
  k.IoMarkIrpPending(irp);
  ext.queue.push(irp);
  if (ext.queue.length === 1) k.KeSetTimer(ext.timer, DELAY, ext.dpc);
  k.DbgPrint(`queues IRP ${irp.id}; a timer completes it in 10 µs`);
  return STATUS.PENDING;
};

/** The bottom of the completion-routines stack: a device whose requests always pend and complete later, from a timer DPC. */
export const slow = defineDriver({
  name: 'slow',
  description: 'Device \\\\.\\Slow: every IOCTL pends and completes 10 µs later from a timer DPC (IOCTL_SLOW_ECHO succeeds, IOCTL_SLOW_FAIL fails)',
  serviceName: 'Slow',
  values: { IOCTL_SLOW_ECHO, IOCTL_SLOW_FAIL },
  opens: ['\\\\.\\Slow'],
  *DriverEntry(k, driver) {
    const timer = k.KeInitializeTimerEx('Slow timer');
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Slow', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    const device = created.device;
    device.flags |= DO.BUFFERED_IO;
    const ext: Extension = { queue: [], timer, dpc: k.KeInitializeDpc('Slow completion DPC', () => completeOldest(k, ext)) };
    device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Slow', '\\Device\\Slow');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
