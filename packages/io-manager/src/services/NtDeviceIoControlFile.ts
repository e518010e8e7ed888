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
 */
export function NtDeviceIoControlFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtDeviceIoControlFile']): Routine<NtStatus> {
    const user = thread.previousMode === 'user';
    const method = METHOD_FROM_CTL_CODE(a.ioControlCode);
    // METHOD.*, STATUS_SUCCESS and STATUS_PENDING are literals on this path, named beside
    // each: V8 does not fold a module's constants into the code using them (see Memory.pte).
    // IO-3.7: NULL pointers give zero lengths, except for METHOD_NEITHER.
    const inputLength = method !== 3 /* METHOD.NEITHER */ && a.inputBuffer === 0 ? 0 : a.inputLength >>> 0;
    const outputLength = method === 0 /* METHOD.BUFFERED */ && a.outputBuffer === 0 ? 0 : a.outputLength >>> 0;
    // (1) Probes, before anything else (IO-2.5).
    if (user) {
      const probed = probeCallerBuffers(io, thread, a, method, inputLength, outputLength);
      if (probed !== 0 /* STATUS_SUCCESS */) return probed;
    }
    // (2) The handle.
    const table = machine.handleTableFor(thread, a.handle);
    const ref = machine.objects.referenceByHandle(table, a.handle, 0, io.FileType, thread.previousMode);
    if (ref.object === null) return ref.status;
    const file = ref.object.body as FileObject;
    // (3) IO-2.5, IO-7.9: an APC routine on a file object bound to a completion port (completion-port area).
    if (a.apcRoutine !== 0 && file.completion !== null) {
      yield* machine.objects.dereference(file.object);
      return STATUS.INVALID_PARAMETER;
    }
    // (4) IO-2.3: the IOCTL's access bits against the handle's granted access; kernel-mode callers skip it.
    const required = ACCESS_FROM_CTL_CODE(a.ioControlCode);
    if (user && required !== 0 && (ref.access & required) !== required) {
      yield* machine.objects.dereference(file.object);
      return STATUS.ACCESS_DENIED;
    }
    // (5) The caller's event, reset before the IRP exists (IO-7.3).
    const caller = referenceCallerEvent(machine, thread, a.event);
    if (caller.status !== 0 /* STATUS_SUCCESS */) {
      yield* machine.objects.dereference(file.object);
      return caller.status;
    }
    // (6) One request at a time on a synchronous file object; the file object's event is reset.
    // The lock is usually free: taken without the wait's generator (tryWaitNow is that wait's first part).
    if (file.synchronous && tryWaitNow(machine.engine, machine.currentThreadOrNull(), file.lockWaitList) === null) yield* acquireFileLock(io, file);
    resetEvent(file.event);
    // (7) The IRP and its buffers.
    const device = file.device.top();
    const irp = newIoctlIrp(io, device, thread, file, a, inputLength, outputLength, caller.event);
    irp.next()!.flags = accessGrantedFlags(ref.access); // IO-2.4: what the handle was granted (ioctlAccess.ts)
    yield machine.cost.irpAllocate;
    const built = buildBuffers(io, irp, thread, method, a.inputBuffer, inputLength, a.outputBuffer, outputLength);
    if (built !== 0 /* STATUS_SUCCESS */) {
      io.freeIrp(irp);
      if (file.synchronous) releaseFileLock(io, file);
      yield* machine.objects.dereference(file.object);
      return built;
    }
    if (inputLength > 0 && method !== 3 /* METHOD.NEITHER */) yield copyCost(machine.cost, inputLength);
    // (8) Send it; a synchronous file object waits for the final status.
    queueThreadIrp(irp); // cancellation: IoQueueThreadIrp (IO-6.5)
    const call = callDriver(io, device, irp, null);
    const status = ((yield machine.engine.callWith(call, call.next)) as NtStatus) >>> 0;
    if (finishedByService(irp)) {
      // `yield* io.finishRequest(irp)`, without a FinishRequest when nothing in it can yield (finishRequestNow).
      const rest = finishRequestNow(io, irp);
      if (rest !== null) yield* rest;
    }
    if (file.synchronous && status === 0x103 /* STATUS_PENDING */) return yield* waitForFinalStatus(io, file, irp, thread);
    return returnedStatus(io, file, status, a.apcRoutine);
  };
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
  const memory = io.machine.memory;
  const space = thread.process.space;
  const mode = thread.previousMode;
  const sl = irp.next()!;
  let copied: Uint8Array | null = null;
  try {
    // METHOD.* as literals, as in the service.
    if (method === 0 /* METHOD.BUFFERED */) {
      const length = Math.max(inputLength, outputLength);
      if (length > 0) {
        const systemBuffer = memory.allocatePool(length);
        if (systemBuffer === null) return STATUS.INSUFFICIENT_RESOURCES;
        irp.systemBuffer = systemBuffer;
        irp.systemBufferLength = length;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        if (outputBuffer !== 0) irp.flags |= IRP_FLAG.INPUT_OPERATION; // §3 table: iff the output pointer is non-NULL
        copied = copyIn(io, space, inputBuffer, systemBuffer, inputLength, mode);
        if (length > inputLength) memory.fill(space, systemBuffer + inputLength, length - inputLength, UNINITIALISED_FILL, 'kernel');
      }
      irp.userBuffer = outputBuffer;
    } else if (method === 3 /* METHOD.NEITHER */) {
      sl.arg4 = inputBuffer >>> 0;
      irp.userBuffer = outputBuffer;
    } else {
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
    if (irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
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
