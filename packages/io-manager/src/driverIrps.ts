import { SimException, STATUS } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { checkFreeInUse } from './verifier/freeInUse.ts';

/**
 * IRPs a driver builds itself (IO-3.10, IO-5.1, IO-5.19): IoAllocateIrp, IoFreeIrp,
 * IoReuseIrp; the builders are in buildIrps.ts. Who finishes each kind:
 * - IoAllocateIrp: nobody but the driver. It sets a completion routine that returns
 *   STATUS_MORE_PROCESSING_REQUIRED and frees the IRP (IO-5.6, IO-5.12). The IRP has no
 *   thread, so a walk that reaches its end makes IopfCompleteRequest queue the
 *   completion APC to a NULL thread: a kernel NULL dereference (`completedWithoutOwner`).
 * - IoBuildAsynchronousFsdRequest: the same contract; its thread is the builder's, so a
 *   walk that does reach the end is finished in that thread (buffers, IOSB, free), as
 *   ReactOS does.
 * - IoBuildDeviceIoControlRequest / IoBuildSynchronousFsdRequest: the I/O manager finishes
 *   them in the builder's thread — copy-back, the caller's IO_STATUS_BLOCK, the event —
 *   and frees them; the creator must not call IoFreeIrp (0xC9/0x02).
 */

/** Irp->AllocationFlags (wdm.h). */
export const IRP_ALLOCATION = {
  QUOTA_CHARGED: 0x01,
  ALLOCATED_MUST_SUCCEED: 0x02,
  ALLOCATED_FIXED_SIZE: 0x04,
} as const;

/** IoAllocateIrp: StackCount = N, CurrentLocation = N + 1, no thread, kernel requestor (IO-5.1). */
export function allocateDriverIrp(io: IoManager, stackSize: number, chargeQuota: boolean): Irp {
  const irp = io.allocateIrp(stackSize);
  // Small IRPs without quota come from the fixed-size lookaside lists (R-IRP IoAllocateIrp).
  irp.allocationFlags = stackSize <= 8 && !chargeQuota ? IRP_ALLOCATION.ALLOCATED_FIXED_SIZE : chargeQuota ? IRP_ALLOCATION.QUOTA_CHARGED : 0;
  irp.requestorMode = 'kernel';
  irp.origin = { service: 'IoAllocateIrp', userIosb: 0, event: null, apcContext: 0, holdsFileReference: false };
  traceAlloc(io, irp, 0);
  return irp;
}

/**
 * IoFreeIrp. An IRP the I/O manager still has to finish in a thread (a user request, or
 * an IoBuildDeviceIoControlRequest / IoBuildSynchronousFsdRequest IRP) is 0xC9/0x02, and
 * an IRP already freed no longer has the IRP type, 0xC9/0x01. Both stop the run at every
 * verifier level (POLICY, docs/verifier.md): after either, Windows corrupts its pool.
 */
export function freeDriverIrp(io: IoManager, irp: Irp, driver: DriverObject): void {
  if (irp.state === 'freed') {
    io.verifier.ioViolation(0x01, true, 'IoFreeIrp on an object that is not an IRP',
      `${driver.name} called IoFreeIrp on ${io.describeIrp(irp)}, which was already freed`, irp, driver, [0x01, irp.address, 0, 0]);
  }
  checkFreeInUse(io, irp, driver); // 0xC9/0x20B (verifier/)
  if (threaded(irp)) {
    io.verifier.ioViolation(0x02, true, 'IoFreeIrp on an IRP still associated with a thread',
      `${driver.name} called IoFreeIrp on ${io.describeIrp(irp)}, which the I/O manager finishes and frees itself (${irp.origin?.service ?? 'a user request'}; IO-3.10)`, irp, driver, [0x02, irp.address, 0, 0]);
  }
  io.freeIrp(irp);
}

/** The I/O manager finishes the IRP in a thread (it is queued to it). */
function threaded(irp: Irp): boolean {
  const service = irp.origin?.service;
  return service !== 'IoAllocateIrp' && service !== 'IoBuildAsynchronousFsdRequest';
}

/**
 * IoReuseIrp: IoInitializeIrp over the IRP, keeping its AllocationFlags, then
 * IoStatus.Status = status (IO-5.1). The verifier records reusing an IRP a lower driver
 * still owns (0xC9/0x310) and reusing one a builder made (0xC9/0x311), both non-fatal.
 */
export function reuseDriverIrp(io: IoManager, irp: Irp, status: number, driver: DriverObject): void {
  if (io.verifier.on && irp.state === 'active') {
    io.verifier.ioViolation(0x310, false, 'IoReuseIrp on an IRP still in use',
      `${driver.name} reinitialised ${io.describeIrp(irp)} while a lower driver still owned it`, irp, driver);
  }
  if (io.verifier.on && irp.origin?.service !== 'IoAllocateIrp') {
    io.verifier.ioViolation(0x311, false, 'IoReuseIrp on an IRP it did not allocate',
      `${driver.name} reinitialised ${io.describeIrp(irp)}, which came from ${irp.origin?.service ?? 'a system service'}: only IoAllocateIrp IRPs may be reused`, irp, driver);
  }
  irp.currentLocation = irp.stackCount + 1;
  for (const sl of irp.stack) sl.clear();
  irp.state = 'allocated';
  irp.status = status >>> 0;
  irp.information = 0;
  irp.systemBuffer = 0;
  irp.systemBufferLength = 0;
  irp.mdl = null;
  irp.userBuffer = 0;
  irp.flags = 0;
  irp.pendingReturned = false;
  irp.cancel = false;
  irp.cancelRoutine = null;
  irp.forwardedBy = null;
}

/**
 * IopfCompleteRequest reached the end of the walk of an IoAllocateIrp IRP: it queues the
 * completion APC to Irp->Tail.Overlay.Thread, which is NULL. On Windows that is a kernel
 * NULL-pointer access; irpsim raises it as the access violation it is, which becomes the
 * bug check of an unhandled kernel exception naming the completing driver (SDV
 * IoAllocateComplete / IoAllocateForward).
 */
export function completedWithoutOwner(io: IoManager, irp: Irp, caller: DriverObject | null): never {
  const fault = new SimException(STATUS.ACCESS_VIOLATION, 0, false, 'kernel');
  // The report's analysis quotes the message: say what happened, not only where.
  fault.message += ` in IopfCompleteRequest: ${io.describeIrp(irp)} from IoAllocateIrp was completed to the end with no thread to queue its completion APC to (its creator must take it back in a completion routine returning STATUS_MORE_PROCESSING_REQUIRED)`;
  if (caller !== null) io.faultIn(caller, fault);
  throw fault;
}

/** The `io.irp.alloc` trace event of a driver-built IRP (tid 0: none). */
export function traceAlloc(io: IoManager, irp: Irp, tid: number): void {
  if (!io.trace.on) return;
  io.trace.emit({
    type: 'io.irp.alloc',
    irp: irp.id,
    major: irp.next()?.majorFunction ?? 0,
    stackCount: irp.stackCount,
    requestor: 'kernel',
    tid: tid === 0 ? null : tid,
    file: null,
  });
}
