import { STATUS, hex } from '@irpsim/core';
import { CTL_CODE, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';

/** Copies the start of the shared section into the caller's output buffer (METHOD_BUFFERED). */
export const IOCTL_SHARED_READ = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x810, METHOD.BUFFERED, FILE_ACCESS.READ);

/** The section's size: one page. */
export const SHARED_SIZE = 4096;

interface Extension {
  section: number;
  view: number;
}

const succeed: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

/** IOCTL_SHARED_READ: what the driver sees through its own, system-space view. */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  const ext = device.extension as Extension;
  let status: number = STATUS.SUCCESS;
  let information = 0;
  if (p.ioControlCode !== IOCTL_SHARED_READ) {
    status = STATUS.INVALID_DEVICE_REQUEST;
  } else {
    information = Math.min(p.outputBufferLength, SHARED_SIZE);
    k.RtlCopyMemory(irp.systemBuffer, ext.view, information);
    k.DbgPrint(`reads ${information} bytes of the section through its system view at ${hex(ext.view)}`);
  }
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

/**
 * Creates a named section (\BaseNamedObjects\SharedMemory) in DriverEntry, as a driver
 * should (verifier-and-objects.md C7: the driver, not the application, creates it, with a
 * kernel handle), maps it into system space, and lets applications read what it sees.
 */
export const sharedMemory = defineDriver({
  name: 'shared-memory',
  description: 'Creates the named section SharedMemory, maps it in system space; IOCTL_SHARED_READ shows what the driver sees',
  serviceName: 'SharedMemory',
  values: { IOCTL_SHARED_READ },
  opens: ['\\\\.\\SharedMemory'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\SharedMemory', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\SharedMemory', '\\Device\\SharedMemory');
    if (linked !== STATUS.SUCCESS) return linked;
    const section = yield* k.ZwCreateSection({ name: '\\BaseNamedObjects\\SharedMemory', size: SHARED_SIZE });
    if (section.status !== STATUS.SUCCESS) return section.status;
    const view = k.MmMapViewInSystemSpace(section.handle);
    if (view.status !== STATUS.SUCCESS) return view.status;
    created.device.extension = { section: section.handle, view: view.base } satisfies Extension;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
