import { STATUS, type NtStatus } from '@irpsim/core';
import type { DeviceObject } from '../DeviceObject.ts';
import type { DriverObject } from '../DriverObject.ts';
import type { DispatchFrame } from '../dispatchChecks.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';

/**
 * Driver Verifier's level-2 checks on IoCallDriver (bug check 0xC9 page, "WDM DRIVER
 * ERROR" table), made before the IRP moves to the next location. `frame` is the caller's
 * dispatch routine for this IRP, if it is running one (dispatchChecks.ts).
 *
 * - 0x205 (fatal): forwarding an IRP that is queued beneath the caller — its IoCallDriver
 *   returned STATUS_PENDING and its completion routine has not given it back (IO-5.15).
 * - 0x203 (fatal): IoCallDriver with the IRP's cancel routine still set (IO-6.3, B10).
 * - 0x208 (fatal): the IRP is about to run out of stack locations: the target's stack
 *   needs more than are left (IO-5.2: forwarded from another stack). With none left at
 *   all it is the 0x35 of every level instead.
 * - 0x211 (non-fatal): the caller skipped a device of its own stack — sent its IRP to a
 *   device below the one IoAttachDeviceToDeviceStack returned (IO-5.1).
 */
export function checkForward(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null, frame: DispatchFrame | null): void {
  const verifier = io.verifier;
  if (caller !== null && irp.forwardedBy === caller && irp.state === 'active') {
    verifier.ioViolation(0x205, true, 'forwarding an IRP that is queued beneath the caller',
      `${caller.name} called IoCallDriver with ${io.describeIrp(irp)}, which it already passed down and got STATUS_PENDING for: a lower driver still owns it (IO-5.15)`, irp, caller);
  }
  if (irp.cancelRoutine !== null) {
    verifier.ioViolation(0x203, true, 'IoCallDriver with a cancel routine set',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)} without setting its cancel routine (set by ${irp.cancelOwner?.name ?? 'a driver'}) to NULL first (IO-6.3)`, irp, caller);
  }
  const left = irp.currentLocation - 1;
  if (left >= 1 && left < device.stackSize) {
    verifier.ioViolation(0x208, true, 'IRP about to run out of stack locations',
      `${caller?.name ?? 'a driver'} sent ${io.describeIrp(irp)} to ${device.label}, whose stack needs ${device.stackSize} locations, with ${left} left (StackCount ${irp.stackCount}): forwarded from another stack? (IO-5.2)`, irp, caller);
  }
  if (frame !== null && caller !== null) skippedDevice(io, device, irp, caller, frame);
}

/** 0x211: the caller's own device (where its dispatch routine got the IRP) has a lower device, and the target is further down. */
function skippedDevice(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject, frame: DispatchFrame): void {
  const own = irp.stack[frame.location - 1]?.deviceObject ?? null;
  const lower = own?.lowerDevice ?? null;
  if (own === null || own.driver !== caller || lower === null || device === lower) return;
  for (let d = lower.lowerDevice; d !== null; d = d.lowerDevice) {
    if (d !== device) continue;
    io.verifier.ioViolation(0x211, false, 'forwarded while skipping a device in the stack',
      `${caller.name} forwarded ${io.describeIrp(irp)} from ${own.label} to ${device.label}, skipping ${lower.label}, the device IoAttachDeviceToDeviceStack returned (IO-5.1)`, irp, caller);
    return;
  }
}

/**
 * 0x307 (non-fatal): a driver sent an IRP it built with an event (IoBuildDeviceIoControlRequest,
 * IoBuildSynchronousFsdRequest) while that event was already signalled, and got
 * STATUS_PENDING: a wait on the event returns at once and the caller may unwind its IO_STATUS_BLOCK
 * before the I/O is done (SDV IoBuildDeviceControlWait). Called when the first IoCallDriver of
 * such an IRP returns, if the event was signalled when it was entered (`eventSignalledAtFirstCall`).
 */
export function checkEventAlreadySignalled(io: IoManager, irp: Irp, caller: DriverObject | null, status: NtStatus): void {
  if (status !== STATUS.PENDING) return;
  io.verifier.ioViolation(0x307, false, 'request issued with an event already signalled',
    `${caller?.name ?? 'a driver'} sent ${io.describeIrp(irp)} (${irp.origin?.service ?? '?'}) with an event that was already signalled and got STATUS_PENDING: waiting on it returns before the request is done`, irp, caller);
}

/** The IRP's event (from a builder) is signalled as the driver first sends the IRP (0x307). */
export function eventSignalledAtFirstCall(irp: Irp): boolean {
  const origin = irp.origin;
  if (origin === null || origin.event === null || irp.currentLocation !== irp.stackCount + 1) return false;
  return (origin.service === 'IoBuildDeviceIoControlRequest' || origin.service === 'IoBuildSynchronousFsdRequest') && origin.event.signalState > 0;
}
