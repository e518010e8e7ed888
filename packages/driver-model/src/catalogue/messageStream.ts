import { ACCESS, EVENT_ACCESS, STATUS, encodeUtf8, type KEvent, type KSpinLock } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IoCsq, type IrpRef, type Kernel, type Mdl } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { cancelQueuedOf, csqQueue } from './csqQueue.ts';
import { finish, succeed } from './driverHelpers.ts';
import { readU32, writeU32 } from './u32.ts';

/** The next message, as long as the output buffer, in the system buffer (the I/O manager copies it back). */
export const IOCTL_STREAM_BUFFERED = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x8a0, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** The next message, as long as the output buffer, written through the MDL straight into the caller's pages. */
export const IOCTL_STREAM_DIRECT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x8a1, METHOD.OUT_DIRECT, FILE_ACCESS.ANY);
/** The inverted call: pends until the device thread completes it with the next message (METHOD_BUFFERED). */
export const IOCTL_STREAM_WAIT = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x8a2, METHOD.BUFFERED, FILE_ACCESS.ANY);
/**
 * Starts the ring's producer. Input, 12 bytes: the HANDLE of the event the producer sets
 * when a message is published (offset 0), the HANDLE of the event the consumer sets to ask
 * for the next one (offset 4), how many messages to publish (offset 8, u32).
 */
export const IOCTL_STREAM_RING_START = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x8a3, METHOD.BUFFERED, FILE_ACCESS.ANY);

/**
 * The section `StreamRing`: the count of messages published at offset 0, the size the
 * consumer asks for at offset 4 (u32), and the message from offset STREAM_RING_DATA.
 */
export const STREAM_RING_WRITE = 0;
export const STREAM_RING_SIZE = 4;
export const STREAM_RING_DATA = 4096;
/** The largest message: 1 MiB. Longer buffers get a 1-MiB message. */
export const STREAM_MAX_MESSAGE = 1 << 20;

interface Extension {
  readonly view: number;
  /** Messages produced so far, by every mechanism: message n starts with `message n`. */
  sent: number;
  /** Pended WAITs, oldest first; the cancel-safe queue's callbacks keep it. */
  readonly waits: IrpRef[];
  readonly lock: KSpinLock;
  /** Set by the WAIT dispatch routine: wakes the device thread (a synchronization event). */
  readonly work: KEvent;
  csq: IoCsq | null;
  producing: boolean;
}

/** Dots, the body of every message: made once, on first use, and never written. */
let dots: Uint8Array | null = null;

/**
 * Writes the device's next message at `address`: `message N`, then dots up to `size` bytes
 * (at most 1 MiB). Returns its length; a request with no buffer takes no message.
 */
function writeMessage(k: Kernel, ext: Extension, address: number, size: number): number {
  const length = Math.min(size, STREAM_MAX_MESSAGE);
  if (length === 0) return 0; // METHOD_BUFFERED gives no system buffer then
  dots ??= new Uint8Array(STREAM_MAX_MESSAGE).fill(0x2e);
  k.writeMemory(address, dots.subarray(0, length));
  k.writeMemory(address, encodeUtf8(`message ${ext.sent++}`).subarray(0, length));
  return length;
}

/**
 * The device thread of the inverted call, at PASSIVE_LEVEL: sleeps until a WAIT is queued,
 * then completes every queued WAIT, oldest first, each with the next message in its system
 * buffer — the completion is the notification, and it carries the message.
 */
function* serveWaits(k: Kernel, ext: Extension) {
  for (;;) {
    yield* k.KeWaitForSingleObject(ext.work);
    for (;;) {
      const irp = yield* k.IoCsqRemoveNextIrp(ext.csq!, null);
      if (irp === null) break;
      const length = writeMessage(k, ext, irp.systemBuffer, k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.outputBufferLength);
      yield* finish(k, irp, STATUS.SUCCESS, length);
    }
  }
}

/**
 * The ring's producer, a system thread: for each message, waits until the consumer asks
 * (its event), writes the message of the size asked for into the section, *then*
 * publishes it by advancing the count, then sets the consumer's event. One message in
 * flight: an event never has two signals to keep.
 */
function* produce(k: Kernel, ext: Extension, published: KEvent, asked: KEvent, count: number) {
  for (let n = 0; n < count; n++) {
    yield* k.KeWaitForSingleObject(asked);
    // The size comes from memory the application writes: writeMessage caps it at the section's 1 MiB.
    writeMessage(k, ext, ext.view + STREAM_RING_DATA, readU32(k, ext.view + STREAM_RING_SIZE));
    writeU32(k, ext.view + STREAM_RING_WRITE, n + 1);
    k.KeSetEvent(published, IO_NO_INCREMENT, false);
  }
  ext.producing = false;
  yield* k.ObDereferenceObject(published);
  yield* k.ObDereferenceObject(asked);
}

/** Both events of RING_START, referenced with the requestor's mode (IO-10.2), or the failure. */
function referenceEvents(k: Kernel, irp: IrpRef): { status: number; events: KEvent[] } {
  const events: KEvent[] = [];
  for (const [offset, access] of [
    [0, EVENT_ACCESS.MODIFY_STATE],
    [4, ACCESS.SYNCHRONIZE],
  ] as const) {
    const referenced = k.ObReferenceObjectByHandle(readU32(k, irp.systemBuffer + offset), access, 'ExEventObjectType', irp.requestorMode);
    if (referenced.status !== STATUS.SUCCESS) return { status: referenced.status, events };
    events.push(referenced.object as KEvent);
  }
  return { status: STATUS.SUCCESS, events };
}

const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  switch (p.ioControlCode) {
    case IOCTL_STREAM_BUFFERED:
      return yield* finish(k, irp, STATUS.SUCCESS, writeMessage(k, ext, irp.systemBuffer, p.outputBufferLength));
    case IOCTL_STREAM_DIRECT: {
      const mdl = irp.mdlAddress as Mdl | null;
      if (mdl === null) return yield* finish(k, irp, STATUS.BUFFER_TOO_SMALL, 0);
      return yield* finish(k, irp, STATUS.SUCCESS, writeMessage(k, ext, k.MmGetSystemAddressForMdlSafe(mdl), mdl.byteCount));
    }
    case IOCTL_STREAM_WAIT:
      yield* k.IoCsqInsertIrp(ext.csq!, irp, null);
      k.KeSetEvent(ext.work, IO_NO_INCREMENT, false);
      return STATUS.PENDING;
    case IOCTL_STREAM_RING_START: {
      if (p.inputBufferLength < 12) return yield* finish(k, irp, STATUS.INVALID_PARAMETER, 0);
      if (ext.producing) return yield* finish(k, irp, STATUS.DEVICE_BUSY, 0);
      const count = readU32(k, irp.systemBuffer + 8);
      const { status, events } = referenceEvents(k, irp);
      if (status !== STATUS.SUCCESS) {
        for (const event of events) yield* k.ObDereferenceObject(event);
        return yield* finish(k, irp, status, 0);
      }
      ext.producing = true;
      writeU32(k, ext.view + STREAM_RING_WRITE, 0);
      // The thread owns the references now: it drops them when it has published `count`.
      k.PsCreateSystemThread('StreamRing producer', () => produce(k, ext, events[0]!, events[1]!, count));
      return yield* finish(k, irp, STATUS.SUCCESS, 0);
    }
    default:
      return yield* finish(k, irp, STATUS.INVALID_DEVICE_REQUEST, 0);
  }
};

/** IRP_MJ_CLEANUP: the closing file object's pended WAITs complete with STATUS_CANCELLED (IO-9.5). */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
  yield* cancelQueuedOf(k, ext.csq!, file);
  return yield* succeed(k, device, irp);
};

/**
 * \Device\Stream — a device whose next message is always ready, and four ways to carry its
 * messages to an application: a buffered IOCTL, a direct IOCTL, an inverted call (a pended
 * WAIT the device thread completes) and a shared section with an event each way. The
 * `mechanism-costs` lesson compares what each costs per message.
 */
export const messageStream = defineDriver({
  name: 'stream',
  description: 'Device \\\\.\\Stream and the section StreamRing: messages "message N...." of the size asked for (up to 1 MiB) by a buffered IOCTL, a direct IOCTL, an inverted call (WAIT pends until the device thread completes it) or a shared section with an event each way',
  serviceName: 'Stream',
  values: { IOCTL_STREAM_BUFFERED, IOCTL_STREAM_DIRECT, IOCTL_STREAM_WAIT, IOCTL_STREAM_RING_START, STREAM_RING_WRITE, STREAM_RING_SIZE, STREAM_RING_DATA, STREAM_MAX_MESSAGE },
  opens: ['\\\\.\\Stream'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Stream', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Stream', '\\Device\\Stream');
    if (linked !== STATUS.SUCCESS) return linked;
    const section = yield* k.ZwCreateSection({ name: '\\BaseNamedObjects\\StreamRing', size: STREAM_RING_DATA + STREAM_MAX_MESSAGE });
    if (section.status !== STATUS.SUCCESS) return section.status;
    const view = k.MmMapViewInSystemSpace(section.handle);
    if (view.status !== STATUS.SUCCESS) return view.status;
    const ext: Extension = { view: view.base, sent: 0, waits: [], lock: k.KeInitializeSpinLock('Stream lock'), work: k.KeInitializeEvent('synchronization'), csq: null, producing: false };
    ext.csq = csqQueue(k, ext.waits, ext.lock, { order: 'oldest' });
    created.device.extension = ext;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    k.PsCreateSystemThread('Stream device thread', () => serveWaits(k, ext));
    return STATUS.SUCCESS;
  },
});
