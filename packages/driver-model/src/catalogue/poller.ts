import { STATUS, encodeUtf8, irqlName, type KEvent, type KSpinLock } from '@irpsim/core';
import { DO, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, type DispatchRoutine, type IoCsq, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { cancelQueuedOf, csqQueue } from './csqQueue.ts';
import { succeed } from './driverHelpers.ts';

/** The device's settling interval: 50 µs between two samples, in the 100-ns units of KeDelayExecutionThread. */
const SETTLE = -500;

interface Extension {
  /** Queued reads, oldest first; the cancel-safe queue's callbacks keep it. */
  readonly reads: IrpRef[];
  readonly lock: KSpinLock;
  /** Set by the read dispatch routine: wakes the polling thread (a synchronization event). */
  readonly work: KEvent;
  csq: IoCsq | null;
  /** Samples taken so far: the next read gets `sample NN`. */
  samples: number;
}

/**
 * The polling thread (PsCreateSystemThread), in the System process at PASSIVE_LEVEL: it
 * sleeps until a read is queued, lets the device settle, takes the oldest read still
 * queued — IoCsqRemoveNextIrp never returns one that was cancelled meanwhile — and
 * completes it with the next sample. It may block, which a DPC may not (C14).
 */
function* poll(k: Kernel, ext: Extension) {
  for (;;) {
    yield* k.KeWaitForSingleObject(ext.work);
    for (;;) {
      yield* k.KeDelayExecutionThread('KernelMode', false, SETTLE);
      const irp = yield* k.IoCsqRemoveNextIrp(ext.csq!, null);
      if (irp === null) break;
      const n = ext.samples++;
      const length = Math.min(k.IoGetCurrentIrpStackLocation(irp).parameters.read.length, 9);
      k.writeMemory(irp.systemBuffer, encodeUtf8(`sample ${String(n).padStart(2, '0')}`).subarray(0, length));
      irp.ioStatus.status = STATUS.SUCCESS;
      irp.ioStatus.information = length;
      k.DbgPrint(`polling thread completes read (IRP ${irp.id}) with sample ${n} at ${irqlName(k.KeGetCurrentIrql())}`);
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
  }
}

/** IRP_MJ_READ: queued cancel-safely (IoCsqInsertIrp marks it pending), then the polling thread is woken. */
const read: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  k.DbgPrint(`queues read (IRP ${irp.id}) for the polling thread`);
  yield* k.IoCsqInsertIrp(ext.csq!, irp, null);
  k.KeSetEvent(ext.work, IO_NO_INCREMENT, false);
  return STATUS.PENDING;
};

/** IRP_MJ_CLEANUP: the closing file object's queued reads complete with STATUS_CANCELLED (IO-9.5). */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
  yield* cancelQueuedOf(k, ext.csq!, file, (queued) => `CLEANUP: read (IRP ${queued.id}) of the closing file object completes with STATUS_CANCELLED`);
  return yield* succeed(k, device, irp);
};

/**
 * \Device\Poller — a polled data-acquisition device (Windows-driver-samples general/cancel):
 * reads wait in a cancel-safe queue (IoCsq), and a dedicated system thread serves them in
 * order, one sample per 50 µs settling interval, at PASSIVE_LEVEL.
 */
export const poller = defineDriver({
  name: 'poller',
  description: 'Device \\\\.\\Poller: reads queue in a cancel-safe queue; a polling system thread serves them oldest first at PASSIVE_LEVEL, one "sample NN" per 50 µs; cancel and CLEANUP complete queued reads with STATUS_CANCELLED',
  serviceName: 'Poller',
  opens: ['\\\\.\\Poller'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Poller', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const ext: Extension = { reads: [], lock: k.KeInitializeSpinLock('Poller lock'), work: k.KeInitializeEvent('synchronization'), csq: null, samples: 0 };
    ext.csq = csqQueue(k, ext.reads, ext.lock, {
      order: 'oldest',
      cancelled: (irp) => `read (IRP ${irp.id}) cancelled while queued: CsqCompleteCanceledIrp completes it with STATUS_CANCELLED`,
    });
    created.device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Poller', '\\Device\\Poller');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = read;
    k.PsCreateSystemThread('Poller polling thread', () => poll(k, ext));
    return STATUS.SUCCESS;
  },
});
