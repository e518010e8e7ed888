import { PRIORITY, type Machine, type Process } from '@irpsim/core';
import type { Adversaries } from './Adversaries.ts';
import './adversaryEvents.ts';

/** How often the adversary looks for applications its faults left hanging. */
const PERIOD_NS = 50_000_000;

/** Exit status of an application the adversary ends (TerminateProcess(h, 1)). */
const TERMINATED = 1;

/**
 * An application the adversary disrupted (a request cancelled, a thread ended, a handle
 * closed behind its back) may hang waiting for something that will now never come: its
 * own logic is broken by design, which is no driver's fault. Once a disruption has been
 * made, a background task watches: when every user thread has been blocked for a whole
 * period, it ends the user processes, as a user kills a hung application. What is then
 * checked is the drivers' part: every IRP of the ended threads is cancelled and completed
 * (IO-6.5), or the liveness checks report it. A hang with no disruption is never excused.
 */
export function endHungApplications(adversaries: Adversaries, machine: Machine): void {
  if (adversaries.watching) return;
  adversaries.watching = true;
  machine.engine.spawn(watch(machine), { kind: 'internal', name: 'adversary: hung-application watch', background: true, priority: PRIORITY.thread });
}

function* watch(machine: Machine) {
  let blockedBefore = false;
  for (;;) {
    yield PERIOD_NS;
    const live = machine.processes.filter((p) => !p.isSystem && !p.hasExited && p.terminating === null);
    const blocked = live.length > 0 && live.every(allBlocked);
    if (blocked && blockedBefore) {
      for (const process of live) {
        if (machine.trace.on) machine.trace.emit({ type: 'verifier.adversary', mode: 'end-threads', irp: null, detail: `TerminateProcess(${process.name}): every user thread stayed blocked after a disruption` });
        machine.terminateProcess(process, TERMINATED);
      }
      blockedBefore = false;
    } else {
      blockedBefore = blocked;
    }
  }
}

function allBlocked(process: Process): boolean {
  return process.threads.every((t) => t.exitStatus !== null || t.task.state === 'blocked');
}
