import type { Machine, Thread } from '@irpsim/core';
import type { Irp } from '../Irp.ts';
import { threadIrps } from '../irpThreadList.ts';
import { describeRequest, whereHeld } from './describeRequest.ts';
import { addInvariant, type InvariantContext } from './invariant.ts';

/**
 * The liveness obligations checked when a run ends at quiescence (design.md §3: IRPs
 * still pending or threads still waiting at the end are violations). A run cut short (a
 * bug check, a budget, `until`) is not checked: its IRPs may still be on their way.
 *
 * - `liveness-irp-pending`: an IRP sent to a driver was never completed (or one a
 *   completion routine took back with STATUS_MORE_PROCESSING_REQUIRED was never
 *   completed nor freed). Windows has no bug check for it; the thread that waits for it
 *   hangs, the handle's CLEANUP never finishes (IO-5.14, SDV IrpProcessingComplete).
 * - `liveness-cancel-ignored`: a cancelled IRP was never completed (IO-6.1: a cancelled
 *   IRP must be completed, normally with STATUS_CANCELLED; 0xC4/0x135 is Driver Verifier's
 *   timed version, part E item 9).
 * - `liveness-thread-waits-forever`: a user thread is blocked in a wait nothing will end.
 */
export function addLivenessChecks(machine: Machine, irps: ReadonlyMap<number, Irp>): void {
  addInvariant(machine, {
    id: 'liveness-irp-pending',
    name: 'IRP still pending at quiescence',
    atEnd: (end, context) => {
      if (!end.quiescent) return;
      for (const irp of irps.values()) if (!irp.cancel) pendingIrp(irp, context);
    },
  });
  addInvariant(machine, {
    id: 'liveness-cancel-ignored',
    name: 'cancelled IRP never completed',
    atEnd: (end, context) => {
      if (!end.quiescent) return;
      for (const irp of irps.values()) if (irp.cancel) pendingIrp(irp, context);
    },
  });
  addInvariant(machine, {
    id: 'liveness-thread-waits-forever',
    name: 'thread waiting forever at quiescence',
    atEnd: (end, context) => {
      if (!end.quiescent) return;
      for (const process of machine.processes) {
        if (process.isSystem) continue;
        for (const thread of process.threads) waitingThread(thread, context);
      }
    },
  });
}

function pendingIrp(irp: Irp, context: InvariantContext): void {
  if (irp.state !== 'active' && irp.state !== 'held') return;
  const where = whereHeld(irp);
  const who = irp.thread !== null ? `, requested by ${irp.thread.label}` : irp.disassociated ? ', its thread gone (disassociated after the 5-minute cancel wait)' : '';
  if (irp.cancel) {
    context.report(`${describeRequest(irp)} was cancelled but never completed, ${where}${who}: a cancelled IRP must be completed, normally with STATUS_CANCELLED (IO-6.1)`);
    return;
  }
  context.report(`${describeRequest(irp)} still pending at quiescence, ${where}${who}: every IRP a driver receives must be completed (IO-5.14)`);
}

function waitingThread(thread: Thread, context: InvariantContext): void {
  const wait = thread.wait;
  if (thread.exitStatus !== null || wait === null || wait.done) return;
  const irps = threadIrps(thread).filter((irp) => irp.state === 'active' || irp.state === 'held');
  const inService = thread.service !== null ? ` in ${thread.service}` : '';
  const because = irps.length > 0 ? `; its request${irps.length > 1 ? 's' : ''} ${irps.map(describeRequest).join(', ')} never completed` : '';
  context.report(`thread ${thread.label} (tid ${thread.id}) waits forever${inService}: nothing left to run can end its wait${because}`);
}
