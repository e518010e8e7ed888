import { EVENT_ACCESS, STATUS, encodeUtf8, type KEvent } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { finish, succeed } from './driverHelpers.ts';
import { readU32, writeU32 } from './u32.ts';

/** Starts the producer: the input is the HANDLE (4 bytes) of an auto-reset event it sets after each record it publishes. */
export const IOCTL_RING_START = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x870, METHOD.BUFFERED, FILE_ACCESS.ANY);

/**
 * The ring in the section `SharedRing` (one page): the producer's count of records written
 * at offset 0, the consumer's count of records read at offset 4, and RING_SLOTS records of
 * RING_RECORD bytes from offset RING_DATA. Record n is in slot n % RING_SLOTS.
 */
export const RING_WRITE = 0;
export const RING_READ = 4;
export const RING_DATA = 16;
export const RING_SLOTS = 8;
export const RING_RECORD = 16;
/** Records one START produces: `record 00` … `record 11`, more than the ring holds at once. */
export const RING_RECORDS = 12;

/** 2 µs between two records, 5 µs between two looks at a full ring (100-ns units, relative). */
const PACE = -20;
const BACKOFF = -50;

interface Extension {
  readonly section: number;
  readonly view: number;
  producing: boolean;
}

/**
 * The producer, a system thread at PASSIVE_LEVEL (the view is pageable memory: no DPC may
 * touch it). For each record: wait while the ring is full, write the record, *then*
 * publish it by advancing the write count, then set the event. The consumer drains every
 * published record per wake-up, so a SetEvent that finds the event already set loses
 * nothing.
 */
function* produce(k: Kernel, ext: Extension, event: KEvent) {
  for (let n = 0; n < RING_RECORDS; n++) {
    while (n - readU32(k, ext.view + RING_READ) >= RING_SLOTS) {
      k.DbgPrint(`the ring is full (${n} written, ${readU32(k, ext.view + RING_READ)} read): the producer backs off`);
      yield* k.KeDelayExecutionThread('KernelMode', false, BACKOFF);
    }
    const record = new Uint8Array(RING_RECORD);
    record.set(encodeUtf8(`record ${String(n).padStart(2, '0')}`));
    k.writeMemory(ext.view + RING_DATA + (n % RING_SLOTS) * RING_RECORD, record);
    writeU32(k, ext.view + RING_WRITE, n + 1);
    k.KeSetEvent(event, IO_NO_INCREMENT, false);
    yield* k.KeDelayExecutionThread('KernelMode', false, PACE);
  }
  k.DbgPrint(`the producer has published ${RING_RECORDS} records and drops its reference to the event`);
  ext.producing = false;
  yield* k.ObDereferenceObject(event);
}

/** START: references the event with the requestor's mode (IO-10.2), resets the ring, starts the producer thread. */
const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  if (p.ioControlCode !== IOCTL_RING_START) return yield* finish(k, irp, STATUS.INVALID_DEVICE_REQUEST);
  if (p.inputBufferLength < 4) return yield* finish(k, irp, STATUS.INVALID_PARAMETER);
  if (ext.producing) return yield* finish(k, irp, STATUS.DEVICE_BUSY);
  const handle = readU32(k, irp.systemBuffer);
  const referenced = k.ObReferenceObjectByHandle(handle, EVENT_ACCESS.MODIFY_STATE, 'ExEventObjectType', irp.requestorMode);
  if (referenced.status !== STATUS.SUCCESS) return yield* finish(k, irp, referenced.status);
  ext.producing = true;
  writeU32(k, ext.view + RING_WRITE, 0);
  writeU32(k, ext.view + RING_READ, 0);
  const event = referenced.object as KEvent;
  // The thread owns the reference now: it may outlive this handle, and drops it when done.
  k.PsCreateSystemThread('SharedRing producer', () => produce(k, ext, event));
  return yield* finish(k, irp, STATUS.SUCCESS);
};

/**
 * \Device\SharedRing — a single-producer, single-consumer ring in a section the driver
 * creates (C7, IO-10.4) and maps in system space; applications map the same pages with
 * OpenFileMapping("SharedRing") + MapViewOfFile. An event passed by handle says "new
 * records"; the counts in the ring's header, not the event, say how many.
 */
export const sharedRing = defineDriver({
  name: 'shared-ring',
  description: 'Creates the section SharedRing: a ring of 8 records a producer thread fills (12 records per IOCTL_RING_START), setting the event the app passed by handle after each; the app maps the section and drains it',
  serviceName: 'SharedRing',
  values: { IOCTL_RING_START, RING_WRITE, RING_READ, RING_DATA, RING_SLOTS, RING_RECORD, RING_RECORDS },
  opens: ['\\\\.\\SharedRing'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\SharedRing', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\SharedRing', '\\Device\\SharedRing');
    if (linked !== STATUS.SUCCESS) return linked;
    const section = yield* k.ZwCreateSection({ name: '\\BaseNamedObjects\\SharedRing', size: 4096 });
    if (section.status !== STATUS.SUCCESS) return section.status;
    const view = k.MmMapViewInSystemSpace(section.handle);
    if (view.status !== STATUS.SUCCESS) return view.status;
    created.device.extension = { section: section.handle, view: view.base, producing: false } satisfies Extension;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
