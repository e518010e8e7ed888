import type { TraceEvent } from '@irpsim/core';

/** Who an actor is: a thread of a process, or kernel context that is no thread (a DPC, the clock). */
export interface ActorInfo {
  readonly kind: 'user' | 'system' | 'kernel';
  readonly pid: number;
  readonly tid: number | null;
  readonly process: string;
}

/**
 * Sorts the run's actors: threads by their `thread.create` (user threads are those of a
 * process the trace created; the others belong to System), everything else (DPCs, timers,
 * the clock, `system`) is kernel context.
 */
export function actorsOf(events: readonly TraceEvent[]): Map<string, ActorInfo> {
  const processes = new Map<number, string>();
  const actors = new Map<string, ActorInfo>();
  for (const e of events) {
    if (e.type === 'process.create') processes.set(e.pid, e.name);
    if (e.type === 'thread.create') {
      const user = processes.has(e.pid);
      actors.set(e.name, { kind: user ? 'user' : 'system', pid: e.pid, tid: e.tid, process: user ? processes.get(e.pid)! : 'System' });
    }
  }
  for (const e of events) {
    if (!actors.has(e.actor)) actors.set(e.actor, { kind: 'kernel', pid: 0, tid: null, process: 'kernel' });
  }
  return actors;
}

/** A sentence for the kernel-context events the narration leaves out (timers, DPCs, work items, interrupts), or null. */
export function describeKernelEvent(e: TraceEvent): string | null {
  switch (e.type) {
    case 'timer.fire':
      return `timer "${e.timer}" fires on CPU ${e.cpu}`;
    case 'dpc.run':
      return `DPC "${e.dpc}" runs on CPU ${e.cpu} at DISPATCH_LEVEL`;
    case 'workitem.run':
      return `work item "${e.item}" runs in a system worker thread`;
    case 'cpu.interrupt':
      return `interrupt ${e.interrupt} on CPU ${e.cpu}`;
    default:
      return null;
  }
}
