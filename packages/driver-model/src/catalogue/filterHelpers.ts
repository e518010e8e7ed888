import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { DO, FILE_DEVICE, IRP_MJ, type DeviceRef, type DispatchRoutine, type DriverRef, type Kernel } from '@irpsim/io-manager';

/** A filter device's extension: the device it forwards to. */
export interface FilterExtension {
  readonly lower: DeviceRef;
}

/** The device a filter forwards to. */
export const lowerOf = (device: DeviceRef): DeviceRef => (device.extension as FilterExtension).lower;

/**
 * Passes a request down untouched: IoSkipCurrentIrpStackLocation, IoCallDriver (IO-5.4).
 * It never waits, so it is a plain function ending with `return k.IoCallDriver(…)`, as in C.
 */
export const passThrough: DispatchRoutine = (k, device, irp) => {
  k.IoSkipCurrentIrpStackLocation(irp);
  return k.IoCallDriver(lowerOf(device), irp);
};

/**
 * A filter's DriverEntry: one unnamed device attached above the stack of `target`,
 * with the lower device's buffering flags (the I/O manager reads them from the top),
 * every major function passed through except those in `dispatch`.
 */
export function* attachFilter(k: Kernel, driver: DriverRef, target: string, dispatch: Readonly<Partial<Record<number, DispatchRoutine>>>): Routine<NtStatus> {
  const created = k.IoCreateDevice(driver, { deviceType: FILE_DEVICE.UNKNOWN });
  if (created.device === null) return created.status;
  const device = created.device;
  const attached = k.IoAttachDevice(device, target);
  if (attached.attachedTo === null) {
    // A DriverEntry that fails leaves nothing behind.
    k.IoDeleteDevice(device);
    return attached.status;
  }
  device.extension = { lower: attached.attachedTo } satisfies FilterExtension;
  device.flags |= attached.attachedTo.flags & (DO.BUFFERED_IO | DO.DIRECT_IO);
  for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL]) {
    driver.MajorFunction[major] = dispatch[major] ?? passThrough;
  }
  yield* k.schedulingPoint();
  return STATUS.SUCCESS;
}
