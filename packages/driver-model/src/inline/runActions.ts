import { STATUS, hex, statusName, type KEvent, type NtStatus, type Routine } from '@irpsim/core';
import { IO_NO_INCREMENT, type CompletionRoutine, type DeviceRef, type IrpRef, type Kernel } from '@irpsim/io-manager';
import { showBytes } from '../catalogue/driverHelpers.ts';
import type { Amount, CompleteQueuedAction, DeferredAction, ForwardAction, InlineAction, LengthName } from './InlineDriverSpec.ts';
import type { InlineExtension } from './inlineExtension.ts';
import type { QueuePeek } from './inlineQueue.ts';
import { requestBuffers, type Reach, type RequestBuffers } from './requestBuffers.ts';

/** EVENT_MODIFY_STATE: what KeSetEvent needs of a handle the caller passes (IO-10.2). */
const EVENT_MODIFY_STATE = 0x2;

/** One request being dispatched: the IRP, where its buffers are, and what the routine will return. */
interface Request {
  readonly k: Kernel;
  readonly device: DeviceRef;
  readonly irp: IrpRef;
  readonly ext: InlineExtension;
  readonly buffers: RequestBuffers;
  /** The dispatch routine's return value so far. */
  result: NtStatus;
  /** Set by `return:`: the value returned whatever else happened. */
  forced: NtStatus | null;
}

/** What ends an action list early: a failed check completed the request. */
const STOP = Symbol('stop');

/**
 * A dispatch routine's body: runs the list in order. It returns what `return:` says, else
 * the status it completed with, STATUS_PENDING after `pend`, or what IoCallDriver returned
 * after `forward`; a list that does none of these returns STATUS_SUCCESS (and loses the IRP).
 */
export function* runRequest(k: Kernel, device: DeviceRef, irp: IrpRef, actions: readonly InlineAction[]): Routine<NtStatus> {
  const ext = device.extension as InlineExtension;
  const r: Request = { k, device, irp, ext, buffers: requestBuffers(k, irp, device.flags), result: STATUS.SUCCESS, forced: null };
  for (const action of actions) {
    if ((yield* runOne(r, action)) === STOP) break;
  }
  return r.forced ?? r.result;
}

/** Completes the request with `status` and Information 0: a failed check. */
function* fail(r: Request, status: NtStatus): Routine<typeof STOP> {
  r.irp.ioStatus.status = status;
  r.irp.ioStatus.information = 0;
  yield* r.k.IoCompleteRequest(r.irp, IO_NO_INCREMENT);
  r.result = status;
  return STOP;
}

const amount = (r: Request, a: Amount): number => (typeof a === 'number' ? a : r.buffers.lengths[a]);

/** Reads a caller buffer, probing a raw user pointer first (inside the caller's __try). */
function readReach(k: Kernel, reach: Reach, length: number): Uint8Array {
  if (reach.probe) k.ProbeForRead(reach.address, reach.length, 1);
  return k.readMemory(reach.address, length);
}

function writeReach(k: Kernel, reach: Reach, bytes: Uint8Array, offset = 0): void {
  if (reach.probe) k.ProbeForWrite(reach.address, reach.length, 1);
  k.writeMemory(reach.address + offset, bytes);
}

function* runOne(r: Request, action: InlineAction): Routine<typeof STOP | void> {
  const { k, irp } = r;
  switch (action.action) {
    case 'require': {
      const value = r.buffers.lengths[action.field];
      const low = action.atLeast === null ? null : amount(r, action.atLeast);
      const high = action.atMost === null ? null : amount(r, action.atMost);
      if ((low === null || value >= low) && (high === null || value <= high)) return;
      k.DbgPrint(`${action.field} ${value} is ${low !== null && value < low ? `less than ${low}` : `more than ${String(high)}`}: fails the request with ${statusName(action.otherwise)}`);
      return yield* fail(r, action.otherwise);
    }
    case 'copy':
      try {
        const { input, output } = r.buffers;
        const source = action.from === 'input' ? (input === null ? new Uint8Array(0) : readReach(k, input, input.length)) : r.ext.store;
        const room = action.to === 'output' ? (output?.length ?? 0) : source.length;
        const bytes = source.slice(0, room);
        if (action.to === 'store') r.ext.store = bytes;
        else if (output !== null && bytes.length > 0) writeReach(k, output, bytes);
        irp.ioStatus.information = bytes.length;
        k.DbgPrint(`copies ${bytes.length} bytes from the ${action.from === 'input' ? 'input' : 'device store'} to the ${action.to === 'output' ? 'output' : 'device store'}: ${showBytes(bytes)}; Information = ${bytes.length}`);
      } catch (error) {
        return yield* fail(r, k.GetExceptionCode(error));
      }
      return;
    case 'write':
      try {
        const output = r.buffers.output;
        const room = Math.max(0, (output?.length ?? 0) - action.offset);
        const bytes = action.bytes.subarray(0, room);
        if (output !== null && bytes.length > 0) writeReach(k, output, bytes, action.offset);
        irp.ioStatus.information = bytes.length === 0 ? 0 : action.offset + bytes.length;
        k.DbgPrint(`writes ${bytes.length} bytes at offset ${action.offset} of the output: ${showBytes(bytes)}`);
      } catch (error) {
        return yield* fail(r, k.GetExceptionCode(error));
      }
      return;
    case 'information':
      irp.ioStatus.information = amount(r, action.value);
      return;
    case 'complete':
      irp.ioStatus.status = action.status;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      r.result = action.status;
      return;
    case 'return':
      r.forced = action.status;
      return;
    case 'pend':
      k.DbgPrint(`queues IRP ${irp.id} in the cancel-safe queue ${action.queue} (IoCsqInsertIrp marks it pending)`);
      yield* k.IoCsqInsertIrp(r.ext.queues.get(action.queue)!, irp, null);
      r.result = STATUS.PENDING;
      return;
    case 'forward':
      r.result = yield* forward(r, action);
      return;
    case 'reference-event': {
      const input = r.buffers.input;
      if (input === null || input.length < 4) {
        k.DbgPrint('reference-event: the input holds no 4-byte handle');
        return yield* fail(r, STATUS.INVALID_PARAMETER);
      }
      let handle: number;
      try {
        handle = new DataView(readReach(k, input, 4).slice().buffer).getUint32(0, true);
      } catch (error) {
        return yield* fail(r, k.GetExceptionCode(error));
      }
      // In the caller's context, with its mode: a user handle is checked for type and access.
      const referenced = k.ObReferenceObjectByHandle(handle, EVENT_MODIFY_STATE, 'ExEventObjectType', irp.requestorMode);
      if (referenced.object === null) {
        k.DbgPrint(`ObReferenceObjectByHandle(${hex(handle)}) fails with ${statusName(referenced.status)}`);
        return yield* fail(r, referenced.status);
      }
      const previous = r.ext.events.get(action.event);
      r.ext.events.set(action.event, referenced.object as KEvent);
      k.DbgPrint(`keeps the event behind handle ${hex(handle)} as ${action.event}`);
      if (previous !== undefined) yield* k.ObDereferenceObject(previous);
      return;
    }
    default:
      yield* runDeferred(k, r.ext, [action], r);
  }
}

/** Passes the request to the device below, with or without a completion routine (IO-5.4, IO-5.13). */
function* forward(r: Request, action: ForwardAction): Routine<NtStatus> {
  const { k, irp, ext } = r;
  const lower = ext.lower!;
  const c = action.completion;
  if (c === null) {
    k.IoSkipCurrentIrpStackLocation(irp);
    return yield* k.IoCallDriver(lower, irp);
  }
  const routine: CompletionRoutine = function* (kc, _device, done) {
    yield* runDeferred(kc, ext, c.then, { irp: done });
    if (c.propagatePending && done.pendingReturned) kc.IoMarkIrpPending(done);
    return STATUS.SUCCESS; // STATUS_CONTINUE_COMPLETION
  };
  k.IoCopyCurrentIrpStackLocationToNext(irp);
  k.IoSetCompletionRoutine(irp, routine, null, c.onSuccess, c.onError, c.onCancel);
  return yield* k.IoCallDriver(lower, irp);
}

/** The `${…}` fields a log line may show, where there is an IRP. */
function logField(name: string, where: { readonly irp: IrpRef; readonly buffers?: RequestBuffers; readonly k?: Kernel }): string {
  const b = where.buffers;
  switch (name) {
    case 'irp':
      return String(where.irp.id);
    case 'status':
      return statusName(where.irp.ioStatus.status);
    case 'information':
      return String(where.irp.ioStatus.information);
    case 'ioControlCode':
      return b?.ioControlCode === null || b === undefined ? '-' : hex(b.ioControlCode);
    case 'input':
      if (b?.input === null || b === undefined || where.k === undefined) return '';
      try {
        return showBytes(readReach(where.k, b.input, b.input.length));
      } catch (error) {
        // A log line never faults: a bad METHOD_NEITHER pointer shows as such.
        return `(unreadable: ${statusName(where.k.GetExceptionCode(error))})`;
      }
    default:
      return String(b?.lengths[name as LengthName] ?? 0);
  }
}

/**
 * Actions that need no request of their own, from a dispatch routine, a timer's or a
 * DPC's routine (`where` null), or a completion routine (`where` holds its IRP).
 */
export function* runDeferred(k: Kernel, ext: InlineExtension, actions: readonly DeferredAction[], where: { readonly irp: IrpRef; readonly buffers?: RequestBuffers; readonly k?: Kernel } | null): Routine<void> {
  for (const action of actions) {
    switch (action.action) {
      case 'log':
        k.DbgPrint(where === null ? action.text : action.text.replace(/\$\{([A-Za-z]+)\}/g, (_m, name: string) => logField(name, where)));
        break;
      case 'signal': {
        const event = ext.events.get(action.event);
        if (event === undefined) k.DbgPrint(`no event ${action.event} to signal yet (no reference-event has kept one)`);
        else k.KeSetEvent(event, IO_NO_INCREMENT, false);
        break;
      }
      case 'timer': {
        const t = ext.timers.get(action)!;
        // KeSetTimer's due time: 100-ns units, negative = relative.
        k.KeSetTimer(t.timer, -Math.ceil(action.afterNs / 100), t.dpc);
        break;
      }
      case 'dpc':
        // Already queued: this request coalesces with it (KeInsertQueueDpc returns FALSE).
        if (!k.KeInsertQueueDpc(ext.dpcs.get(action)!)) k.DbgPrint('the DPC is already queued: KeInsertQueueDpc returns FALSE, the requests coalesce');
        break;
      case 'complete-queued':
        yield* completeQueued(k, ext, action, where?.irp ?? null);
        break;
    }
  }
}

/** Takes the oldest queued IRP (or every one) out of a cancel-safe queue and completes it. */
function* completeQueued(k: Kernel, ext: InlineExtension, action: CompleteQueuedAction, current: IrpRef | null): Routine<void> {
  const csq = ext.queues.get(action.queue)!;
  const peek: QueuePeek = action.sameFile && current !== null ? { file: k.IoGetCurrentIrpStackLocation(current).fileObjectId } : null;
  let count = 0;
  for (;;) {
    const irp = yield* k.IoCsqRemoveNextIrp(csq, peek);
    if (irp === null) break;
    count++;
    let written = 0;
    if (action.bytes !== null) {
      // The system buffer or the MDL (valid in any context); a METHOD_NEITHER pointer is the caller's, valid only in its process.
      const output = requestBuffers(k, irp, ext.flags).output;
      const bytes = action.bytes.subarray(0, output?.length ?? 0);
      if (output !== null && bytes.length > 0) k.writeMemory(output.address, bytes);
      written = bytes.length;
    }
    irp.ioStatus.status = action.status;
    irp.ioStatus.information = action.information ?? written;
    k.DbgPrint(`completes IRP ${irp.id} from queue ${action.queue}: ${statusName(action.status)}, Information = ${irp.ioStatus.information}`);
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    if (!action.all) break;
  }
  if (count === 0) k.DbgPrint(`queue ${action.queue} holds no IRP to complete`);
}
