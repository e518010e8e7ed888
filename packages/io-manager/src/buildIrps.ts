import { SimException, type KEvent } from '@irpsim/core';
import { DO, IRP_FLAG, IRP_MJ, METHOD, METHOD_FROM_CTL_CODE } from './constants.ts';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import { traceAlloc } from './driverIrps.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { queueThreadIrp } from './irpThreadList.ts';
import { probeAndLockPages } from './probeAndLockPages.ts';
import { UNINITIALISED_FILL } from './services/NtDeviceIoControlFile.ts';

/**
 * The IRP builders of the I/O manager (R-IRP): IoBuildDeviceIoControlRequest,
 * IoBuildSynchronousFsdRequest and IoBuildAsynchronousFsdRequest. They present the
 * caller's buffers exactly as the system services do for a user request (§3, IO-4.1), with
 * system-space buffers, RequestorMode KernelMode and no access check. Who finishes which
 * IRP is said in driverIrps.ts.
 */

/** The arguments of IoBuildDeviceIoControlRequest. */
export interface DeviceIoControlRequest {
  readonly ioControlCode: number;
  readonly inputBuffer: number;
  readonly inputLength: number;
  readonly outputBuffer: number;
  readonly outputLength: number;
  readonly internal: boolean;
  readonly event: KEvent | null;
  /** Kernel address of the IO_STATUS_BLOCK the I/O manager fills at completion. */
  readonly iosb: number;
}

/**
 * IoBuildDeviceIoControlRequest (IO-3.10, IO-2.3 e): a kernel-mode IOCTL for the top of
 * `device`'s stack, buffered per METHOD exactly as NtDeviceIoControlFile does but with
 * system-space buffers and no access check, queued to the current thread. Returns null
 * when a buffer is bad (0xC9/0x09 under the verifier, which is fatal) or pool runs out.
 */
export function buildDeviceIoControlRequest(io: IoManager, driver: DriverObject | null, device: DeviceObject, r: DeviceIoControlRequest): Irp | null {
  const machine = io.machine;
  const thread = machine.currentThread();
  const irp = io.allocateIrp(device.stackSize);
  irp.requestorMode = 'kernel';
  irp.thread = thread;
  irp.origin = { service: 'IoBuildDeviceIoControlRequest', userIosb: r.iosb, event: r.event, apcContext: 0, holdsFileReference: false };
  const method = METHOD_FROM_CTL_CODE(r.ioControlCode);
  const outputLength = r.outputBuffer === 0 && method !== METHOD.NEITHER ? 0 : r.outputLength >>> 0;
  const inputLength = r.inputBuffer === 0 && method !== METHOD.NEITHER ? 0 : r.inputLength >>> 0;
  irp.outputLength = outputLength;
  const sl = irp.next()!;
  sl.majorFunction = r.internal ? IRP_MJ.INTERNAL_DEVICE_CONTROL : IRP_MJ.DEVICE_CONTROL;
  sl.arg1 = outputLength;
  sl.arg2 = inputLength;
  sl.arg3 = r.ioControlCode >>> 0;
  const memory = machine.memory;
  const space = thread.process.space;
  try {
    if (method === METHOD.BUFFERED) {
      const length = Math.max(inputLength, outputLength);
      if (length > 0) {
        irp.systemBuffer = pool(io, length);
        irp.systemBufferLength = length;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        if (r.outputBuffer !== 0) irp.flags |= IRP_FLAG.INPUT_OPERATION;
        if (inputLength > 0) memory.write(space, irp.systemBuffer, memory.read(space, r.inputBuffer, inputLength, 'kernel'), 'kernel');
        if (length > inputLength) memory.fill(space, irp.systemBuffer + inputLength, length - inputLength, UNINITIALISED_FILL, 'kernel');
      }
      irp.userBuffer = r.outputBuffer;
    } else if (method === METHOD.NEITHER) {
      sl.arg4 = r.inputBuffer >>> 0;
      irp.userBuffer = r.outputBuffer;
    } else {
      if (inputLength > 0) {
        irp.systemBuffer = pool(io, inputLength);
        irp.systemBufferLength = inputLength;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        memory.write(space, irp.systemBuffer, memory.read(space, r.inputBuffer, inputLength, 'kernel'), 'kernel');
      }
      if (outputLength > 0) {
        irp.mdl = probeAndLockPages(memory, space, thread.process.id, r.outputBuffer, outputLength, method === METHOD.OUT_DIRECT, 'kernel');
      }
    }
  } catch (error) {
    if (!SimException.is(error) && error !== POOL_EXHAUSTED) throw error;
    if (irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
    io.freeIrp(irp);
    if (SimException.is(error) && io.verifier.on) {
      io.verifier.ioViolation(0x09, true, 'invalid buffer passed to IoBuildDeviceIoControlRequest',
        `${driver?.name ?? 'a system thread'} passed IoBuildDeviceIoControlRequest a buffer it cannot access (${error.message})`, irp, driver, [0x09, device.object.id, r.ioControlCode >>> 0, error.code]);
    }
    return null;
  }
  queueThreadIrp(irp);
  traceAlloc(io, irp, thread.id);
  return irp;
}

/** The arguments of IoBuildSynchronousFsdRequest / IoBuildAsynchronousFsdRequest. */
export interface FsdRequest {
  readonly majorFunction: number;
  readonly buffer: number;
  readonly length: number;
  /** StartingOffset, or null. */
  readonly startingOffset: number | null;
  /** Kernel address of the IO_STATUS_BLOCK, or 0. */
  readonly iosb: number;
  /** The event of a synchronous request, else null. */
  readonly event: KEvent | null;
}

/**
 * IoBuildAsynchronousFsdRequest / IoBuildSynchronousFsdRequest (R-IRP): a READ or WRITE
 * (or FLUSH_BUFFERS, SHUTDOWN) for the top of `device`'s stack, its buffer presented per
 * the device's DO_BUFFERED_IO / DO_DIRECT_IO flag (IO-4.1): a system buffer (a copy of the
 * data for WRITE, copied back for READ), an MDL locked in kernel mode (READ for write
 * access), or the raw pointer. Thread = the current one.
 */
export function buildFsdRequest(io: IoManager, driver: DriverObject, device: DeviceObject, r: FsdRequest, synchronous: boolean): Irp | null {
  const machine = io.machine;
  const thread = machine.currentThread();
  const irp = io.allocateIrp(device.stackSize);
  irp.requestorMode = 'kernel';
  irp.thread = thread;
  const service = synchronous ? 'IoBuildSynchronousFsdRequest' : 'IoBuildAsynchronousFsdRequest';
  irp.origin = { service, userIosb: r.iosb, event: r.event, apcContext: 0, holdsFileReference: false };
  const sl = irp.next()!;
  sl.majorFunction = r.majorFunction;
  const memory = machine.memory;
  const space = thread.process.space;
  const readWrite = r.majorFunction === IRP_MJ.READ || r.majorFunction === IRP_MJ.WRITE;
  if (readWrite) {
    const read = r.majorFunction === IRP_MJ.READ;
    try {
      if ((device.flags & DO.BUFFERED_IO) !== 0) {
        irp.systemBuffer = pool(io, r.length);
        irp.systemBufferLength = r.length;
        irp.flags |= IRP_FLAG.BUFFERED_IO | IRP_FLAG.DEALLOCATE_BUFFER;
        if (read) {
          irp.flags |= IRP_FLAG.INPUT_OPERATION;
          irp.userBuffer = r.buffer;
          irp.outputLength = r.length;
        } else if (r.length > 0) {
          memory.write(space, irp.systemBuffer, memory.read(space, r.buffer, r.length, 'kernel'), 'kernel');
        }
      } else if ((device.flags & DO.DIRECT_IO) !== 0) {
        if (r.length > 0) irp.mdl = probeAndLockPages(memory, space, thread.process.id, r.buffer, r.length, read, 'kernel');
      } else {
        irp.userBuffer = r.buffer;
      }
    } catch (error) {
      if (!SimException.is(error) && error !== POOL_EXHAUSTED) throw error;
      if (irp.systemBuffer !== 0) memory.freePool(irp.systemBuffer);
      io.freeIrp(irp);
      if (SimException.is(error) && io.verifier.on) {
        io.verifier.ioViolation(0x08, true, `invalid buffer passed to ${service}`,
          `${driver.name} passed ${service} a buffer it cannot access (${error.message})`, irp, driver, [0x08, device.object.id, r.majorFunction, error.code]);
      }
      return null;
    }
    sl.arg1 = r.length >>> 0;
    if (r.startingOffset !== null) {
      sl.arg3 = r.startingOffset >>> 0;
      sl.arg4 = Math.floor(r.startingOffset / 0x1_0000_0000) >>> 0;
    }
  }
  if (synchronous) queueThreadIrp(irp);
  traceAlloc(io, irp, thread.id);
  return irp;
}

const POOL_EXHAUSTED = new Error('pool exhausted');

/** Nonpaged pool for a system buffer (thrown as POOL_EXHAUSTED when there is none). */
function pool(io: IoManager, length: number): number {
  const address = io.machine.memory.allocatePool(length);
  if (address === null) throw POOL_EXHAUSTED;
  return address;
}
