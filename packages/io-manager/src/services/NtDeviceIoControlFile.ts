import {
  SimException,
  STATUS,
  copyCost,
  probeForRead,
  probeForWrite,
  resetEvent,
  tryWaitNow,
  type KEvent,
  type Machine,
  type NtStatus,
  type Routine,
  type SystemServiceArgs,
  type Thread,
} from '@irpsim/core';
import { ACCESS_FROM_CTL_CODE, IRP_FLAG, IRP_MJ, METHOD, METHOD_FROM_CTL_CODE } from '../constants.ts';
import type { DeviceObject } from '../DeviceObject.ts';
import type { FileObject } from '../FileObject.ts';
import { acquireFileLock, releaseFileLock } from '../fileObjectType.ts';
import { finishRequestNow } from '../finishRequest.ts';
import { callDriver } from '../callDriver.ts';
import type { IoManager } from '../IoManager.ts';
import { queueThreadIrp } from '../irpThreadList.ts';
import type { Irp } from '../Irp.ts';
import { accessGrantedFlags } from '../ioctlAccess.ts';
import { previewBytes } from '../previewBytes.ts';
import { probeAndLockPages } from '../probeAndLockPages.ts';
import { referenceCallerEvent } from './callerEvent.ts';
import { finishedByService, returnedStatus, waitForFinalStatus } from './performRequest.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    NtDeviceIoControlFile: {
      handle: number;
      event: number;
      apcRoutine: number;
      apcContext: number;
      iosb: number;
      ioControlCode: number;
      inputBuffer: number;
      inputLength: number;
      outputBuffer: number;
      outputLength: number;
    };
  }
}

/** The byte the I/O manager leaves in the part of a system buffer it did not copy into (IO-3.1, POLICY). */
export const UNINITIALISED_FILL = 0xcd;

const METHOD_KINDS = ['buffered', 'in-direct', 'out-direct', 'neither'] as const;

/**
 * NtDeviceIoControlFile (IopDeviceFsIoControl): the early checks in the order of IO-2.5,
 * the buffers of the four transfer methods (§3), IoCallDriver, and the synchronous tail
 * (IO-7.1). The status returned is the dispatch routine's, unless a synchronous file
 * object makes the service wait for the final one (§11).
 *
 * The service is the generator below written out as a state machine (`IoctlService`, like
 * callDriver): the same steps, values and exceptions, but a small object instead of a
 * generator frame that saves every local at each of its three resumptions per request
 * (docs/performance.md, optimisation log). What it `yield*`s is run by hand (`delegate`).
 *
 *     (1) probes, (2) the handle, (3) APC routine, (4) access, (5) the caller's event:
 *         on failure, `yield* machine.objects.dereference(file.object)` and return the status
 *     if (file.synchronous && tryWaitNow(…) === null) yield* acquireFileLock(io, file);
 *     resetEvent(file.event);
 *     const irp = newIoctlIrp(…);
 *     yield machine.cost.irpAllocate;
 *     const built = buildBuffers(…);           // on failure: free, unlock, dereference, return
 *     if (inputLength > 0 && method !== METHOD.NEITHER) yield copyCost(machine.cost, inputLength);
 *     queueThreadIrp(irp);
 *     const status = ((yield engine.call(callDriver(io, device, irp, null))) as NtStatus) >>> 0;
 *     if (finishedByService(irp)) yield* finishRequestNow(io, irp) ?? [];
 *     if (file.synchronous && status === STATUS_PENDING) return yield* waitForFinalStatus(io, file, irp, thread);
 *     return returnedStatus(io, file, status, a.apcRoutine);
 */
export function NtDeviceIoControlFile(io: IoManager) {
  return (_machine: Machine, thread: Thread, a: SystemServiceArgs['NtDeviceIoControlFile']): Routine<NtStatus> =>
    new IoctlService(io, thread, a) as unknown as Routine<NtStatus>;
}

/**
 * The service as an iterator the engine and `yield*` (a Zw call) drive like the generator
 * it replaces (next, throw, return). Its one result object is reused: the engine and
 * `yield*` read it before the next resumption.
 */
class IoctlService {
  /**
   * Where it is: 0 START; 1 ALLOCATED, at the IRP's allocation cost; 2 COPYING, at the
   * input's copy cost; 3 CALLING, in IoCallDriver; 4 DELEGATING, in a routine run as with
   * `yield*`; 5 ENDED. Literals where they are used, each named in a comment: V8 does not
   * fold a module's constants into the code using them (see Memory.pte).
   */
  private state = 0 /* START */;
  /**
   * Where a delegated routine's end leads: 0 LOCKED, the file-object lock taken; 1 SAVED,
   * return `status`; 2 FINISHED, final processing done (the tail with `status`); 3 WAITED,
   * return what the routine returned.
   */
  private then = 0;
  private inner: Routine<unknown> | null = null;
  private status: NtStatus = 0;
  private file: FileObject | null = null;
  private access = 0;
  private event: KEvent | null = null;
  private device: DeviceObject | null = null;
  private irp: Irp | null = null;
  private method = 0;
  private inputLength = 0;
  private outputLength = 0;
  private readonly result: { value: unknown; done: boolean } = { value: 0, done: false };
  private readonly io: IoManager;
  private readonly thread: Thread;
  private readonly a: SystemServiceArgs['NtDeviceIoControlFile'];

  constructor(io: IoManager, thread: Thread, a: SystemServiceArgs['NtDeviceIoControlFile']) {
    this.io = io;
    this.thread = thread;
    this.a = a;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<number, NtStatus> {
    const state = this.state;
    this.state = 5 /* ENDED */;
    switch (state) {
      case 0 /* START */:
        return this.start();
      case 1 /* ALLOCATED */:
        return this.buffers();
      case 2 /* COPYING */:
        return this.send();
      case 3 /* CALLING */:
        return this.sent((value as NtStatus) >>> 0);
      case 4 /* DELEGATING */:
        return this.delegated(this.inner!.next(value));
      default:
        return { value: undefined as never, done: true };
    }
  }

  throw(error: unknown): IteratorResult<number, NtStatus> {
    const state = this.state;
    this.state = 5 /* ENDED */;
    if (state === 4 /* DELEGATING */) return this.delegated(this.inner!.throw(error));
    throw error;
  }

  return(value: NtStatus): IteratorResult<number, NtStatus> {
    if (this.state === 4 /* DELEGATING */) {
      const inner = this.inner!.return(value);
      if (inner.done !== true) return inner as IteratorResult<number, NtStatus>;
    }
    this.state = 5 /* ENDED */;
    return { value, done: true };
  }

  /** Steps (1) to (6) of IO-2.5, then the IRP. */
  private start(): IteratorResult<number, NtStatus> {
    const io = this.io;
    const machine = io.machine;
    const thread = this.thread;
    const a = this.a;
    const user = thread.previousMode === 'user';
    const method = METHOD_FROM_CTL_CODE(a.ioControlCode);
    // METHOD.*, STATUS_SUCCESS and STATUS_PENDING are literals on this path, named beside
    // each: V8 does not fold a module's constants into the code using them (see Memory.pte).
    // IO-3.7: NULL pointers give zero lengths, except for METHOD_NEITHER.
    const inputLength = method !== 3 /* METHOD.NEITHER */ && a.inputBuffer === 0 ? 0 : a.inputLength >>> 0;
    const outputLength = method === 0 /* METHOD.BUFFERED */ && a.outputBuffer === 0 ? 0 : a.outputLength >>> 0;
    this.method = method;
    this.inputLength = inputLength;
    this.outputLength = outputLength;
    // (1) Probes, before anything else (IO-2.5).
    if (user) {
      const probed = probeCallerBuffers(io, thread, a, method, inputLength, outputLength);
      if (probed !== 0 /* STATUS_SUCCESS */) return this.returned(probed);
    }
    // (2) The handle.
    const table = machine.handleTableFor(thread, a.handle);
    const ref = machine.objects.referenceByHandle(table, a.handle, 0, io.FileType, thread.previousMode);
    if (ref.object === null) return this.returned(ref.status);
    const file = ref.object.body as FileObject;
    // (3) IO-2.5, IO-7.9: an APC routine on a file object bound to a completion port (completion-port area).
    if (a.apcRoutine !== 0 && file.completion !== null) return this.dereferenced(file, STATUS.INVALID_PARAMETER);
    // (4) IO-2.3: the IOCTL's access bits against the handle's granted access; kernel-mode callers skip it.
    const required = ACCESS_FROM_CTL_CODE(a.ioControlCode);
    if (user && required !== 0 && (ref.access & required) !== required) return this.dereferenced(file, STATUS.ACCESS_DENIED);
    // (5) The caller's event, reset before the IRP exists (IO-7.3).
    const caller = referenceCallerEvent(machine, thread, a.event);
    if (caller.status !== 0 /* STATUS_SUCCESS */) return this.dereferenced(file, caller.status);
    // (6) One request at a time on a synchronous file object; the file object's event is reset.
    // The lock is usually free: taken without the wait's generator (tryWaitNow is that wait's first part).
    if (file.synchronous && tryWaitNow(machine.engine, machine.currentThreadOrNull(), file.lockWaitList) === null) {
      this.file = file;
      this.access = ref.access;
      this.event = caller.event;
      return this.delegate(acquireFileLock(io, file), 0 /* LOCKED */);
    }
    return this.locked(file, ref.access, caller.event);
  }

  /** (6) The file object's event, then (7) the IRP. */
  private locked(file: FileObject, access: number, event: KEvent | null): IteratorResult<number, NtStatus> {
    const io = this.io;
    resetEvent(file.event);
    const device = file.device.top();
    const irp = newIoctlIrp(io, device, this.thread, file, this.a, this.inputLength, this.outputLength, event);
    irp.next()!.flags = accessGrantedFlags(access); // IO-2.4: what the handle was granted (ioctlAccess.ts)
    this.file = file;
    this.device = device;
    this.irp = irp;
    this.state = 1 /* ALLOCATED */;
    return this.yielded(io.machine.cost.irpAllocate);
  }

  /** (7) The IRP's buffers. */
  private buffers(): IteratorResult<number, NtStatus> {
    const io = this.io;
    const a = this.a;
    const irp = this.irp!;
    const method = this.method;
    const inputLength = this.inputLength;
    const built = buildBuffers(io, irp, this.thread, method, a.inputBuffer, inputLength, a.outputBuffer, this.outputLength);
    if (built !== 0 /* STATUS_SUCCESS */) {
      const file = this.file!;
      io.freeIrp(irp);
      if (file.synchronous) releaseFileLock(io, file);
      return this.dereferenced(file, built);
    }
    if (inputLength > 0 && method !== 3 /* METHOD.NEITHER */) {
      this.state = 2 /* COPYING */;
      return this.yielded(copyCost(io.machine.cost, inputLength));
    }
    return this.send();
  }

  /** (8) Send it. */
  private send(): IteratorResult<number, NtStatus> {
    const irp = this.irp!;
    queueThreadIrp(irp); // cancellation: IoQueueThreadIrp (IO-6.5)
    const call = callDriver(this.io, this.device, irp, null);
    this.state = 3 /* CALLING */;
    return this.yielded(this.io.machine.engine.callWith(call, call.next));
  }

  /** (8) IoCallDriver returned: final processing if the service does it (IO-5.19). */
  private sent(status: NtStatus): IteratorResult<number, NtStatus> {
    const irp = this.irp!;
    if (finishedByService(irp)) {
      // `yield* io.finishRequest(irp)`, without a FinishRequest when nothing in it can yield (finishRequestNow).
      const rest = finishRequestNow(this.io, irp);
      if (rest !== null) {
        this.status = status;
        return this.delegate(rest, 2 /* FINISHED */);
      }
    }
    return this.tail(status);
  }

  /** (8) A synchronous file object waits for the final status. */
  private tail(status: NtStatus): IteratorResult<number, NtStatus> {
    const file = this.file!;
    if (file.synchronous && status === 0x103 /* STATUS_PENDING */) return this.delegate(waitForFinalStatus(this.io, file, this.irp!, this.thread), 3 /* WAITED */);
    return this.returned(returnedStatus(this.io, file, status, this.a.apcRoutine));
  }

  /** `yield* machine.objects.dereference(file.object); return status`. */
  private dereferenced(file: FileObject, status: NtStatus): IteratorResult<number, NtStatus> {
    this.status = status;
    return this.delegate(this.io.machine.objects.dereference(file.object), 1 /* SAVED */);
  }

  /** `yield* inner`, then on to `then`. */
  private delegate(inner: Routine<unknown>, then: number): IteratorResult<number, NtStatus> {
    this.inner = inner;
    this.then = then;
    return this.delegated(inner.next(undefined));
  }

  private delegated(inner: IteratorResult<number, unknown>): IteratorResult<number, NtStatus> {
    if (inner.done !== true) {
      this.state = 4 /* DELEGATING */;
      return inner as IteratorResult<number, NtStatus>;
    }
    this.inner = null;
    switch (this.then) {
      case 0 /* LOCKED */:
        return this.locked(this.file!, this.access, this.event);
      case 1 /* SAVED */:
        return this.returned(this.status);
      case 2 /* FINISHED */:
        return this.tail(this.status);
      default /* WAITED */:
        return this.returned(inner.value as NtStatus);
    }
  }

  private yielded(effect: number): IteratorResult<number, NtStatus> {
    const result = this.result;
    result.value = effect;
    result.done = false;
    return result as IteratorResult<number, NtStatus>;
  }

  private returned(status: NtStatus): IteratorResult<number, NtStatus> {
    const result = this.result;
    result.value = status;
    result.done = true;
    return result as IteratorResult<number, NtStatus>;
  }
}

/**
 * The probes of IO-2.5 for a user-mode caller: the IOSB, a BUFFERED output, the input.
 * Returns STATUS_SUCCESS or the status of the exception a probe raised. Plain functions
 * like this one keep the service's generator frame small (see callDriver).
 */
function probeCallerBuffers(io: IoManager, thread: Thread, a: SystemServiceArgs['NtDeviceIoControlFile'], method: number, inputLength: number, outputLength: number): NtStatus {
  const memory = io.machine.memory;
  const space = thread.process.space;
  try {
    probeForWrite(memory, space, a.iosb, 8, 4);
    // METHOD.* and STATUS_SUCCESS as literals, as in the service.
    if (method === 0 /* METHOD.BUFFERED */) probeForWrite(memory, space, a.outputBuffer, outputLength, 1);
    if (method !== 3 /* METHOD.NEITHER */) probeForRead(a.inputBuffer, inputLength, 1);
  } catch (error) {
    if (!SimException.is(error)) throw error;
    if (io.trace.on) io.trace.emit({ type: 'io.probe.fail', service: 'NtDeviceIoControlFile', address: error.address, write: error.write, status: error.code });
    return error.code;
  }
  return 0 /* STATUS_SUCCESS */;
}

/** (7) The IRP: IRP_MJ_DEVICE_CONTROL in its first location, the request's parameters in the location's arguments. */
function newIoctlIrp(
  io: IoManager,
  device: DeviceObject,
  thread: Thread,
  file: FileObject,
  a: SystemServiceArgs['NtDeviceIoControlFile'],
  inputLength: number,
  outputLength: number,
  event: KEvent | null,
): Irp {
  const irp = io.allocateIrp(device.stackSize);
  irp.requestorMode = thread.previousMode;
  irp.thread = thread;
  irp.fileObject = file;
  irp.flags = 0x800 /* IRP_FLAG.DEFER_IO_COMPLETION, a literal as in the service */;
  irp.origin = { service: 'NtDeviceIoControlFile', userIosb: a.iosb, event, apcContext: a.apcContext, apcRoutine: a.apcRoutine, holdsFileReference: true };
  irp.outputLength = outputLength;
  const sl = irp.next()!;
  sl.majorFunction = 0x0e /* IRP_MJ.DEVICE_CONTROL */;
  sl.fileObject = file;
  sl.arg1 = outputLength;
  sl.arg2 = inputLength;
  sl.arg3 = a.ioControlCode >>> 0;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.alloc', irp: irp.id, major: IRP_MJ.DEVICE_CONTROL, stackCount: irp.stackCount, requestor: thread.previousMode, tid: thread.id, file: file.id });
  }
  return irp;
}

/** The buffers of each transfer method (§3 table, IO-3.1, IO-3.4, IO-3.5, IO-3.8). */
function buildBuffers(
  io: IoManager,
  irp: Irp,
  thread: Thread,
  method: number,
  inputBuffer: number,
  inputLength: number,
  outputBuffer: number,
  outputLength: number,
): NtStatus {
  // What each branch needs is read in it: the usual request, BUFFERED with nothing to copy,
  // then reads nothing else (about 50 instructions per W1 IRP).
  let copied: Uint8Array | null = null;
  try {
    // METHOD.* as literals, as in the service.
    if (method === 0 /* METHOD.BUFFERED */) {
      const length = inputLength > outputLength ? inputLength : outputLength;
      if (length > 0) {
        const memory = io.machine.memory;
        const space = thread.process.space;
        const systemBuffer = memory.allocatePool(length);
        if (systemBuffer === null) return STATUS.INSUFFICIENT_RESOURCES;
        irp.systemBuffer = systemBuffer;
        irp.systemBufferLength = length;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        if (outputBuffer !== 0) irp.flags |= IRP_FLAG.INPUT_OPERATION; // §3 table: iff the output pointer is non-NULL
        copied = copyIn(io, space, inputBuffer, systemBuffer, inputLength, thread.previousMode);
        if (length > inputLength) memory.fill(space, systemBuffer + inputLength, length - inputLength, UNINITIALISED_FILL, 'kernel');
      }
      irp.userBuffer = outputBuffer;
    } else if (method === 3 /* METHOD.NEITHER */) {
      irp.next()!.arg4 = inputBuffer >>> 0;
      irp.userBuffer = outputBuffer;
    } else {
      const memory = io.machine.memory;
      const space = thread.process.space;
      const mode = thread.previousMode;
      if (inputLength > 0) {
        const systemBuffer = memory.allocatePool(inputLength);
        if (systemBuffer === null) return STATUS.INSUFFICIENT_RESOURCES;
        irp.systemBuffer = systemBuffer;
        irp.systemBufferLength = inputLength;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        copied = copyIn(io, space, inputBuffer, systemBuffer, inputLength, mode);
      }
      if (outputLength > 0) {
        // IN_DIRECT probes the output for read, OUT_DIRECT for write (IO-3.5).
        irp.mdl = probeAndLockPages(memory, space, thread.process.id, outputBuffer, outputLength, method === METHOD.OUT_DIRECT, mode);
      }
    }
  } catch (error) {
    if (!SimException.is(error)) throw error;
    if (irp.systemBuffer !== 0) io.machine.memory.freePool(irp.systemBuffer);
    irp.systemBuffer = 0;
    return error.code;
  }
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.buffers',
      irp: irp.id,
      method: METHOD_KINDS[method]!,
      inputBuffer,
      inputLength,
      outputBuffer,
      outputLength,
      systemBuffer: irp.systemBuffer,
      systemBufferLength: irp.systemBufferLength,
      mdl: irp.mdl?.address ?? 0,
    });
    if (copied !== null) {
      io.trace.emit({ type: 'io.copy', irp: irp.id, direction: 'in', from: inputBuffer, to: irp.systemBuffer, length: copied.length, bytes: previewBytes(copied) });
    }
  }
  return 0 /* STATUS_SUCCESS */;
}

/** Copies the caller's input into the system buffer, reading in the caller's mode. */
function copyIn(io: IoManager, space: Thread['process']['space'], from: number, to: number, length: number, mode: 'user' | 'kernel'): Uint8Array | null {
  if (length === 0) return null;
  const bytes = io.machine.memory.read(space, from, length, mode);
  io.machine.memory.write(space, to, bytes, 'kernel');
  return bytes;
}
