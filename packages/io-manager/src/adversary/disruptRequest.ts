import type { Machine, Thread } from '@irpsim/core';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import { isQueuedToThread } from '../irpThreadList.ts';
import type { AdversaryMode } from './AdversaryMode.ts';
import { endHungApplications } from './endHungApplications.ts';
import './adversaryEvents.ts';

/** The modes that act on a user request in flight, in the order of their options. */
const DISRUPTIONS: readonly AdversaryMode[] = ['inject-cancel', 'end-threads', 'close-handles'];

/** When the disruption comes after the request was sent: at once, soon, or much later. */
const DELAYS_NS = [0, 20_000, 2_000_000] as const;

/** Exit status of a thread the adversary ends (TerminateThread(h, 1)). */
const TERMINATED = 1;

/**
 * inject-cancel, end-threads, close-handles: once a user request's IRP is sent to the top of
 * its stack (the I/O manager's IoCallDriver), it is in flight until its final processing,
 * and the application may at any time cancel it (CancelIoEx with its OVERLAPPED), terminate
 * the thread that issued it (TerminateThread: IoCancelThreadIo cancels its IRPs, IO-6.5), or
 * close its handle (CloseHandle: the last handle's close sends IRP_MJ_CLEANUP while the IRP
 * is pending, IO-9.3). A new thread of the requesting process does it after a chosen delay,
 * so the scheduler chooses the point it lands on: inside the dispatch routine, while the IRP
 * is queued, during its completion. Two choices: kind `cancel` (0 none, then one option per
 * mode switched on) and kind `latency` (the delay).
 */
export function disruptRequest(io: IoManager, irp: Irp): void {
  const adversaries = io.verifier.adversaries;
  if (adversaries === null) return;
  const thread = irp.thread;
  const file = irp.fileObject;
  if (thread === null || file === null || irp.requestorMode !== 'user' || thread.process.isSystem) return;
  const modes = DISRUPTIONS.filter((mode) => adversaries.has(mode));
  if (modes.length === 0) return;
  const engine = io.machine.engine;
  const pick = engine.choose(modes.length + 1, 'cancel');
  if (pick === 0) return;
  const mode = modes[pick - 1]!;
  const delay = DELAYS_NS[engine.choose(DELAYS_NS.length, 'latency')]!;
  const process = thread.process;
  if (process.hasExited || process.terminating !== null) return;
  const machine = io.machine;
  machine.createThread(process, `adversary ${mode}`, (self) => disrupt(io, machine, self, mode, irp, thread), { delay });
  endHungApplications(adversaries, machine);
}

function* disrupt(io: IoManager, machine: Machine, self: Thread, mode: AdversaryMode, irp: Irp, target: Thread) {
  // The request may have completed meanwhile: then there is nothing in flight to disrupt.
  if (!isQueuedToThread(irp) || target.exitStatus !== null || target.terminating !== null) return;
  const file = irp.fileObject!;
  const table = self.process.handles;
  const handle = table.handles().find((h) => table.get(h)?.object === file.object) ?? null;
  // No handle (a CREATE not yet done, a CLOSE under way): no CancelIoEx or CloseHandle to make.
  if (handle === null && mode !== 'end-threads') return;
  if (io.trace.on) io.trace.emit({ type: 'verifier.adversary', mode, irp: irp.id, detail: describe(mode, target, handle) });
  if (mode === 'end-threads') machine.terminateThread(target, TERMINATED);
  else if (mode === 'inject-cancel') yield* machine.systemCall('NtCancelIoFileEx', { handle: handle!, request: irp.origin?.userIosb ?? 0, iosb: self.userStack + 0x28 });
  else yield* machine.systemCall('NtClose', { handle: handle! });
}

function describe(mode: AdversaryMode, target: Thread, handle: number | null): string {
  if (mode === 'end-threads') return `TerminateThread(${target.label}) while its request is in flight`;
  const h = `handle 0x${(handle ?? 0).toString(16)}`;
  return mode === 'inject-cancel' ? `CancelIoEx on ${h} while the request is in flight` : `CloseHandle(${h}) while the request is in flight`;
}
