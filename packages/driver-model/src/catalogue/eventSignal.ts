import { EVENT_ACCESS, STATUS, statusName, type KDpc, type KEvent, type KTimer } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { succeed } from './driverHelpers.ts';

/** Registers an event: the input is its HANDLE (4 bytes); a timer DPC signals it 10 µs later. */
export const IOCTL_EVENT_REGISTER = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x850, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** 10 µs, in the 100-ns units of KeSetTimer (negative: relative). */
const DELAY = -100;

/** One registered event: the object the driver referenced, and the file object that registered it. */
interface Registration {
  readonly event: KEvent;
  readonly file: number | null;
  signalled: boolean;
}

interface Extension {
  readonly registrations: Registration[];
  readonly timer: KTimer;
  readonly dpc: KDpc;
}

/** The timer's DPC, at DISPATCH_LEVEL in an arbitrary thread: KeSetEvent on each registered event not yet signalled (C12). */
function signalAll(k: Kernel, ext: Extension): void {
  for (const r of ext.registrations) {
    if (r.signalled) continue;
    r.signalled = true;
    k.DbgPrint(`timer DPC signals the registered event (KeSetEvent, at DISPATCH_LEVEL, in whatever thread was running)`);
    k.KeSetEvent(r.event, IO_NO_INCREMENT, false);
  }
}

/**
 * REGISTER: reads the handle from the input and references the event with the requestor's
 * mode and ExEventObjectType (IO-10.2) — in the caller's process, which is why only a
 * top-level driver can take a handle this way. The reference, not the handle, is what the
 * DPC uses: the handle means nothing in the arbitrary thread a DPC runs in.
 */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  let status: number = STATUS.SUCCESS;
  if (p.ioControlCode !== IOCTL_EVENT_REGISTER) status = STATUS.INVALID_DEVICE_REQUEST;
  else if (p.inputBufferLength < 4) status = STATUS.INVALID_PARAMETER;
  else {
    const handle = new DataView(k.readMemory(irp.systemBuffer, 4).buffer).getUint32(0, true);
    const referenced = k.ObReferenceObjectByHandle(handle, EVENT_ACCESS.MODIFY_STATE, 'ExEventObjectType', irp.requestorMode);
    status = referenced.status;
    if (status === STATUS.SUCCESS) {
      ext.registrations.push({ event: referenced.object as KEvent, file: k.IoGetCurrentIrpStackLocation(irp).fileObjectId, signalled: false });
      k.KeSetTimer(ext.timer, DELAY, ext.dpc);
      k.DbgPrint(`references the event of handle 0x${handle.toString(16)} (${irp.requestorMode}); a timer DPC signals it in 10 µs`);
    } else {
      k.DbgPrint(`ObReferenceObjectByHandle(0x${handle.toString(16)}, EVENT_MODIFY_STATE, ExEventObjectType, ${irp.requestorMode}) fails: ${statusName(status)}`);
    }
  }
  irp.ioStatus.status = status;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

/** IRP_MJ_CLEANUP: drops the references the closing file object's registrations hold (ObDereferenceObject). */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
  for (let i = ext.registrations.length - 1; i >= 0; i--) {
    const r = ext.registrations[i]!;
    if (r.file !== file) continue;
    ext.registrations.splice(i, 1);
    k.DbgPrint('CLEANUP: ObDereferenceObject on a registered event');
    yield* k.ObDereferenceObject(r.event);
  }
  return yield* succeed(k, device, irp);
};

/**
 * \Device\EventSignal — event-based notification (Windows-driver-samples general/event):
 * the application passes an event handle by IOCTL, the driver references the event object
 * and a timer DPC, standing in for hardware, signals it.
 */
export const eventSignal = defineDriver({
  name: 'event-signal',
  description: 'Device \\\\.\\EventSignal: IOCTL_EVENT_REGISTER takes an event HANDLE, references it with the requestor\'s mode; a timer DPC signals it 10 µs later; CLEANUP dereferences it',
  serviceName: 'EventSignal',
  values: { IOCTL_EVENT_REGISTER },
  opens: ['\\\\.\\EventSignal'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\EventSignal', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const ext: Extension = {
      registrations: [],
      timer: k.KeInitializeTimerEx('EventSignal timer'),
      dpc: k.KeInitializeDpc('EventSignal DPC', function* () {
        signalAll(k, ext);
      }),
    };
    created.device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\EventSignal', '\\Device\\EventSignal');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
