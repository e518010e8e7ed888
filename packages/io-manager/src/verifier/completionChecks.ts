import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';

/**
 * Driver Verifier's level-2 checks at IoCompleteRequest's entry (after 0x44, 0x06, 0x07):
 *
 * - 0x209 (fatal): the caller completes an IRP that is queued beneath it — its own
 *   IoCallDriver returned STATUS_PENDING and its completion routine has not given the
 *   IRP back (IO-5.15; SDV PendedCompletedRequest3).
 * - 0x239 (warning, non-fatal): completing an IRP never sent with IoCallDriver (a driver
 *   "completes" an IRP it allocated; SDV IoAllocateComplete).
 * - `liveness-cancel-ignored` (non-fatal): the IRP was disassociated from its exiting
 *   thread because it was not completed within IoCancelThreadIo's 5 minutes (IO-6.5): it
 *   is completed now, too late for anybody to be told.
 */
export function checkCompletion(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  const verifier = io.verifier;
  if (caller !== null && irp.forwardedBy === caller && irp.state === 'active' && irp.current()?.deviceObject?.driver !== caller) {
    verifier.ioViolation(0x209, true, 'completing an IRP that is queued beneath the caller',
      `${caller.name} completed ${io.describeIrp(irp)}, which it passed down and got STATUS_PENDING for: the lower driver still owns it (IO-5.15)`, irp, caller);
  }
  if (irp.state === 'allocated') {
    verifier.ioViolation(0x239, false, 'completing an IRP never forwarded',
      `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)}, which was never sent with IoCallDriver (${irp.origin?.service ?? 'a driver-built IRP'}): free an IRP you allocated, do not complete it`, irp, caller);
  }
  if (irp.disassociated) {
    io.machine.engine.violation('liveness-cancel-ignored', 'cancelled IRP never completed',
      `${caller?.name ?? 'a driver'} completed ${io.describeIrp(irp)} only after the I/O manager stopped waiting for it: it was cancelled when its thread exited and not completed within 5 minutes (IO-6.5)`);
  }
}

/**
 * 0x23C (enhanced, fatal): the completion walk ended with a cancel routine set on the
 * IRP — a completion routine set one and let completion go on. (A cancel routine already
 * set when IoCompleteRequest is called is 0x07, checked first.) IoCancelIrp would later
 * call it on a completed IRP: bug check 0x48.
 */
export function checkCompletedCancelable(io: IoManager, irp: Irp, caller: DriverObject | null): void {
  if (irp.cancelRoutine === null || !io.verifier.enhanced) return;
  io.verifier.ioViolation(0x23c, true, 'IRP completed with a cancel routine set',
    `${io.describeIrp(irp)} finished completing with the cancel routine of ${irp.cancelOwner?.name ?? 'a driver'} still set: a completion routine must not make the IRP cancelable again (IO-6.3)`, irp, irp.cancelOwner ?? caller);
}
