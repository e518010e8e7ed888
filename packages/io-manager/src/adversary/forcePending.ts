import { KDpc, STATUS, describeStatus, type NtStatus } from '@irpsim/core';
import { SL } from '../constants.ts';
import { completeRequest } from '../completeRequest.ts';
import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import type { CompletionRoutine } from '../routines.ts';
import './adversaryEvents.ts';

const INVOKE_ALL = SL.INVOKE_ON_SUCCESS | SL.INVOKE_ON_ERROR | SL.INVOKE_ON_CANCEL;

/** The interceptions' completion routines (told apart from drivers' own). */
const traps = new WeakSet<CompletionRoutine>();

/** One intercepted IoCallDriver: what the interception replaced at the lower location. */
export interface ForcedPending {
  readonly location: number;
  readonly routine: CompletionRoutine | null;
  readonly context: unknown;
  readonly owner: DriverObject | null;
  readonly invoke: number;
  readonly target: DriverObject;
  /** The completion walk reached the location while the lower dispatch routine ran. */
  fired: boolean;
}

/**
 * Driver Verifier's "Force Pending I/O Requests" (force-pending): IoCallDriver from a
 * driver to a lower device returns STATUS_PENDING whatever the lower driver did, so the
 * caller's STATUS_PENDING logic runs. The option "intercepts calls to IoCallDriver and
 * returns STATUS_PENDING"; the caller "cannot reference the IRP after IoCallDriver", and the
 * IRP may be completed (even freed) before it waits. Modelled faithfully to what the caller
 * can observe: a trap put in the lower location's completion slot stops the completion walk
 * when it reaches the caller while the lower dispatch routine is still running; IoCallDriver
 * then returns STATUS_PENDING, and a DPC resumes the walk later, the location marked
 * SL_PENDING_RETURNED (so the caller's completion routine sees PendingReturned, IO-5.13).
 * A choice of kind `fault` per IoCallDriver: 0 passes the call through, 1 intercepts it.
 */
export function beginForcedPending(io: IoManager, irp: Irp, location: number, caller: DriverObject | null, target: DriverObject): ForcedPending | null {
  const adversaries = io.verifier.adversaries;
  if (adversaries === null || caller === null || !adversaries.has('force-pending')) return null;
  const sl = irp.stack[location - 1]!;
  // A driver above already intercepts at this location (skip-forwarding shares it): its trap stays.
  if (sl.completionRoutine !== null && traps.has(sl.completionRoutine)) return null;
  if (io.machine.engine.choose(2, 'fault') === 0) return null;
  const forced: ForcedPending = {
    location,
    routine: sl.completionRoutine,
    context: sl.context,
    owner: sl.routineOwner,
    invoke: sl.control & INVOKE_ALL,
    target,
    fired: false,
  };
  const trap: CompletionRoutine = function* trap() {
    forced.fired = true;
    return STATUS.MORE_PROCESSING_REQUIRED;
  };
  traps.add(trap);
  sl.completionRoutine = trap;
  sl.context = null;
  sl.control |= INVOKE_ALL;
  return forced;
}

/**
 * When the lower dispatch routine returned: takes the trap out if the walk did not reach it
 * (the lower driver still owns the IRP: its status stands), else returns STATUS_PENDING and
 * queues the DPC that gives the completion back.
 */
export function endForcedPending(io: IoManager, forced: ForcedPending, irp: Irp, status: NtStatus): NtStatus {
  const sl = irp.stack[forced.location - 1]!;
  if (!forced.fired) {
    restore(forced, irp, sl.control & SL.PENDING_RETURNED);
    return status;
  }
  // To the caller the IRP is still with the lower driver, at its location, until the walk resumes (IO-5.15).
  irp.state = 'active';
  irp.currentLocation = forced.location;
  if (io.trace.on) {
    io.trace.emit({ type: 'verifier.adversary', mode: 'force-pending', irp: irp.id, detail: `IoCallDriver to ${forced.target.name} returned STATUS_PENDING instead of ${describeStatus(status)}; completion delivered later from a DPC` });
  }
  const dpc = new KDpc(`verifier completion of IRP ${irp.id}`, function* resume() {
    restore(forced, irp, SL.PENDING_RETURNED);
    // A caller that completed or freed it meanwhile meets the lower driver's completion: 0x44.
    yield* completeRequest(io, irp, 0, forced.target, irp.state === 'active');
  });
  io.machine.cpus.insertQueueDpc(dpc);
  return STATUS.PENDING;
}

/** Puts back what the trap replaced; `pending` is the location's SL_PENDING_RETURNED bit. */
function restore(forced: ForcedPending, irp: Irp, pending: number): void {
  const sl = irp.stack[forced.location - 1]!;
  sl.completionRoutine = forced.routine;
  sl.context = forced.context;
  sl.routineOwner = forced.owner;
  sl.control = (sl.control & ~(INVOKE_ALL | SL.PENDING_RETURNED)) | forced.invoke | pending;
}
