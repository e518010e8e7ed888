import { SimException, copyCost, ntError, ntSuccess, setEvent, type AddressSpace, type Routine } from '@irpsim/core';
import { IRP_FLAG } from './constants.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { cleanupDisassociatedIrp } from './cancelThreadIo.ts';
import { dequeueThreadIrp } from './irpThreadList.ts';
import { previewBytes } from './previewBytes.ts';
import { copiesBack, copyBackLength } from './copyBackLength.ts';
import { queueIoCompletion } from './queueIoCompletion.ts';

/**
 * The I/O manager's final processing of a completed IRP (IopCompleteRequest, IO-5.19),
 * in the context of the requesting thread, in three steps:
 *  1. the BUFFERED copy-back of exactly Information bytes unless the status is an error
 *     (IO-3.2, IO-4.2), and freeing the system buffer;
 *  2. notifying the caller — only if the status is not an error or the IRP pended (§11):
 *     the IO_STATUS_BLOCK (the OVERLAPPED for Win32 callers), then the caller's event and
 *     the file object's event (IO-7.4 – IO-7.8), then the completion packet or user APC;
 *  3. dropping the IRP's reference on its file object.
 * Copy-back happens before any event, so a woken waiter always finds its data.
 */
export function finishRequest(io: IoManager, irp: Irp): Routine<void> {
  return new FinishRequest(io, irp) as unknown as Routine<void>;
}

/**
 * `finishRequest` written out as a state machine (like callDriver): the same steps,
 * values and exceptions as this generator, without a generator frame per IRP — most
 * calls never yield (docs/performance.md, optimisation log):
 *
 *     if (irp.disassociated) return yield* cleanupDisassociatedIrp(io, irp);
 *     const space = irp.thread?.process.space ?? machine.system.space;
 *     const copiedBack = copyBack(io, irp, space);
 *     if (copiedBack > 0) yield copyCost(machine.cost, copiedBack);
 *     notifyAndRelease(…);                  // steps 2 and 3 up to the file object
 *     … else yield* machine.objects.dereference(file.object);
 */
class FinishRequest {
  /**
   * Where it is: 0 START, 1 COPIED, 2 DELEGATING, 3 ENDED. Literals where they are used,
   * each named in a comment: V8 does not fold a module's constants into the code using them
   * (see Memory.pte).
   */
  private state = 0 /* START */;
  private space: AddressSpace | null = null;
  private copiedBack = 0;
  /** The routine run as with `yield*` (the disassociated cleanup, the last dereference). */
  private inner: Routine<void> | null = null;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };
  private readonly io: IoManager;
  private readonly irp: Irp;

  constructor(io: IoManager, irp: Irp) {
    this.io = io;
    this.irp = irp;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<number, void> {
    const state = this.state;
    this.state = 3 /* ENDED */;
    if (state === 0 /* START */) return this.start();
    if (state === 1 /* COPIED */) return this.notifyAndRelease(this.space!, this.copiedBack);
    if (state === 2 /* DELEGATING */) return this.delegated(this.inner!.next(value));
    return this.ended();
  }

  throw(error: unknown): IteratorResult<number, void> {
    const state = this.state;
    this.state = 3 /* ENDED */;
    if (state === 2 /* DELEGATING */) return this.delegated(this.inner!.throw(error));
    throw error;
  }

  return(value: void): IteratorResult<number, void> {
    if (this.state === 2 /* DELEGATING */) {
      const inner = this.inner!.return(value);
      if (inner.done !== true) return inner;
    }
    this.state = 3 /* ENDED */;
    return { value, done: true };
  }

  private start(): IteratorResult<number, void> {
    const io = this.io;
    const irp = this.irp;
    if (irp.disassociated) return this.delegate(cleanupDisassociatedIrp(io, irp)); // cancellation: its thread is gone (IO-5.19)
    const machine = io.machine;
    const space = irp.thread?.process.space ?? machine.system.space;
    const copiedBack = copyBack(io, irp, space);
    if (copiedBack === 0) return this.notifyAndRelease(space, 0);
    // The copy takes time before anyone is told: a waiter woken by the event below wakes
    // after the copy, as on Windows (IopCompleteRequest copies, then sets the event).
    this.space = space;
    this.copiedBack = copiedBack;
    this.state = 1 /* COPIED */;
    const result = this.result;
    result.value = copyCost(machine.cost, copiedBack);
    result.done = false;
    return result as IteratorResult<number, void>;
  }

  /** Steps 2 and 3. */
  private notifyAndRelease(space: AddressSpace, copiedBack: number): IteratorResult<number, void> {
    const rest = notifyAndRelease(this.io, this.irp, space, copiedBack);
    return rest === null ? this.ended() : this.delegate(rest);
  }

  /** `yield* inner` as the routine's last statement. */
  private delegate(inner: Routine<void>): IteratorResult<number, void> {
    this.inner = inner;
    return this.delegated(inner.next(undefined));
  }

  private delegated(inner: IteratorResult<number, void>): IteratorResult<number, void> {
    if (inner.done !== true) {
      this.state = 2 /* DELEGATING */;
      return inner;
    }
    this.inner = null;
    return this.ended();
  }

  private ended(): IteratorResult<number, void> {
    const result = this.result;
    result.value = undefined;
    result.done = true;
    return result as IteratorResult<number, void>;
  }
}

/**
 * `yield* finishRequest(io, irp)` for a service (IO-5.19) that tests the answer: when no
 * copy-back can take time and the IRP is not disassociated, steps 2 and 3 run at once and
 * what remains is the last dereference of the file object (null when it is not the last),
 * with no FinishRequest per IRP; otherwise the whole routine. The caller `yield*`s what it
 * gets: the same steps in the same order as `yield* finishRequest(io, irp)`, whose first
 * resumption runs them at once too.
 */
export function finishRequestNow(io: IoManager, irp: Irp): Routine<void> | null {
  // IRP_FLAG.BUFFERED_IO as a literal (see the states above): without it copyBack copies nothing.
  if (irp.disassociated || (irp.flags & 0x10 /* IRP_FLAG.BUFFERED_IO */) !== 0) return new FinishRequest(io, irp) as unknown as Routine<void>;
  return notifyAndRelease(io, irp, irp.thread?.process.space ?? io.machine.system.space, 0);
}

/** Steps 2 and 3; returns the last dereference of the file object to run as with `yield*`, or null. */
function notifyAndRelease(io: IoManager, irp: Irp, space: AddressSpace, copiedBack: number): Routine<void> | null {
  const machine = io.machine;
  const notified = !ntError(irp.status) || irp.pendingReturned;
  const signalled = notified ? notifyCaller(io, irp, space) : 0;
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.finish',
      irp: irp.id,
      status: irp.status,
      information: irp.information,
      copiedBack,
      iosbWritten: (signalled & IOSB_WRITTEN) !== 0,
      eventSignalled: (signalled & EVENT_SIGNALLED) !== 0,
      pendingReturned: irp.pendingReturned,
      notified,
      boost: irp.priorityBoost,
      tid: irp.thread?.id ?? null,
    });
  }
  dequeueThreadIrp(irp); // cancellation: IopDequeueThreadIrp — CancelIo waits for this
  io.freeIrp(irp);
  // The IRP held a reference on its file object (IO-9.6): releasing it may send CLOSE.
  const file = irp.fileObject;
  if (file !== null && irp.origin?.holdsFileReference === true) {
    if (machine.engine.current?.kind === 'apc') machine.objects.dereferenceDeferred(file.object);
    // Not the last reference: ObjectManager.dereference's first line, without a generator per IRP.
    else if (file.object.refCount > 1) file.object.refCount--;
    else return machine.objects.dereference(file.object);
  }
  return null;
}

/** What `notifyCaller` did, as bits (no allocation per IRP). */
const IOSB_WRITTEN = 1;
const EVENT_SIGNALLED = 2;

/**
 * Step 1: the BUFFERED copy-back (IRP_INPUT_OPERATION: an IOCTL with an output buffer, a
 * read) and freeing the system buffer. Returns the number of bytes copied.
 */
function copyBack(io: IoManager, irp: Irp, space: AddressSpace): number {
  // IRP_FLAG.BUFFERED_IO as a literal (see the states above): the test of every IRP.
  if ((irp.flags & 0x10 /* IRP_FLAG.BUFFERED_IO */) === 0) return 0;
  const memory = io.machine.memory;
  let copied = 0;
  if ((irp.flags & IRP_FLAG.INPUT_OPERATION) !== 0 && copiesBack(irp.status) && irp.systemBuffer !== 0) {
    // Windows copies Information bytes whatever they are (IO-3.3); the simulator stops at
    // the end of the caller's writable memory (copyBackLength.ts, verifier area).
    const length = copyBackLength(memory, space, irp.userBuffer, irp.information);
    if (length > 0) {
      const bytes = memory.read(space, irp.systemBuffer, length, 'kernel');
      try {
        memory.write(space, irp.userBuffer, bytes, 'kernel');
        copied = length;
        if (io.trace.on) {
          io.trace.emit({ type: 'io.copy', irp: irp.id, direction: 'out', from: irp.systemBuffer, to: irp.userBuffer, length, bytes: previewBytes(bytes) });
        }
      } catch (error) {
        // io-semantics.md §12: the caller freed its buffer; the copy stops, the status stands.
        if (!SimException.is(error)) throw error;
      }
    }
  }
  if ((irp.flags & IRP_FLAG.DEALLOCATE_BUFFER) !== 0 && irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
  return copied;
}

/**
 * Step 2, reached when the status is not an error or the IRP pended (§11): the IOSB
 * {Status, Information}, the events of IO-7.8, then the completion packet or user APC
 * (the completion-port / APC area hooks in at the marked line). Returns IOSB_WRITTEN |
 * EVENT_SIGNALLED bits.
 */
function notifyCaller(io: IoManager, irp: Irp, space: AddressSpace): number {
  const engine = io.machine.engine;
  const origin = irp.origin;
  const file = irp.fileObject;
  const status = irp.status;
  let done = 0;
  // IO-7.7 legacy: older Windows 10 left a synchronous caller's IOSB and event alone when
  // a pended request failed; only the file object learnt the final status.
  const callerToo = !(io.windows === 'legacy' && file !== null && file.synchronous && irp.pendingReturned && ntError(status));
  if (callerToo && origin !== null && origin.userIosb !== 0) {
    try {
      io.machine.memory.writeU32Pair(space, origin.userIosb, status, irp.information, 'kernel');
      done |= 1 /* IOSB_WRITTEN, a literal as the states above */;
    } catch (error) {
      if (!SimException.is(error)) throw error;
    }
  }
  if (file !== null && file.synchronous) file.finalStatus = status;
  const event = origin?.event ?? null;
  if (callerToo && event !== null) {
    setEvent(engine, event);
    done |= 2 /* EVENT_SIGNALLED */;
  }
  // IO-7.8: the file object's event when the caller gave no event, and always for a
  // synchronous file object (its service waits on it). FILE_SKIP_SET_EVENT_ON_HANDLE
  // spares it on success (read now, at completion); on errors it is still set (our choice).
  if (file !== null && (event === null || file.synchronous)) {
    const skip = (file.flags & 0x04000000 /* FO.SKIP_SET_EVENT */) !== 0 && !file.synchronous && ntSuccess(status);
    if (!skip) {
      setEvent(engine, file.event);
      done |= 2 /* EVENT_SIGNALLED */;
    }
  }
  // ── completion packet / user APC (IO-7.9, IO-7.12): the completion-port and APC area ──
  if (callerToo) queueIoCompletion(io, irp);
  return done;
}
