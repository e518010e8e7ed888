import { STATUS, type Routine } from '@irpsim/core';
import { expect } from 'vitest';
import { boot, type HarnessOptions } from './harness.ts';
import {
  CREATION,
  CTL_CODE,
  ERROR,
  FILE_ACCESS,
  FILE_FLAG_OVERLAPPED,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  OVERLAPPED,
  type CancelRoutine,
  type DispatchRoutine,
  type DriverEntry,
  type IrpRef,
  type Kernel,
  type Win32,
} from '../../src/index.ts';

/** The IOCTLs of the cancel test driver (METHOD_BUFFERED, any access). */
export const IOCTL = {
  /** Pend in the driver's queue with a cancel routine, armed in the safe order (B7). */
  PEND: CTL_CODE(0x22, 0x900, METHOD.BUFFERED, FILE_ACCESS.ANY),
  /** Pend without a cancel routine; completed with success after `completeAfterMs` (never when 0). */
  PEND_NO_ROUTINE: CTL_CODE(0x22, 0x901, METHOD.BUFFERED, FILE_ACCESS.ANY),
  /** Complete at once with success. */
  COMPLETE: CTL_CODE(0x22, 0x902, METHOD.BUFFERED, FILE_ACCESS.ANY),
} as const;

export interface CancelDriverOptions {
  /** `\Device\<name>` and `\??\<name>` (default Cancel). */
  readonly name?: string;
  /** When PEND_NO_ROUTINE requests complete (success, Information 0); 0 = never. */
  readonly completeAfterMs?: number;
  /** When a PEND request is taken off the queue by a timer DPC and completed with success; 0 = never. */
  readonly dequeueAfterMs?: number;
  /** The DPC completes the IRP even when IoSetCancelRoutine(NULL) returned NULL (the IO-6.3 bug). */
  readonly ignoreOwnership?: boolean;
  /** CLEANUP completes the FO's queued IRPs with STATUS_CANCELLED (default) or leaves them. */
  readonly cleanup?: 'cancel-queued' | 'ignore';
  /** A second timer DPC, on the other CPU, calls IoCancelIrp at this time: it races the dequeue DPC (IO-6.3). */
  readonly raceCancelAfterMs?: number;
  /** Simulated time the cancel routine takes between releasing the cancel lock and taking the queue lock (ns). */
  readonly cancelRoutineDelayNs?: number;
}

/** What the driver saw, in order. */
export interface CancelDriverLog {
  readonly events: string[];
  /** One entry per cancel routine call: the IRP, the IRQL it ran at, CancelIrql, the thread it ran in. */
  readonly cancels: { irp: number; irql: number; cancelIrql: number; tid: number | null; device: number | null }[];
  /** DPC dequeues that got NULL back from IoSetCancelRoutine (the cancel routine owned the IRP). */
  readonly lostRaces: number[];
  /** Every IoCompleteRequest the driver made, by IRP id. */
  readonly completions: { irp: number; status: number; by: string }[];
}

export function newLog(): CancelDriverLog {
  return { events: [], cancels: [], lostRaces: [], completions: [] };
}

/**
 * A driver that queues requests the way WDM drivers do without a cancel-safe queue: its
 * own list under its own spin lock, a cancel routine that releases the cancel lock,
 * takes the queue lock, unlinks the IRP if it is still there and completes it with
 * STATUS_CANCELLED (IO-6.2), and a CLEANUP that cancels the file object's queued IRPs
 * (IO-9.6).
 */
export function cancelDriver(log: CancelDriverLog, options: CancelDriverOptions = {}): DriverEntry {
  const name = options.name ?? 'Cancel';
  return function* (k, driver) {
    const { status } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS) return status;
    k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    const lock = k.KeInitializeSpinLock(`${name} queue lock`);
    const queue: IrpRef[] = [];

    const complete = function* (k: Kernel, irp: IrpRef, status: number, by: string) {
      log.completions.push({ irp: irp.id, status, by });
      irp.ioStatus.status = status;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    };

    const cancelRoutine: CancelRoutine = function* cancelQueued(k, device, irp) {
      log.cancels.push({ irp: irp.id, irql: k.KeGetCurrentIrql(), cancelIrql: irp.cancelIrql, tid: k._machine.currentThreadOrNull()?.id ?? null, device: device?.id ?? null });
      log.events.push(`cancel routine IRP ${irp.id}`);
      yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
      if (options.cancelRoutineDelayNs !== undefined) yield* k.schedulingPoint(options.cancelRoutineDelayNs);
      const old = yield* k.KeAcquireSpinLock(lock);
      unlink(queue, irp);
      yield* k.KeReleaseSpinLock(lock, old);
      yield* complete(k, irp, STATUS.CANCELLED, 'cancel routine');
    };

    const ok: DispatchRoutine = function* (k, _device, irp) {
      irp.ioStatus.status = STATUS.SUCCESS;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    driver.MajorFunction[IRP_MJ.CREATE] = ok;
    driver.MajorFunction[IRP_MJ.CLOSE] = function* (k, device, irp) {
      log.events.push(`CLOSE at ${k._machine.now / 1e6} ms`);
      return yield* ok(k, device, irp);
    };
    driver.MajorFunction[IRP_MJ.CLEANUP] = function* (k, device, irp) {
      log.events.push(`CLEANUP at ${k._machine.now / 1e6} ms`);
      if (options.cleanup !== 'ignore') {
        const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId;
        const old = yield* k.KeAcquireSpinLock(lock);
        const mine: IrpRef[] = [];
        for (const queued of [...queue]) {
          if (k.IoGetCurrentIrpStackLocation(queued).fileObjectId !== file) continue;
          // NULL: the cancel routine already owns it (IO-6.3).
          if (k.IoSetCancelRoutine(queued, null) === null) continue;
          unlink(queue, queued);
          mine.push(queued);
        }
        yield* k.KeReleaseSpinLock(lock, old);
        for (const queued of mine) yield* complete(k, queued, STATUS.CANCELLED, 'cleanup');
      }
      return yield* ok(k, device, irp);
    };

    const pendQueued: DispatchRoutine = function* (k, _device, irp) {
      const old = yield* k.KeAcquireSpinLock(lock);
      k.IoMarkIrpPending(irp);
      queue.push(irp);
      k.IoSetCancelRoutine(irp, cancelRoutine);
      // Cancel is tested after the routine is set (B7): earlier, a cancel could be lost.
      if (irp.cancel && k.IoSetCancelRoutine(irp, null) !== null) {
        unlink(queue, irp);
        yield* k.KeReleaseSpinLock(lock, old);
        yield* complete(k, irp, STATUS.CANCELLED, 'dispatch');
        return STATUS.PENDING;
      }
      yield* k.KeReleaseSpinLock(lock, old);
      if (options.dequeueAfterMs !== undefined && options.dequeueAfterMs > 0) armDequeue(k, irp, options.dequeueAfterMs);
      if (options.raceCancelAfterMs !== undefined) armCancel(k, irp, options.raceCancelAfterMs);
      return STATUS.PENDING;
    };

    /** A timer DPC that takes the IRP off the queue and completes it — unless the cancel routine owns it. */
    const armDequeue = (k: Kernel, irp: IrpRef, ms: number) => {
      const timer = k.KeInitializeTimerEx(`dequeue IRP ${irp.id}`);
      const dpc = k.KeInitializeDpc(`dequeue IRP ${irp.id}`, function* () {
        yield* k.KeAcquireSpinLockAtDpcLevel(lock);
        if (!unlink(queue, irp)) {
          yield* k.KeReleaseSpinLockFromDpcLevel(lock);
          return;
        }
        const previous = k.IoSetCancelRoutine(irp, null);
        yield* k.KeReleaseSpinLockFromDpcLevel(lock);
        if (previous === null) {
          // IoCancelIrp took the routine first: the cancel routine completes it.
          log.lostRaces.push(irp.id);
          if (!options.ignoreOwnership) return;
        }
        yield* complete(k, irp, STATUS.SUCCESS, 'dpc');
      });
      k.KeSetTimer(timer, -ms * 10_000, dpc);
    };

    /** A timer DPC on CPU 1 that calls IoCancelIrp: a kernel-side stand-in for CancelIoEx arriving at the same instant. */
    const armCancel = (k: Kernel, irp: IrpRef, ms: number) => {
      const timer = k.KeInitializeTimerEx(`cancel IRP ${irp.id}`);
      const dpc = k.KeInitializeDpc(`cancel IRP ${irp.id}`, function* () {
        if (log.completions.some((c) => c.irp === irp.id)) return; // already gone
        log.events.push(`IoCancelIrp ${irp.id}: ${(yield* k.IoCancelIrp(irp)) ? 'routine called' : 'no routine'}`);
      });
      k.KeSetTargetProcessorDpc(dpc, 1);
      k.KeSetTimer(timer, -ms * 10_000, dpc);
    };

    const pendWithoutRoutine: DispatchRoutine = function* (k, _device, irp) {
      k.IoMarkIrpPending(irp);
      const ms = options.completeAfterMs ?? 0;
      if (ms > 0) {
        const timer = k.KeInitializeTimerEx(`complete IRP ${irp.id}`);
        const dpc = k.KeInitializeDpc(`complete IRP ${irp.id}`, function* () {
          yield* complete(k, irp, STATUS.SUCCESS, 'timer');
        });
        k.KeSetTimer(timer, -ms * 10_000, dpc);
      }
      return STATUS.PENDING;
    };

    driver.MajorFunction[IRP_MJ.READ] = pendQueued;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, device, irp) {
      const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
      if (code === IOCTL.PEND) return yield* pendQueued(k, device, irp);
      if (code === IOCTL.PEND_NO_ROUTINE) return yield* pendWithoutRoutine(k, device, irp);
      return yield* ok(k, device, irp);
    };
    return STATUS.SUCCESS;
  };
}

/** Takes `irp` out of `queue`; false when it was not there. */
function unlink(queue: IrpRef[], irp: IrpRef): boolean {
  const i = queue.indexOf(irp);
  if (i < 0) return false;
  queue.splice(i, 1);
  return true;
}

/** Opens `\\.\<name>` for reading and writing, overlapped or not. */
export const open = (u: Win32, overlapped: boolean, name = 'Cancel') => u.CreateFile(`\\\\.\\${name}`, 0xc0000000, 0, CREATION.OPEN_EXISTING, overlapped ? FILE_FLAG_OVERLAPPED : 0);

/** The simulated time in milliseconds. */
export const ms = (u: Win32) => u._io.machine.now / 1e6;

/** An overlapped IOCTL that pends (FALSE, ERROR_IO_PENDING): returns the OVERLAPPED's address. */
export function* pendIoctl(u: Win32, h: number, code: number = IOCTL.PEND) {
  const ov = u.scratch(OVERLAPPED.size);
  const ok = yield* u.DeviceIoControl(h, code, 0, 0, 0, 0, 0, ov);
  expect(ok).toBe(false);
  expect(u.GetLastError()).toBe(ERROR.IO_PENDING);
  return ov;
}

/** Completes the IRP with STATUS_SUCCESS and Information 0. */
export const completeOk: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.SUCCESS;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return STATUS.SUCCESS;
};

/** A driver with one device, `\\Device\\<name>` linked as `\\??\\<name>`: CREATE, CLEANUP and CLOSE succeed, DEVICE_CONTROL is `deviceControl`. */
export function oneDeviceDriver(name: string, deviceControl: DispatchRoutine): DriverEntry {
  return function* (k, driver) {
    const { status } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (status !== STATUS.SUCCESS) return status;
    k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    driver.MajorFunction[IRP_MJ.CREATE] = completeOk;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeOk;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeOk;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = deviceControl;
    return STATUS.SUCCESS;
  };
}

/** Boots `drivers` and one user thread, `app`, running `body`; its result is `results['app']`. */
export function runApp(drivers: HarnessOptions['drivers'], body: (u: Win32) => Routine<unknown>, options: Omit<HarnessOptions, 'drivers' | 'threads'> = {}) {
  return boot({ ...options, drivers, threads: [{ name: 'app', body }] });
}
