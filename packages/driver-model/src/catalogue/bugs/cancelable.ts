import { STATUS, type KDpc, type KSpinLock, type KTimer } from '@irpsim/core';
import {
  CTL_CODE,
  DO,
  FILE_ACCESS,
  FILE_DEVICE,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  type CancelRoutine,
  type DispatchRoutine,
  type IrpRef,
  type Kernel,
} from '@irpsim/io-manager';
import { defineDriver, type DriverDefinition } from '../../defineDriver.ts';
import { succeed } from '../driverHelpers.ts';

/** Pends, cancelable, and completes 10 µs later from a timer DPC — unless it is cancelled first. */
export const IOCTL_CANCELABLE_WAIT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x840, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** How long a request waits: 10 µs, in the 100-ns units of KeSetTimer (negative: relative). */
const DELAY = -100;

/**
 * How the timer DPC takes a waiting IRP back from cancellation: true when the IRP is
 * now the DPC's to complete. The correct line is `IoSetCancelRoutine(Irp, NULL) != NULL`
 * (IO-6.3): NULL means IoCancelIrp already took the routine, which will complete the IRP.
 * The buggy twins change this one line.
 */
export type TakeBack = (k: Kernel, irp: IrpRef) => boolean;

export const takeBackCorrectly: TakeBack = (k, irp) => k.IoSetCancelRoutine(irp, null) !== null;

interface Extension {
  /** Waiting requests, oldest first, guarded by `lock`. */
  readonly waiting: IrpRef[];
  readonly lock: KSpinLock;
  readonly timer: KTimer;
  readonly dpc: KDpc;
}

/**
 * The cancel routine, called by IoCancelIrp with the cancel spin lock held: release it,
 * take the IRP off the list if it is still there (the DPC may have taken it already and
 * left it to us), and complete it with STATUS_CANCELLED.
 */
const cancelWait: CancelRoutine = function* (k, device, irp) {
  yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
  const ext = device!.extension as Extension;
  const irql = yield* k.KeAcquireSpinLock(ext.lock);
  const i = ext.waiting.indexOf(irp);
  if (i >= 0) ext.waiting.splice(i, 1);
  yield* k.KeReleaseSpinLock(ext.lock, irql);
  k.DbgPrint(`cancel routine completes IRP ${irp.id} with STATUS_CANCELLED`);
  irp.ioStatus.status = STATUS.CANCELLED;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
};

/** The timer's DPC, at DISPATCH_LEVEL: completes the oldest waiting request unless its cancellation won. */
function* completeOldest(k: Kernel, ext: Extension, takeBack: TakeBack) {
  yield* k.KeAcquireSpinLockAtDpcLevel(ext.lock);
  const irp = ext.waiting.shift() ?? null;
  const ours = irp !== null && takeBack(k, irp);
  if (ext.waiting.length > 0) k.KeSetTimer(ext.timer, DELAY, ext.dpc);
  yield* k.KeReleaseSpinLockFromDpcLevel(ext.lock);
  if (irp === null) return;
  if (!ours) {
    k.DbgPrint(`DPC: IRP ${irp.id} is being cancelled; its cancel routine completes it`);
    return;
  }
  k.DbgPrint(`DPC completes IRP ${irp.id} with STATUS_SUCCESS`);
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/**
 * IOCTL_CANCELABLE_WAIT: queue the IRP, then set the cancel routine and look at Cancel —
 * IoCancelIrp may have come first (IO-6.3): if so and the routine is still ours, take it
 * out and complete it here; otherwise arm the timer if it is the only one waiting.
 */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
  if (code === IOCTL_CANCELABLE_WAIT) {
    k.IoMarkIrpPending(irp);
    const irql = yield* k.KeAcquireSpinLock(ext.lock);
    ext.waiting.push(irp);
    k.IoSetCancelRoutine(irp, cancelWait);
    const cancelledFirst = irp.cancel && k.IoSetCancelRoutine(irp, null) !== null;
    if (cancelledFirst) ext.waiting.pop();
    else if (ext.waiting.length === 1) k.KeSetTimer(ext.timer, DELAY, ext.dpc);
    yield* k.KeReleaseSpinLock(ext.lock, irql);
    if (cancelledFirst) {
      irp.ioStatus.status = STATUS.CANCELLED;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    } else {
      k.DbgPrint(`IRP ${irp.id} waits, cancelable (its cancel routine is set); a timer completes it in 10 µs`);
    }
    return STATUS.PENDING;
  }
  irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.INVALID_DEVICE_REQUEST;
};

/** The driver with the DPC's take-back line given: `cancelable` itself, or one of its buggy twins. */
export function cancelableDriver(name: string, description: string, takeBack: TakeBack): DriverDefinition {
  return defineDriver({
    name,
    description,
    serviceName: 'Cancelable',
    values: { IOCTL_CANCELABLE_WAIT },
    opens: ['\\\\.\\Cancelable'],
    *DriverEntry(k, driver) {
      const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Cancelable', deviceType: FILE_DEVICE.UNKNOWN });
      if (created.device === null) return created.status;
      created.device.flags |= DO.BUFFERED_IO;
      const ext: Extension = {
        waiting: [],
        lock: k.KeInitializeSpinLock('Cancelable lock'),
        timer: k.KeInitializeTimerEx('Cancelable timer'),
        dpc: k.KeInitializeDpc('Cancelable completion DPC', () => completeOldest(k, ext, takeBack)),
      };
      created.device.extension = ext;
      const linked = k.IoCreateSymbolicLink('\\DosDevices\\Cancelable', '\\Device\\Cancelable');
      if (linked !== STATUS.SUCCESS) return linked;
      driver.MajorFunction[IRP_MJ.CREATE] = succeed;
      driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
      driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
      driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
      return STATUS.SUCCESS;
    },
  });
}

/**
 * \Device\Cancelable: a driver with its own cancel routine (IoSetCancelRoutine, no IoCsq).
 * IOCTL_CANCELABLE_WAIT pends; a timer DPC completes the oldest waiting request 10 µs
 * later with STATUS_SUCCESS — unless it was cancelled first, in which case the cancel
 * routine completes it with STATUS_CANCELLED. `slow` with a cancel routine: the base of
 * the cancel-routine twins.
 */
export const cancelable = cancelableDriver(
  'cancelable',
  'Device \\\\.\\Cancelable: IOCTL_CANCELABLE_WAIT pends with its own cancel routine (no IoCsq); a timer DPC completes it 10 µs later unless it is cancelled first',
  takeBackCorrectly,
);
