import { STATUS } from '@irpsim/core';
import {
  CTL_CODE,
  FILE_ACCESS,
  FILE_DEVICE,
  completeIrp,
  IRP_MJ,
  METHOD,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
} from '@irpsim/io-manager';
import { completeAtOnce, filterDriver } from './benchFilter.ts';

/** The null IOCTL: METHOD_BUFFERED, any access, zero-length buffers. */
export const IOCTL_BENCH_NULL = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** A device stack for the bench: one bottom driver and `depth - 1` filters above it. */
export interface NullStack {
  /** DriverEntry routines in load order: the bottom driver first, then each filter. */
  readonly drivers: Record<string, DriverEntry>;
  /** The Win32 name user threads open: `\\.\BenchNull<i>`. */
  readonly win32Name: string;
}

/**
 * Builds the drivers of one stack of `depth` devices: a bottom driver that completes
 * every request at once (IOCTLs with STATUS_SUCCESS and Information 0) and `depth - 1`
 * filters (bench/benchFilter.ts) attached with IoAttachDeviceToDeviceStack, each
 * forwarding IOCTLs with a completion routine and create/cleanup/close untouched.
 */
export function nullStack(depth: number, index = 0): NullStack {
  if (depth < 1) throw new Error(`a stack needs at least one device (depth ${depth})`);
  const name = `BenchNull${index}`;
  // The bottom device as its DriverEntry created it: what the filters attach to.
  const shared: { bottom: DeviceRef | null } = { bottom: null };
  const drivers: Record<string, DriverEntry> = { [name]: bottomDriver(name, shared) };
  for (let level = 1; level < depth; level++) drivers[`${name}Filter${level}`] = filterDriver(shared);
  return { drivers, win32Name: `\\\\.\\${name}` };
}

/** Completes the null IOCTL with STATUS_SUCCESS, anything else with STATUS_INVALID_DEVICE_REQUEST (a plain routine: completeIrp). */
const nullIoctl: DispatchRoutine = (k, _device, irp) => {
  const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
  return completeIrp(k, irp, code === IOCTL_BENCH_NULL ? STATUS.SUCCESS : STATUS.INVALID_DEVICE_REQUEST);
};

function bottomDriver(name: string, shared: { bottom: DeviceRef | null }): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS || device === null) return status;
    shared.bottom = device;
    const linked = k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = nullIoctl;
    return STATUS.SUCCESS;
  };
}
