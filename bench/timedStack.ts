import { STATUS } from '@irpsim/core';
import {
  CTL_CODE,
  FILE_ACCESS,
  FILE_DEVICE,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
} from '@irpsim/io-manager';
import { completeAtOnce, filterDriver } from './benchFilter.ts';
import type { NullStack } from './nullStack.ts';

/** W2's IOCTL: METHOD_BUFFERED, any access, zero-length buffers; serviced after the device latency. */
export const IOCTL_BENCH_TIMED = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x803, METHOD.BUFFERED, FILE_ACCESS.ANY);

export type TimedStack = NullStack;

/**
 * W2's stack (config T of performance-anchors.md §2.1 on irpsim): a bottom driver whose
 * device takes `serviceNs` per request — it marks the IRP pending, arms a timer of its own
 * for the request (a KTIMER and KDPC per request, as a driver with per-request context
 * does) and completes it from the timer's DPC — under `depth - 1` filters
 * (bench/benchFilter.ts). The hop latency d is the cost model's `routineCall`, paid at
 * every IoCallDriver and every completion routine call. `serviceNs` must be a multiple
 * of 100 ns (KeSetTimer's unit).
 */
export function timedStack(depth: number, serviceNs: number): TimedStack {
  if (serviceNs <= 0 || serviceNs % 100 !== 0) throw new Error(`the device latency must be a positive multiple of 100 ns, not ${serviceNs}`);
  const name = 'BenchTimed';
  const shared: { bottom: DeviceRef | null } = { bottom: null };
  const due = -serviceNs / 100;
  const serviced: DispatchRoutine = function* (k, _device, irp) {
    const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
    if (code !== IOCTL_BENCH_TIMED) {
      irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    k.IoMarkIrpPending(irp);
    const timer = k.KeInitializeTimerEx('BenchTimed service');
    const dpc = k.KeInitializeDpc('BenchTimed completion', function* () {
      irp.ioStatus.status = STATUS.SUCCESS;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    });
    k.KeSetTimer(timer, due, dpc);
    return STATUS.PENDING;
  };
  const bottom: DriverEntry = function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS || device === null) return status;
    shared.bottom = device;
    const linked = k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = serviced;
    return STATUS.SUCCESS;
  };
  const drivers: Record<string, DriverEntry> = { [name]: bottom };
  for (let level = 1; level < depth; level++) drivers[`${name}Filter${level}`] = filterDriver(shared);
  return { drivers, win32Name: `\\\\.\\${name}` };
}
