import { STATUS, type KDpc, type KSpinLock, type KTimer } from '@irpsim/core';
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

/** W4's IOCTL: METHOD_BUFFERED, any access, zero-length buffers; always pended. */
export const IOCTL_BENCH_PEND = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x802, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** How the bottom driver completes what it pended: a DPC queued by the dispatch routine, or a timer's DPC. */
export type PendCompletion = 'dpc' | 'timer';

/** The timer's due time: 10 µs, in the 100-ns units of KeSetTimer (negative: relative). */
export const PEND_TIMER_DUE = -100;

export interface PendCounters {
  /** Completed by the driver's DPC with STATUS_SUCCESS. */
  completed: number;
  /** Completed by CsqCompleteCanceledIrp with STATUS_CANCELLED. */
  cancelled: number;
}

export interface PendingStack extends NullStack {
  readonly counters: PendCounters;
}

interface Extension {
  readonly csq: IoCsq;
  /** Queued IRPs, oldest first (short: at most the requests in flight). */
  readonly list: IrpRef[];
  readonly dpc: KDpc;
  readonly timer: KTimer;
}

/**
 * W4's stack: a bottom driver that queues every IOCTL_BENCH_PEND in a cancel-safe queue
 * (IoCsqInsertIrp marks it pending, the dispatch returns STATUS_PENDING) and completes the
 * queued ones from a DPC — queued by the dispatch routine itself (`dpc`) or by a timer
 * armed 10 µs ahead when the queue becomes non-empty (`timer`, the catalogue's `slow`
 * driver's shape) — with `depth - 1` filters above it (bench/benchFilter.ts). A request
 * cancelled while queued completes with STATUS_CANCELLED through the queue.
 */
export function pendingStack(depth: number, completion: PendCompletion): PendingStack {
  const name = 'BenchPend';
  const counters: PendCounters = { completed: 0, cancelled: 0 };
  const shared: { bottom: DeviceRef | null } = { bottom: null };
  const drivers: Record<string, DriverEntry> = { [name]: bottomDriver(name, shared, counters, completion) };
  for (let level = 1; level < depth; level++) drivers[`${name}Filter${level}`] = filterDriver(shared);
  return { drivers, win32Name: `\\\\.\\${name}`, counters };
}

/**
 * The IoCsq callbacks over the driver's list. `becameNonEmpty` runs under the queue's lock
 * (at DISPATCH_LEVEL) when an insert makes the list non-empty: the timer variant arms its
 * timer there — deciding after IoCsqInsertIrp returns would race with an insert on the
 * other CPU (both see two queued IRPs, neither arms: a deadlock the simulator shows).
 */
function pendQueue(k: Kernel, list: IrpRef[], lock: KSpinLock, counters: PendCounters, becameNonEmpty: () => void): IoCsq {
  return k.IoCsqInitialize({
    insert: (_csq, irp) => {
      list.push(irp);
      if (list.length === 1) becameNonEmpty();
    },
    remove: (_csq, irp) => void list.splice(list.indexOf(irp), 1),
    peekNext: (_csq, irp) => list[irp === null ? 0 : list.indexOf(irp) + 1] ?? null,
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

/** The DPC (at DISPATCH_LEVEL, in whatever context): completes every queued request with STATUS_SUCCESS. */
function* completeQueued(k: Kernel, ext: Extension, counters: PendCounters) {
  for (;;) {
    const irp = yield* k.IoCsqRemoveNextIrp(ext.csq, null);
    if (irp === null) return;
    counters.completed++;
    irp.ioStatus.status = STATUS.SUCCESS;
    irp.ioStatus.information = 0;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  }
}

function bottomDriver(name: string, shared: { bottom: DeviceRef | null }, counters: PendCounters, completion: PendCompletion): DriverEntry {
  const pendIoctl: DispatchRoutine = function* (k, device, irp) {
    const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
    if (code !== IOCTL_BENCH_PEND) {
      irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    const ext = device.extension as Extension;
    yield* k.IoCsqInsertIrp(ext.csq, irp, null);
    if (completion === 'dpc') k.KeInsertQueueDpc(ext.dpc);
    return STATUS.PENDING;
  };
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS || device === null) return status;
    shared.bottom = device;
    const list: IrpRef[] = [];
    const ext: Extension = {
      list,
      csq: pendQueue(k, list, k.KeInitializeSpinLock('BenchPend queue lock'), counters, () => {
        if (completion === 'timer') k.KeSetTimer(ext.timer, PEND_TIMER_DUE, ext.dpc);
      }),
      dpc: k.KeInitializeDpc('BenchPend completion DPC', () => completeQueued(k, ext, counters)),
      timer: k.KeInitializeTimerEx('BenchPend timer'),
    };
    device.extension = ext;
    const linked = k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeAtOnce;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = pendIoctl;
    return STATUS.SUCCESS;
  };
}
