import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import {
  DO,
  IO_NO_INCREMENT,
  IRP_MJ,
  IoCsqIrpContext,
  METHOD,
  type CancelRoutine,
  type CompletionRoutine,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
  type IoCsq,
  type IrpRef,
  type Kernel,
  type Mdl,
} from '../../src/index.ts';

/**
 * A randomly assembled *correct* device stack for the model-based test: a bottom driver
 * (`\Device\Model`) that answers every READ, WRITE and DEVICE_CONTROL as the test tells it
 * — at once, or held in a cancellable queue (its own list and cancel routine, or an
 * IoCsq) until a timer DPC completes it — under 0–2 filters that pass requests down with
 * IoSkipCurrentIrpStackLocation or with a completion routine that propagates pending.
 */
export interface StackShape {
  /** The bottom device's DO_BUFFERED_IO / DO_DIRECT_IO / neither for READ and WRITE (IO-4.1); filters copy it. */
  readonly buffering: 'buffered' | 'direct' | 'neither';
  /** How held requests are made cancellable: a cancel routine over the driver's own list (IO-6.2/6.3), or IoCsq (IO-6.4). */
  readonly queueing: 'routine' | 'csq';
  /** CLEANUP completes the file object's held requests with STATUS_CANCELLED, or leaves them (IO-6.5: CloseHandle does not cancel). */
  readonly cleanup: 'cancel-queued' | 'leave';
  /** Filters above the bottom, bottom first. */
  readonly filters: readonly ('skip' | 'routine')[];
}

/** How the bottom driver answers the next request it sees. */
export interface Answer {
  /** The model's request number (the driver reports the IRP it got for it). */
  readonly request: number;
  readonly status: NtStatus;
  readonly information: number;
  /** Bytes of PATTERN the driver writes into the request's output in its dispatch routine. */
  readonly output: number;
  /** 'now': complete in the dispatch routine; 'hold': queue until `fire`; a number: queue and complete that many ms later. */
  readonly pend: 'now' | 'hold' | number;
}

/** The byte the driver writes into outputs. */
export const PATTERN = 0x5a;

/** The test's side of the stack: answers in, the driver's observations out. */
export class ModelDevice {
  /** The answer for the next READ / WRITE / DEVICE_CONTROL; the driver takes it (and fails loudly without one). */
  next: Answer | null = null;
  /** IRP id by request number. */
  readonly irpOf = new Map<number, number>();
  /** What the driver found in each request, by request number: its lengths and the caller's input bytes (IO-3.1, IO-3.4, IO-4.2, IO-4.4). */
  readonly seen = new Map<number, { major: number; length: number; inputLength: number; input: number[] }>();
  /** Every IoCompleteRequest the bottom driver made, by IRP id. */
  readonly completions = new Map<number, { status: NtStatus; information: number; by: string }[]>();
  /** CREATE / CLEANUP / CLOSE seen by the bottom, by file object id. */
  readonly lifecycle = new Map<number, number[]>();
  /** Completion-routine calls per filter. */
  readonly routineCalls: number[] = [];
  /** Requests the driver still holds, by request number: `fire` completes them. */
  readonly timers = new Map<number, (delay100ns: number) => void>();

  /**
   * The "hardware": a timer DPC on CPU 1 completes held request `request` after `delay100ns`
   * (default 1 ms), unless its cancellation got there first (IO-6.3).
   */
  fire(request: number, delay100ns = 10_000): void {
    const arm = this.timers.get(request);
    if (arm === undefined) throw new Error(`request ${request} is not held`);
    this.timers.delete(request);
    arm(delay100ns);
  }
}

/** The drivers of the stack: `Bottom`, then `Filter0`, `Filter1` attached in that order. */
export function modelStack(shape: StackShape, device: ModelDevice): Record<string, DriverEntry> {
  const devices: DeviceRef[] = [];
  const drivers: Record<string, DriverEntry> = { Bottom: bottomDriver(shape, device, (d) => devices.push(d)) };
  shape.filters.forEach((kind, i) => {
    drivers[`Filter${i}`] = filterDriver(kind, () => devices[0]!, watching(device.routineCalls, i));
  });
  return drivers;
}

function bottomDriver(shape: StackShape, log: ModelDevice, onDevice: (d: DeviceRef) => void): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Model' });
    if (device === null) return status;
    k.IoCreateSymbolicLink('\\??\\Model', '\\Device\\Model');
    device.flags |= shape.buffering === 'buffered' ? DO.BUFFERED_IO : shape.buffering === 'direct' ? DO.DIRECT_IO : 0;
    onDevice(device);
    const lock = k.KeInitializeSpinLock('model queue lock');
    const list: IrpRef[] = [];

    const complete = function* (k: Kernel, irp: IrpRef, status: NtStatus, information: number, by: string): Routine<void> {
      const seen = log.completions.get(irp.id) ?? [];
      seen.push({ status, information, by });
      log.completions.set(irp.id, seen);
      irp.ioStatus.status = status;
      irp.ioStatus.information = information;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    };

    // ── the driver's own queue: cancel routine armed in the safe order (B7, IO-6.2, IO-6.3) ──
    const cancelRoutine: CancelRoutine = function* cancelQueued(k, _device, irp) {
      yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
      const old = yield* k.KeAcquireSpinLock(lock);
      unlink(list, irp);
      yield* k.KeReleaseSpinLock(lock, old);
      yield* complete(k, irp, STATUS.CANCELLED, 0, 'cancel routine');
    };
    // ── or a cancel-safe queue over the same list (IO-6.4) ──
    const csq: IoCsq = k.IoCsqInitialize({
      insert: (_csq, irp) => void list.push(irp),
      remove: (_csq, irp) => void unlink(list, irp),
      peekNext: (_csq, irp, file) => {
        for (let i = irp === null ? 0 : list.indexOf(irp) + 1; i < list.length; i++) {
          if (file === null || k.IoGetCurrentIrpStackLocation(list[i]!).fileObjectId === file) return list[i]!;
        }
        return null;
      },
      acquireLock: () => k.KeAcquireSpinLock(lock),
      releaseLock: (_csq, irql) => k.KeReleaseSpinLock(lock, irql),
      completeCanceledIrp: (_csq, irp) => complete(k, irp, STATUS.CANCELLED, 0, 'CsqCompleteCanceledIrp'),
    });

    /** Marks the IRP pending and queues it, cancellable; one cancelled on the way in is completed at once (B7). */
    function* hold(k: Kernel, irp: IrpRef, context: IoCsqIrpContext): Routine<void> {
      if (shape.queueing === 'csq') {
        yield* k.IoCsqInsertIrp(csq, irp, context);
        return;
      }
      const old = yield* k.KeAcquireSpinLock(lock);
      k.IoMarkIrpPending(irp);
      list.push(irp);
      k.IoSetCancelRoutine(irp, cancelRoutine);
      if (irp.cancel && k.IoSetCancelRoutine(irp, null) !== null) {
        unlink(list, irp);
        yield* k.KeReleaseSpinLock(lock, old);
        yield* complete(k, irp, STATUS.CANCELLED, 0, 'dispatch');
        return;
      }
      yield* k.KeReleaseSpinLock(lock, old);
    }

    /** Takes a held IRP back to complete it; null when the cancel routine owns it (IO-6.3) or it is gone. */
    function* take(k: Kernel, irp: IrpRef, context: IoCsqIrpContext): Routine<IrpRef | null> {
      if (shape.queueing === 'csq') return yield* k.IoCsqRemoveIrp(csq, context);
      const old = yield* k.KeAcquireSpinLock(lock);
      if (!unlink(list, irp)) {
        yield* k.KeReleaseSpinLock(lock, old);
        return null;
      }
      const previous = k.IoSetCancelRoutine(irp, null);
      yield* k.KeReleaseSpinLock(lock, old);
      return previous === null ? null : irp;
    }

    const answered: DispatchRoutine = function* (k, _device, irp) {
      const answer = log.next;
      log.next = null;
      if (answer === null) throw new Error('the model device got a request it had no answer for');
      log.irpOf.set(answer.request, irp.id);
      log.seen.set(answer.request, readInput(k, irp));
      writeOutput(k, irp, answer.output);
      if (answer.pend === 'now') {
        yield* complete(k, irp, answer.status, answer.information, 'dispatch');
        return answer.status;
      }
      const context = new IoCsqIrpContext();
      const timer = k.KeInitializeTimerEx(`complete request ${answer.request}`);
      const dpc = k.KeInitializeDpc(`complete request ${answer.request}`, function* () {
        const mine = yield* take(k, irp, context);
        if (mine !== null) yield* complete(k, mine, answer.status, answer.information, 'dpc');
      });
      k.KeSetTargetProcessorDpc(dpc, 1); // beside the app's threads: a cancel can race it
      const arm = (delay100ns: number) => k.KeSetTimer(timer, -delay100ns, dpc);
      yield* hold(k, irp, context);
      if (answer.pend === 'hold') log.timers.set(answer.request, arm);
      else arm(answer.pend * 10_000);
      return STATUS.PENDING;
    };

    const lifecycle = (major: number): DispatchRoutine =>
      function* (k, _device, irp) {
        const file = k.IoGetCurrentIrpStackLocation(irp).fileObjectId ?? 0;
        log.lifecycle.set(file, [...(log.lifecycle.get(file) ?? []), major]);
        if (major === IRP_MJ.CLEANUP && shape.cleanup === 'cancel-queued') yield* cancelQueuedOf(k, file);
        yield* complete(k, irp, STATUS.SUCCESS, 0, 'dispatch');
        return STATUS.SUCCESS;
      };

    /** CLEANUP: the file object's held requests are completed with STATUS_CANCELLED (IO-9.6), ownership respected. */
    function* cancelQueuedOf(k: Kernel, file: number): Routine<void> {
      if (shape.queueing === 'csq') {
        for (let irp = yield* k.IoCsqRemoveNextIrp(csq, file); irp !== null; irp = yield* k.IoCsqRemoveNextIrp(csq, file)) {
          yield* complete(k, irp, STATUS.CANCELLED, 0, 'cleanup');
        }
        return;
      }
      const old = yield* k.KeAcquireSpinLock(lock);
      const mine: IrpRef[] = [];
      for (const queued of [...list]) {
        if (k.IoGetCurrentIrpStackLocation(queued).fileObjectId !== file) continue;
        if (k.IoSetCancelRoutine(queued, null) === null) continue;
        unlink(list, queued);
        mine.push(queued);
      }
      yield* k.KeReleaseSpinLock(lock, old);
      for (const irp of mine) yield* complete(k, irp, STATUS.CANCELLED, 0, 'cleanup');
    }

    for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]) driver.MajorFunction[major] = lifecycle(major);
    for (const major of [IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL]) driver.MajorFunction[major] = answered;
    return STATUS.SUCCESS;
  };
}

/** The request's lengths and its input bytes where the driver finds them: system buffer, MDL, or a raw user pointer probed first (IO-3.8). */
function readInput(k: Kernel, irp: IrpRef): { major: number; length: number; inputLength: number; input: number[] } {
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const major = sl.majorFunction;
  if (major === IRP_MJ.DEVICE_CONTROL) {
    const p = sl.parameters.deviceIoControl;
    const raw = (p.ioControlCode & 3) === METHOD.NEITHER;
    const at = raw ? p.type3InputBuffer : irp.systemBuffer;
    if (raw && p.inputBufferLength > 0) k.ProbeForRead(at, p.inputBufferLength, 1);
    const input = p.inputBufferLength > 0 ? [...k.readMemory(at, p.inputBufferLength)] : [];
    return { major, length: p.outputBufferLength, inputLength: p.inputBufferLength, input };
  }
  const length = major === IRP_MJ.READ ? sl.parameters.read.length : sl.parameters.write.length;
  if (major !== IRP_MJ.WRITE || length === 0) return { major, length, inputLength: 0, input: [] };
  let at = irp.userBuffer;
  if (irp.systemBuffer !== 0) at = irp.systemBuffer;
  else if (irp.mdlAddress !== null) at = k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Mdl);
  else k.ProbeForRead(at, length, 1);
  return { major, length, inputLength: 0, input: [...k.readMemory(at, length)] };
}

/** Writes `length` bytes of PATTERN where the request's output is: system buffer, MDL, or raw user pointer (a NEITHER IOCTL, a read on a neither device), in the caller's context. */
function writeOutput(k: Kernel, irp: IrpRef, length: number): void {
  if (length === 0) return;
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const bytes = new Uint8Array(length).fill(PATTERN);
  const method = sl.majorFunction === IRP_MJ.DEVICE_CONTROL ? sl.parameters.deviceIoControl.ioControlCode & 3 : -1;
  if (irp.systemBuffer !== 0 && method !== METHOD.OUT_DIRECT && method !== METHOD.NEITHER) k.writeMemory(irp.systemBuffer, bytes);
  else if (irp.mdlAddress !== null) k.writeMemory(k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Mdl), bytes);
  else {
    // A raw user pointer: a correct driver probes it first (IO-3.8; it is valid, so the probe does not raise).
    if (irp.requestorMode === 'UserMode') k.ProbeForWrite(irp.userBuffer, length, 1);
    k.writeMemory(irp.userBuffer, bytes);
  }
}

/** A filter's completion routine: propagates pending as IO-5.13 requires and counts its calls. */
const watching = (calls: number[], index: number): CompletionRoutine =>
  function* (k, _device, irp) {
    calls[index] = (calls[index] ?? 0) + 1;
    if (irp.pendingReturned) k.IoMarkIrpPending(irp);
    return STATUS.SUCCESS;
  };

/** A filter attached to the stack of `target`: copies the buffering flags of the device below (IO-4.1) and passes every request down. */
function filterDriver(kind: 'skip' | 'routine', target: () => DeviceRef, routine: CompletionRoutine): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, {});
    if (device === null) return status;
    const lower = k.IoAttachDeviceToDeviceStack(device, target());
    device.flags |= lower.flags & (DO.BUFFERED_IO | DO.DIRECT_IO);
    const pass: DispatchRoutine = function* (k, _device, irp) {
      if (kind === 'skip') k.IoSkipCurrentIrpStackLocation(irp);
      else {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, routine, null, true, true, true);
      }
      return yield* k.IoCallDriver(lower, irp);
    };
    for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.READ, IRP_MJ.WRITE, IRP_MJ.DEVICE_CONTROL]) driver.MajorFunction[major] = pass;
    return STATUS.SUCCESS;
  };
}

function unlink(list: IrpRef[], irp: IrpRef): boolean {
  const i = list.indexOf(irp);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
