import { STATUS } from '@irpsim/core';
import { IRP_MJ, completeIrp, type CompletionRoutine, type DeviceRef, type DispatchRoutine, type DriverEntry } from '@irpsim/io-manager';

/**
 * The filter driver every bench stack stacks above its bottom driver, and the dispatch
 * routine bottom drivers give CREATE, CLEANUP and CLOSE. The filter's routines never wait,
 * so they are plain functions, as in C (io-manager/src/routines.ts).
 */

/** What a filter keeps in its device extension. */
interface FilterExtension {
  readonly lower: DeviceRef;
}

/** Completes a request at once with STATUS_SUCCESS and Information 0. */
export const completeAtOnce: DispatchRoutine = (k, _device, irp) => completeIrp(k, irp, STATUS.SUCCESS);

/** The completion routine of a filter: propagate the pending bit, let completion go on. */
const filterCompletion: CompletionRoutine = (k, _device, irp) => {
  if (irp.pendingReturned) k.IoMarkIrpPending(irp);
  return STATUS.SUCCESS;
};

const forwardIoctl: DispatchRoutine = (k, device, irp) => {
  const { lower } = device.extension as FilterExtension;
  k.IoCopyCurrentIrpStackLocationToNext(irp);
  k.IoSetCompletionRoutine(irp, filterCompletion, null, true, true, true);
  return k.IoCallDriver(lower, irp);
};

const passThrough: DispatchRoutine = (k, device, irp) => {
  const { lower } = device.extension as FilterExtension;
  k.IoSkipCurrentIrpStackLocation(irp);
  return k.IoCallDriver(lower, irp);
};

/**
 * A filter over `shared.bottom`: an unnamed device attached with
 * IoAttachDeviceToDeviceStack that forwards IOCTLs with IoCopyCurrentIrpStackLocationToNext
 * + IoSetCompletionRoutine + IoCallDriver, and passes create, cleanup and close down with
 * IoSkipCurrentIrpStackLocation.
 */
export function filterDriver(shared: { bottom: DeviceRef | null }): DriverEntry {
  return function* (k, driver) {
    if (shared.bottom === null) return STATUS.NO_SUCH_DEVICE;
    const { status, device } = k.IoCreateDevice(driver, {});
    if (status !== STATUS.SUCCESS || device === null) return status;
    const lower = k.IoAttachDeviceToDeviceStack(device, shared.bottom);
    device.extension = { lower } satisfies FilterExtension;
    driver.MajorFunction[IRP_MJ.CREATE] = passThrough;
    driver.MajorFunction[IRP_MJ.CLEANUP] = passThrough;
    driver.MajorFunction[IRP_MJ.CLOSE] = passThrough;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = forwardIoctl;
    return STATUS.SUCCESS;
  };
}
