import { EVENT_ACCESS, STATUS, encodeUtf8, type KDpc, type KEvent, type KInterrupt } from '@irpsim/core';
import { CTL_CODE, DO, FILE_ACCESS, FILE_DEVICE, IO_NO_INCREMENT, IRP_MJ, METHOD, type DispatchRoutine, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { defineDriver } from '../defineDriver.ts';
import { succeed } from './driverHelpers.ts';
import { SimulatedHardware } from './SimulatedHardware.ts';

/** Starts a burst of 8 samples; the input is the HANDLE (4 bytes) of an event the DPC signals once all 8 are in. */
export const IOCTL_SAMPLER_START = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x860, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Returns the samples the DPCs delivered, in order (METHOD_BUFFERED). */
export const IOCTL_SAMPLER_READ = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x861, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Returns, as text, how many interrupts there were, how many DPC runs, how many KeInsertQueueDpc calls found the DPC already queued. */
export const IOCTL_SAMPLER_STATS = CTL_CODE(FILE_DEVICE.UNKNOWN, 0x862, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** Samples in a burst: the bytes `A` … `H`. */
const SAMPLES = 8;
/** The hardware produces one sample every 1.2 µs (never at the instant an earlier interrupt is delivered) … */
const PERIOD = 1_200;
/** … and the DPC's work on a batch takes 4.5 µs: interrupts come faster than the DPC runs. */
const DPC_WORK = 4_500;
const SAMPLER_DIRQL = 6;

/** The device's one register: a FIFO of samples the ISR has not read yet. */
interface Registers {
  readonly fifo: number[];
}

interface Extension {
  readonly hw: SimulatedHardware<Registers>;
  interrupt: KInterrupt | null;
  readonly dpc: KDpc;
  /** Samples the ISR took from the device and no DPC has taken yet: accumulated, never overwritten (C30). */
  readonly pending: number[];
  /** Samples the DPCs delivered, in order. */
  readonly delivered: number[];
  event: KEvent | null;
  eventFile: number | null;
  interrupts: number;
  dpcRuns: number;
  /** KeInsertQueueDpc calls that returned FALSE: the DPC was already queued. */
  coalesced: number;
}

/** The hardware: one sample every PERIOD, each pushed into the FIFO with an interrupt. */
function burst(ext: Extension): void {
  for (let i = 0; i < SAMPLES; i++) {
    ext.hw.after(PERIOD * (i + 1), () => {
      ext.hw.registers.fifo.push(0x41 + i);
      ext.hw.interrupt(ext.interrupt!);
    });
  }
}

/** The ISR, at DIRQL: drains the FIFO into `pending`, then queues the DPC — which may already be queued (C29, C30). */
function* isr(k: Kernel, ext: Extension) {
  const fifo = ext.hw.registers.fifo;
  if (fifo.length === 0) return false; // not this device's interrupt
  ext.pending.push(...fifo.splice(0));
  ext.interrupts++;
  if (!k.KeInsertQueueDpc(ext.dpc)) {
    ext.coalesced++;
    k.DbgPrint(`ISR: KeInsertQueueDpc returns FALSE - the DPC is already queued; ${ext.pending.length} samples wait for it`);
  }
  yield* k.schedulingPoint();
  return true;
}

/**
 * The DPC, at DISPATCH_LEVEL: takes every sample the ISRs accumulated — under the interrupt
 * spin lock, KeSynchronizeExecution (C32) — works on the batch, and signals the
 * application's event once the whole burst is in (KeSetEvent, C12).
 */
function* dpc(k: Kernel, ext: Extension) {
  ext.dpcRuns++;
  const batch = yield* k.KeSynchronizeExecution(ext.interrupt!, function* () {
    yield* k.schedulingPoint();
    return ext.pending.splice(0);
  });
  k.DbgPrint(`DPC run ${ext.dpcRuns} takes ${batch.length} sample(s) at once`);
  yield* k.schedulingPoint(DPC_WORK);
  ext.delivered.push(...batch);
  if (ext.delivered.length === SAMPLES && ext.event !== null) {
    k.DbgPrint('DPC: the burst is complete, KeSetEvent');
    k.KeSetEvent(ext.event, IO_NO_INCREMENT, false);
  }
}

/** Completes `irp` with `status` and the bytes `out` (cut to the output length). */
function* finish(k: Kernel, irp: IrpRef, status: number, out: Uint8Array = new Uint8Array(0)) {
  const length = Math.min(out.length, k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.outputBufferLength);
  if (length > 0) k.writeMemory(irp.systemBuffer, out.subarray(0, length));
  irp.ioStatus.status = status;
  irp.ioStatus.information = length;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
}

const deviceControl: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
  switch (p.ioControlCode) {
    case IOCTL_SAMPLER_START: {
      if (p.inputBufferLength < 4) return yield* finish(k, irp, STATUS.INVALID_PARAMETER);
      if (ext.event !== null) return yield* finish(k, irp, STATUS.DEVICE_BUSY);
      const handle = new DataView(k.readMemory(irp.systemBuffer, 4).buffer).getUint32(0, true);
      const referenced = k.ObReferenceObjectByHandle(handle, EVENT_ACCESS.MODIFY_STATE, 'ExEventObjectType', irp.requestorMode);
      if (referenced.status !== STATUS.SUCCESS) return yield* finish(k, irp, referenced.status);
      ext.event = referenced.object as KEvent;
      ext.eventFile = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
      k.DbgPrint(`starts a burst of ${SAMPLES} samples, one every 1.2 µs; the DPC's work takes 4.5 µs`);
      burst(ext);
      return yield* finish(k, irp, STATUS.SUCCESS);
    }
    case IOCTL_SAMPLER_READ:
      return yield* finish(k, irp, STATUS.SUCCESS, Uint8Array.from(ext.delivered));
    case IOCTL_SAMPLER_STATS:
      return yield* finish(k, irp, STATUS.SUCCESS, encodeUtf8(`${ext.interrupts} interrupts, ${ext.dpcRuns} DPC runs, ${ext.coalesced} coalesced`));
    default:
      return yield* finish(k, irp, STATUS.INVALID_DEVICE_REQUEST);
  }
};

/** IRP_MJ_CLEANUP: the file object that started the burst closes — drop the event reference. */
const cleanup: DispatchRoutine = function* (k, device, irp) {
  const ext = device.extension as Extension;
  if (ext.event !== null && ext.eventFile === k.IoGetCurrentIrpStackLocation(irp).fileObjectId) {
    const event = ext.event;
    ext.event = null;
    yield* k.ObDereferenceObject(event);
  }
  return yield* succeed(k, device, irp);
};

/**
 * \Device\Sampler — interrupts faster than the DPC: simulated hardware produces a sample
 * every 1.2 µs and interrupts each time; the ISR accumulates samples and queues one
 * DPC, and KeInsertQueueDpc refuses while that DPC is queued, so several interrupts share
 * one DPC run. The DPC signals the application's event when the burst is complete.
 */
export const sampler = defineDriver({
  name: 'sampler',
  description: 'Device \\\\.\\Sampler: hardware interrupts every 1.2 µs, the DPC needs 4.5 µs - DPC requests coalesce (KeInsertQueueDpc returns FALSE); the DPC signals the app\'s event when all 8 samples are in',
  serviceName: 'Sampler',
  values: { IOCTL_SAMPLER_START, IOCTL_SAMPLER_READ, IOCTL_SAMPLER_STATS },
  opens: ['\\\\.\\Sampler'],
  *DriverEntry(k, driver) {
    const created = k.IoCreateDevice(driver, { deviceName: '\\Device\\Sampler', deviceType: FILE_DEVICE.UNKNOWN });
    if (created.device === null) return created.status;
    created.device.flags |= DO.BUFFERED_IO;
    const ext: Extension = {
      hw: new SimulatedHardware<Registers>(k, 'Sampler', { fifo: [] }),
      interrupt: null,
      dpc: k.KeInitializeDpc('Sampler DPC', () => dpc(k, ext)),
      pending: [],
      delivered: [],
      event: null,
      eventFile: null,
      interrupts: 0,
      dpcRuns: 0,
      coalesced: 0,
    };
    // One CPU takes the interrupt and runs the DPC, so the DPC never runs on two CPUs at once.
    ext.interrupt = k.IoConnectInterrupt('Sampler', SAMPLER_DIRQL, () => isr(k, ext), [0]);
    k.KeSetTargetProcessorDpc(ext.dpc, 0);
    created.device.extension = ext;
    const linked = k.IoCreateSymbolicLink('\\DosDevices\\Sampler', '\\Device\\Sampler');
    if (linked !== STATUS.SUCCESS) return linked;
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  },
});
