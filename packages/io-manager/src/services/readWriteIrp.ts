import {
  SimException,
  STATUS,
  copyCost,
  probeForRead,
  probeForWrite,
  resetEvent,
  type KEvent,
  type Machine,
  type NtStatus,
  type Routine,
  type Thread,
} from '@irpsim/core';
import { DO, FILE, IRP_FLAG, IRP_MJ } from '../constants.ts';
import type { DeviceObject } from '../DeviceObject.ts';
import type { FileObject } from '../FileObject.ts';
import { acquireFileLock, releaseFileLock } from '../fileObjectType.ts';
import { callDriver } from '../callDriver.ts';
import type { IoManager } from '../IoManager.ts';
import { queueThreadIrp } from '../irpThreadList.ts';
import type { Irp } from '../Irp.ts';
import { previewBytes } from '../previewBytes.ts';
import { probeAndLockPages } from '../probeAndLockPages.ts';
import { referenceCallerEvent } from './callerEvent.ts';
import { UNINITIALISED_FILL } from './NtDeviceIoControlFile.ts';
import { finishedByService, returnedStatus, waitForFinalStatus } from './performRequest.ts';

/** The arguments of NtReadFile and NtWriteFile, as a program passes them (addresses, handles, lengths). */
export interface ReadWriteArgs {
  handle: number;
  event: number;
  apcRoutine: number;
  apcContext: number;
  iosb: number;
  buffer: number;
  length: number;
  /** Address of a LARGE_INTEGER (kernel32 passes &OVERLAPPED.Offset), or 0. */
  byteOffset: number;
  /** Address of a ULONG key, or 0. */
  key: number;
}

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    NtReadFile: ReadWriteArgs;
    NtWriteFile: ReadWriteArgs;
  }
}

/** ByteOffset LowPart values with HighPart −1 (IO-4.4, IO-4.5). */
export const FILE_WRITE_TO_END_OF_FILE = -1;
export const FILE_USE_FILE_POINTER_POSITION = -2;

/** What the early checks captured from the caller; one object reused by every request, read back before the service yields. */
const captured = { offset: 0, hasOffset: false, key: 0 };

/**
 * NtReadFile / NtWriteFile (R-IOFUNC): the handle with the access the request needs
 * (IO-4.6), the probes (before the event reset), the offset rules (IO-4.4, IO-4.5, IO-4.7),
 * the caller's event (IO-7.3), the file-object lock, an IRP_MJ_READ / IRP_MJ_WRITE whose
 * buffer is presented by the target device's DO_BUFFERED_IO / DO_DIRECT_IO flag (IO-4.1 –
 * IO-4.3), and the tail shared with NtDeviceIoControlFile (performRequest).
 */
export function readWriteService(io: IoManager, major: typeof IRP_MJ.READ | typeof IRP_MJ.WRITE) {
  const service = major === IRP_MJ.READ ? 'NtReadFile' : 'NtWriteFile';
  return function* (machine: Machine, thread: Thread, a: ReadWriteArgs): Routine<NtStatus> {
    // The handle comes first for reads and writes (IO-4.6; IOCTLs probe first, IO-2.5).
    const table = machine.handleTableFor(thread, a.handle);
    const ref = machine.objects.referenceByHandle(table, a.handle, 0, io.FileType, thread.previousMode);
    if (ref.object === null) return ref.status;
    const file = ref.object.body as FileObject;
    const checked = checkCaller(io, service, thread, major, ref.access, a);
    if (checked !== STATUS.SUCCESS) {
      yield* machine.objects.dereference(file.object);
      return checked;
    }
    // Into this frame before anything yields: another request may reuse `captured`.
    const hasOffset = captured.hasOffset;
    const key = captured.key;
    let offset = captured.offset;
    // IO-2.5 step (3), IO-7.9: an APC routine on a file object bound to a completion port (completion-port area).
    if (a.apcRoutine !== 0 && file.completion !== null) {
      yield* machine.objects.dereference(file.object);
      return STATUS.INVALID_PARAMETER;
    }
    const caller = referenceCallerEvent(machine, thread, a.event);
    if (caller.status !== STATUS.SUCCESS) {
      yield* machine.objects.dereference(file.object);
      return caller.status;
    }
    if (file.synchronous) {
      yield* acquireFileLock(io, file);
      // IO-4.4, IO-4.7: a synchronous file object reads and writes at its CurrentByteOffset.
      if (!hasOffset || offset === FILE_USE_FILE_POINTER_POSITION) offset = file.currentByteOffset;
    } else if (!hasOffset) {
      // IO-4.5: an asynchronous file object needs an explicit offset (after the event reset, as in ReactOS).
      yield* machine.objects.dereference(file.object);
      return STATUS.INVALID_PARAMETER;
    }
    // IO-4.5: a handle that may only append writes at the end of the file.
    if (major === IRP_MJ.WRITE && thread.previousMode === 'user' && (ref.access & FILE.WRITE_DATA) === 0) offset = FILE_WRITE_TO_END_OF_FILE;
    resetEvent(file.event);
    const device = file.device.top();
    const irp = newReadWriteIrp(io, service, major, device, thread, file, a, offset, key, caller.event);
    yield machine.cost.irpAllocate;
    const built = buildTransfer(io, irp, device, thread, major, a.buffer, a.length >>> 0);
    if (built !== STATUS.SUCCESS) {
      io.freeIrp(irp);
      if (file.synchronous) releaseFileLock(io, file);
      yield* machine.objects.dereference(file.object);
      return built;
    }
    if (irp.systemBuffer !== 0 && major === IRP_MJ.WRITE) yield copyCost(machine.cost, a.length >>> 0);
    queueThreadIrp(irp); // cancellation: IoQueueThreadIrp (IO-6.5)
    const call = callDriver(io, device, irp, null);
    const status = ((yield machine.engine.callWith(call, call.next)) as NtStatus) >>> 0;
    if (finishedByService(irp)) yield* io.finishRequest(irp);
    if (file.synchronous && status === STATUS.PENDING) return yield* waitForFinalStatus(io, file, irp, thread);
    return returnedStatus(io, file, status, a.apcRoutine);
  };
}

/**
 * The checks before the caller's event is touched, as plain code: the access the handle
 * grants (IO-4.6), the probes of the IOSB, the buffer, the offset and the key, and the
 * rejected offsets (IO-4.5). Fills `captured`. Kernel-mode callers skip access and probes.
 */
function checkCaller(io: IoManager, service: string, thread: Thread, major: number, access: number, a: ReadWriteArgs): NtStatus {
  const user = thread.previousMode === 'user';
  if (user) {
    const allowed = major === IRP_MJ.READ ? (access & FILE.READ_DATA) !== 0 : (access & (FILE.WRITE_DATA | FILE.APPEND_DATA)) !== 0;
    if (!allowed) return STATUS.ACCESS_DENIED;
  }
  const memory = io.machine.memory;
  const space = thread.process.space;
  const mode = thread.previousMode;
  try {
    if (user) {
      probeForWrite(memory, space, a.iosb, 8, 4);
      // A read buffer receives data: probed for write; a write buffer for read (IO-4.6).
      if (major === IRP_MJ.READ) probeForWrite(memory, space, a.buffer, a.length >>> 0, 1);
      else probeForRead(a.buffer, a.length >>> 0, 1);
    }
    captured.hasOffset = a.byteOffset !== 0;
    captured.offset = 0;
    captured.key = 0;
    if (captured.hasOffset) {
      if (user) probeForRead(a.byteOffset, 8, 4);
      const low = memory.readU32(space, a.byteOffset, mode);
      const high = memory.readU32(space, a.byteOffset + 4, mode) | 0;
      captured.offset = high * 0x1_0000_0000 + low;
    }
    if (a.key !== 0) {
      if (user) probeForRead(a.key, 4, 4);
      captured.key = memory.readU32(space, a.key, mode);
    }
  } catch (error) {
    if (!SimException.is(error)) throw error;
    if (io.trace.on) io.trace.emit({ type: 'io.probe.fail', service, address: error.address, write: error.write, status: error.code });
    return error.code;
  }
  // IO-4.5: negative offsets other than the special ones.
  const offset = captured.offset;
  if (captured.hasOffset && offset < 0) {
    const special = offset === FILE_USE_FILE_POINTER_POSITION || (major === IRP_MJ.WRITE && offset === FILE_WRITE_TO_END_OF_FILE);
    if (!special) return STATUS.INVALID_PARAMETER;
  }
  return STATUS.SUCCESS;
}

/** The IRP: IRP_MJ_READ or IRP_MJ_WRITE, Length, Key and ByteOffset in its first location (IO-4.4). */
function newReadWriteIrp(
  io: IoManager,
  service: string,
  major: number,
  device: DeviceObject,
  thread: Thread,
  file: FileObject,
  a: ReadWriteArgs,
  offset: number,
  key: number,
  event: KEvent | null,
): Irp {
  const irp = io.allocateIrp(device.stackSize);
  irp.requestorMode = thread.previousMode;
  irp.thread = thread;
  irp.fileObject = file;
  irp.origin = { service, userIosb: a.iosb, event, apcContext: a.apcContext, apcRoutine: a.apcRoutine, holdsFileReference: true };
  const sl = irp.next()!;
  sl.majorFunction = major;
  sl.fileObject = file;
  sl.arg1 = a.length >>> 0;
  sl.arg2 = key;
  sl.arg3 = offset >>> 0;
  sl.arg4 = Math.floor(offset / 0x1_0000_0000) >>> 0;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.alloc', irp: irp.id, major, stackCount: irp.stackCount, requestor: thread.previousMode, tid: thread.id, file: file.id });
  }
  return irp;
}

/**
 * How the caller's buffer reaches the driver (IO-4.1 – IO-4.3), decided by the target
 * device's flags: a system buffer (copied in for a write; copied back at completion for a
 * read), an MDL probed for write on a read and for read on a write, or the raw pointer.
 */
function buildTransfer(io: IoManager, irp: Irp, device: DeviceObject, thread: Thread, major: number, buffer: number, length: number): NtStatus {
  const memory = io.machine.memory;
  const space = thread.process.space;
  const read = major === IRP_MJ.READ;
  let method: 'buffered' | 'direct' | 'neither';
  let copied: Uint8Array | null = null;
  try {
    if ((device.flags & DO.BUFFERED_IO) !== 0) {
      method = 'buffered';
      irp.flags = IRP_FLAG.BUFFERED_IO | (read ? IRP_FLAG.INPUT_OPERATION : 0);
      if (length > 0) {
        const systemBuffer = memory.allocatePool(length);
        if (systemBuffer === null) return STATUS.INSUFFICIENT_RESOURCES;
        irp.systemBuffer = systemBuffer;
        irp.systemBufferLength = length;
        irp.flags |= IRP_FLAG.DEALLOCATE_BUFFER;
        if (read) {
          memory.fill(space, systemBuffer, length, UNINITIALISED_FILL, 'kernel');
          irp.userBuffer = buffer;
          irp.outputLength = length;
        } else {
          copied = memory.read(space, buffer, length, thread.previousMode);
          memory.write(space, systemBuffer, copied, 'kernel');
        }
      }
    } else if ((device.flags & DO.DIRECT_IO) !== 0) {
      method = 'direct';
      // A read writes into the caller's pages: IoWriteAccess; a write reads them (IO-4.3).
      if (length > 0) irp.mdl = probeAndLockPages(memory, space, thread.process.id, buffer, length, read, thread.previousMode);
    } else {
      method = 'neither';
      irp.userBuffer = buffer;
    }
  } catch (error) {
    if (!SimException.is(error)) throw error;
    if (irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
    irp.systemBuffer = 0;
    return error.code;
  }
  irp.flags |= (read ? IRP_FLAG.READ_OPERATION : IRP_FLAG.WRITE_OPERATION) | IRP_FLAG.DEFER_IO_COMPLETION;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.transfer', irp: irp.id, major, method, buffer, length, systemBuffer: irp.systemBuffer, mdl: irp.mdl?.address ?? 0 });
    if (copied !== null) {
      io.trace.emit({ type: 'io.copy', irp: irp.id, direction: 'in', from: buffer, to: irp.systemBuffer, length, bytes: previewBytes(copied) });
    }
  }
  return STATUS.SUCCESS;
}
