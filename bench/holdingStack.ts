import { STATUS, type KSpinLock } from '@irpsim/core';
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
  type IoCsq,
  type IrpRef,
  type Kernel,
} from '@irpsim/io-manager';
import { completeAtOnce, filterDriver } from './benchFilter.ts';
import type { NullStack } from './nullStack.ts';

/** The held IOCTL: METHOD_BUFFERED, any access, zero-length buffers; the bottom driver keeps it pending. */
export const IOCTL_BENCH_HOLD = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x801, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** What the bench reads from the bottom driver while it holds requests. */
export interface HoldCounters {
  /** IRPs queued in the cancel-safe queue now. */
  held: number;
  /** IRPs completed with STATUS_CANCELLED by CsqCompleteCanceledIrp (CancelIoEx). */
  cancelled: number;
  /** Device objects made beyond the stack's (the W8 per-device figure). */
  extraDevices: number;
}

export interface HoldingStack extends NullStack {
  readonly counters: HoldCounters;
}

/**
 * W8's stack: a bottom driver that queues every IOCTL_BENCH_HOLD in a cancel-safe queue
 * (IoCsqInsertIrp marks it pending; the dispatch returns STATUS_PENDING) and completes it
 * only when it is cancelled (CsqCompleteCanceledIrp: STATUS_CANCELLED), under `depth - 1`
 * filters that forward with IoCopyCurrentIrpStackLocationToNext + a completion routine,
 * as bench/nullStack.ts's filters do. `extraDevices` unnamed devices are created by the
 * bottom driver's DriverEntry as well (the per-device-object figure). The queue is an
 * insertion-ordered Set so that cancelling one of 100,000 queued IRPs is O(1).
 */
export function holdingStack(depth: number, extraDevices = 0): HoldingStack {
  if (depth < 1) throw new Error(`a stack needs at least one device (depth ${depth})`);
  const name = 'BenchHold';
  const counters: HoldCounters = { held: 0, cancelled: 0, extraDevices: 0 };
  const shared: { bottom: DeviceRef | null } = { bottom: null };
  const drivers: Record<string, DriverEntry> = { [name]: bottomDriver(name, shared, counters, extraDevices) };
  for (let level = 1; level < depth; level++) drivers[`${name}Filter${level}`] = filterDriver(shared);
  return { drivers, win32Name: `\\\\.\\${name}`, counters };
}

interface BottomExtension {
  readonly csq: IoCsq;
}

/** The IoCsq callbacks over an insertion-ordered Set, guarded by the driver's spin lock. */
function holdQueue(k: Kernel, lock: KSpinLock, counters: HoldCounters): IoCsq {
  const queued = new Set<IrpRef>();
  return k.IoCsqInitialize({
    insert: (_csq, irp) => {
      queued.add(irp);
      counters.held++;
    },
    remove: (_csq, irp) => {
      if (queued.delete(irp)) counters.held--;
    },
    peekNext: (_csq, irp) => {
      // Only the first one is ever asked for (IoCsqRemoveNextIrp with no context).
      if (irp !== null) return null;
      for (const first of queued) return first;
      return null;
    },
    acquireLock: () => k.KeAcquireSpinLock(lock),
    releaseLock: (_csq, irql) => k.KeReleaseSpinLock(lock, irql),
    completeCanceledIrp: function* (_csq, irp) {
      counters.cancelled++;
      irp.ioStatus.status = STATUS.CANCELLED;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    },
  });
}

const holdIoctl: DispatchRoutine = function* (k, device, irp) {
  const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
  if (code !== IOCTL_BENCH_HOLD) {
    irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
    irp.ioStatus.information = 0;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  yield* k.IoCsqInsertIrp((device.extension as BottomExtension).csq, irp, null);
  return STATUS.PENDING;
};

function bottomDriver(name: string, shared: { bottom: DeviceRef | null }, counters: HoldCounters, extraDevices: number): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS || device === null) return status;
    shared.bottom = device;
    device.extension = { csq: holdQueue(k, k.KeInitializeSpinLock('BenchHold queue lock'), counters) } satisfies BottomExtension;
    const linked = k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    if (linked !== STATUS.SUCCESS) return linked;
    for (let i = 0; i < extraDevices; i++) {
      const extra = k.IoCreateDevice(driver, {});
      if (extra.status !== STATUS.SUCCESS) return extra.status;
      counters.extraDevices++;
    }
    driver.MajorFunction[IRP_MJ.CREATE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = holdIoctl;
    return STATUS.SUCCESS;
  };
}
