import { STATUS, decodeUtf8, encodeUtf8, type KSpinLock } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IoCsq, type IrpRef } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { cancelQueuedOf, csqQueue } from './csqQueue.ts';
import { finish, succeed } from './driverHelpers.ts';

/** Waits for the next notification: pends until a RAISE completes it (METHOD_BUFFERED, output ≥ 32 bytes). */
export const IOCTL_NOTIFY_WAIT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x840, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Raises a notification whose payload is the input (at most 16 bytes): the oldest pended WAIT completes with it. */
export const IOCTL_NOTIFY_RAISE = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x841, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** The output a WAIT must have room for: `note NN: ` and a payload of up to 16 bytes. */
const WAIT_OUTPUT = 32;
const MAX_PAYLOAD = 16;

interface Extension {
  /** Pended WAITs, oldest first; the cancel-safe queue's callbacks keep it. */
  readonly waiters: IrpRef[];
  readonly lock: KSpinLock;
  csq: IoCsq | null;
  /** Notifications raised so far: each carries its number. */
  raised: number;
}

/**
 * WAIT: the inverted call — the application sends the request in advance, the driver keeps
 * it pending (IoCsqInsertIrp marks it pending), and completing it later *is* the
 * notification. RAISE: takes the oldest WAIT and completes it with `note NN: payload`.
 */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  if (p.ioControlCode === IOCTL_NOTIFY_WAIT) {
    if (p.outputBufferLength < WAIT_OUTPUT) return yield* finish(k, irp, STATUS.BUFFER_TOO_SMALL);
    k.DbgPrint(`WAIT (IRP ${irp.id}) pends in the cancel-safe queue: ${ext.waiters.length + 1} listening`);
    yield* k.IoCsqInsertIrp(ext.csq!, irp, null);
    return STATUS.PENDING;
  }
  if (p.ioControlCode !== IOCTL_NOTIFY_RAISE) return yield* finish(k, irp, STATUS.INVALID_DEVICE_REQUEST);
  if (p.inputBufferLength > MAX_PAYLOAD) return yield* finish(k, irp, STATUS.INVALID_PARAMETER);
  const payload = k.readMemory(irp.systemBuffer, p.inputBufferLength);
  const waiter = yield* k.IoCsqRemoveNextIrp(ext.csq!, null);
  if (waiter === null) {
    // Nobody is listening: the notification is dropped and the raiser told so.
    k.DbgPrint(`RAISE ${decodeUtf8(payload)}: no WAIT pending, STATUS_NOT_FOUND`);
    return yield* finish(k, irp, STATUS.NOT_FOUND);
  }
  const n = ++ext.raised;
  const note = new Uint8Array([...encodeUtf8(`note ${String(n).padStart(2, '0')}: `), ...payload]);
  k.writeMemory(waiter.systemBuffer, note);
  waiter.ioStatus.status = STATUS.SUCCESS;
  waiter.ioStatus.information = note.length;
  k.DbgPrint(`RAISE ${decodeUtf8(payload)}: completes the oldest WAIT (IRP ${waiter.id}) with note ${n}`);
  yield* k.IoCompleteRequest(waiter, IO_NO_INCREMENT);
  return yield* finish(k, irp, STATUS.SUCCESS);
};

/** IRP_MJ_CLEANUP: the WAITs the closing file object left pending complete with STATUS_CANCELLED (IO-9.5). */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
  yield* cancelQueuedOf(k, ext.csq!, file, (waiter) => `CLEANUP: WAIT (IRP ${waiter.id}) of the closing file object completes with STATUS_CANCELLED`);
  return yield* succeed(k, device, irp);
};

/**
 * \Device\Notify — the inverted call (Windows-driver-samples general/event, IRP-based): the
 * application keeps IOCTL_NOTIFY_WAIT requests pending in the driver's cancel-safe queue;
 * IOCTL_NOTIFY_RAISE (from any process) completes the oldest one with the notification.
 */
export const notify = defineDriver({
  name: 'notify',
  description: 'Device \\\\.\\Notify: the inverted call - IOCTL_NOTIFY_WAIT pends in a cancel-safe queue; IOCTL_NOTIFY_RAISE completes the oldest WAIT with "note NN: payload"; cancel and CLEANUP complete WAITs with STATUS_CANCELLED',
  serviceName: 'Notify',
  values: { IOCTL_NOTIFY_WAIT, IOCTL_NOTIFY_RAISE },
  opens: ['\\\\.\\Notify'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Notify', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const ext: Extension = { waiters: [], lock: k.KeInitializeSpinLock('Notify lock'), csq: null, raised: 0 };
    // Oldest first: notifications go to the listeners in the order they asked.
    ext.csq = csqQueue(k, ext.waiters, ext.lock, {
      order: 'oldest',
      cancelled: (irp) => `WAIT (IRP ${irp.id}) cancelled: completes it with STATUS_CANCELLED`,
    });
    created.device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Notify', '\\Device\\Notify');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
