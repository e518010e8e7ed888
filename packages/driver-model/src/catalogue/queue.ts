import { STATUS, encodeUtf8, type KDpc, type KSpinLock, type KTimer } from '@irpsim/core';
import {
  CTL_CODE,
  DO,
  FILE_ACCESS,
  FILE_DEVICE,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  type DispatchRoutine,
  type IoCsq,
  type IrpRef,
  type Kernel,
} from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { cancelQueuedOf, csqQueue } from './csqQueue.ts';
import { succeed } from './driverHelpers.ts';

/** Starts completing every queued read, newest first, one per microsecond (from a timer DPC). */
export const IOCTL_QUEUE_COMPLETE_ALL = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x830, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** 1 µs between two completions, in the 100-ns units of KeSetTimer (negative: relative). */
const TICK = -10;

interface Extension {
  /** Queued reads in arrival order; the cancel-safe queue's callbacks keep it. */
  readonly list: IrpRef[];
  readonly lock: KSpinLock;
  readonly timer: KTimer;
  readonly dpc: KDpc;
  csq: IoCsq | null;
  /** The number the next read gets: its data says it. */
  next: number;
}

/** What read number `n` returns: `read 07`, as many bytes as the caller asked for (at most 7). */
const dataOf = (n: number): Uint8Array => encodeUtf8(`read ${String(n).padStart(2, '0')}`);

/** IRP_MJ_READ: numbered, then queued cancel-safely (IoCsqInsertIrp marks it pending). */
const read: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const n = ext.next++;
  irp.driverContext[0] = n;
  k.DbgPrint(`queues read ${n} (IRP ${irp.id}) in its cancel-safe queue; it waits for IOCTL_QUEUE_COMPLETE_ALL`);
  yield* k.IoCsqInsertIrp(ext.csq!, irp, null);
  return STATUS.PENDING;
};

/** The timer's DPC: completes the newest queued read and re-arms the timer while reads remain. */
function* completeNewest(k: Kernel, ext: Extension) {
  const irp = yield* k.IoCsqRemoveNextIrp(ext.csq!, null);
  if (irp === null) return;
  if (ext.list.length > 0) k.KeSetTimer(ext.timer, TICK, ext.dpc);
  const n = irp.driverContext[0] as number;
  const length = Math.min(k.IoGetCurrentIrpStackLocation(irp).parameters.read.length, 7);
  k.writeMemory(irp.systemBuffer, dataOf(n).subarray(0, length));
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = length;
  k.DbgPrint(`completes read ${n} (IRP ${irp.id}) with ${length} bytes; ${ext.list.length} still queued`);
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
  const status = code === IOCTL_QUEUE_COMPLETE_ALL ? STATUS.SUCCESS : STATUS.INVALID_DEVICE_REQUEST;
  if (status === STATUS.SUCCESS && ext.list.length > 0) {
    k.DbgPrint(`${ext.list.length} reads queued: a timer DPC completes them, newest first, one per microsecond`);
    k.KeSetTimer(ext.timer, TICK, ext.dpc);
  }
  irp.ioStatus.status = status;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

/**
 * IRP_MJ_CLEANUP: the last handle to a file object is closed. Closing does not cancel
 * anything by itself (IO-9.5): the driver completes the reads still queued for that file
 * object, with STATUS_CANCELLED, then the CLEANUP.
 */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
  yield* cancelQueuedOf(k, ext.csq!, file, (queued) => `CLEANUP: read ${String(queued.driverContext[0])} (IRP ${queued.id}) of the closing file object completes with STATUS_CANCELLED`);
  return yield* succeed(k, device, irp);
};

/**
 * \Device\Queue: reads pend in a cancel-safe queue (IoCsq) until IOCTL_QUEUE_COMPLETE_ALL,
 * then complete newest first — out of order — with `read NN`; cancelled reads and the
 * reads of a file object being cleaned up complete with STATUS_CANCELLED.
 */
export const queue = defineDriver({
  name: 'queue',
  description: 'Device \\\\.\\Queue: reads pend in a cancel-safe queue; IOCTL_QUEUE_COMPLETE_ALL completes them newest first ("read NN"); CLEANUP and cancellation complete them with STATUS_CANCELLED',
  serviceName: 'Queue',
  values: { IOCTL_QUEUE_COMPLETE_ALL },
  opens: ['\\\\.\\Queue'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Queue', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    const device = created.device;
    device.flags |= DO.BUFFERED_IO;
    const ext: Extension = {
      list: [],
      lock: k.KeInitializeSpinLock('Queue lock'),
      timer: k.KeInitializeTimerEx('Queue timer'),
      dpc: k.KeInitializeDpc('Queue completion DPC', () => completeNewest(k, ext)),
      csq: null,
      next: 0,
    };
    // Newest first: the driver completes out of order on purpose.
    ext.csq = csqQueue(k, ext.list, ext.lock, {
      order: 'newest',
      cancelled: (irp) => `read ${String(irp.driverContext[0])} (IRP ${irp.id}) cancelled: completes it with STATUS_CANCELLED`,
    });
    device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Queue', '\\Device\\Queue');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = read;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
