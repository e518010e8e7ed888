import type { Task } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { IRQL, irqlName } from './Irql.ts';
import type { Processors } from './Processors.ts';

/**
 * A wait at DISPATCH_LEVEL or above with a non-zero (or no) timeout — C13, C26. Under the
 * verifier's IRQL checking: 0xC4/0x120 above DISPATCH_LEVEL, 0x121 with no timeout, 0x122
 * with a non-zero one. Without it: a DPC, ISR or timer routine cannot switch away, 0xB8
 * ATTEMPTED_SWITCH_FROM_DPC; a thread above DISPATCH_LEVEL gets 0xA; a thread at
 * DISPATCH_LEVEL is switched out as Windows does without checking — its CPU is given
 * back, its spin locks stay held (docs/semantics.md).
 */
export function illegalWait(cpus: Processors, task: Task, timeoutNs: number | null): void {
  const irql = task.irql;
  const what = timeoutNs === null ? 'with no timeout' : `with a timeout of ${timeoutNs} ns`;
  const message = `${task.name} waits at ${irqlName(irql)} ${what}`;
  if (cpus.irqlChecking) {
    const subcode = irql > IRQL.DISPATCH ? 0x120 : timeoutNs === null ? 0x121 : 0x122;
    cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [subcode, irql, 0, 0] },
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [subcode, irql, 0, 0] },
      message,
    );
  }
  if (task.kind !== 'thread' && task.kind !== 'apc' && task.kind !== 'work') {
    cpus.stop(
      { code: 0xb8, name: 'ATTEMPTED_SWITCH_FROM_DPC', params: [0, 0, 0, 0] },
      { code: 0xb8, name: 'ATTEMPTED_SWITCH_FROM_DPC', params: [0, 0, 0, 0] },
      message,
    );
  }
  if (irql > IRQL.DISPATCH) {
    cpus.stop(
      { code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, irql, 0, 0] },
      { code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, irql, 0, 0] },
      message,
    );
  }
}

/** A system call returns to user mode with the thread's IRQL raised: 0x4A (C26). */
export function returnAtRaisedIrql(cpus: Processors, thread: Thread, service: string): never {
  const irql = thread.task.irql;
  return cpus.stop(
    { code: 0x4a, name: 'IRQL_GT_ZERO_AT_SYSTEM_SERVICE', params: [0, irql, 0, 0] },
    { code: 0x4a, name: 'IRQL_GT_ZERO_AT_SYSTEM_SERVICE', params: [0, irql, 0, 0] },
    `${service} returns to user mode at ${irqlName(irql)} (a spin lock left held?)`,
  );
}

/**
 * A kernel-mode access to pageable memory — any user address — at DISPATCH_LEVEL or above:
 * 0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL (C26), whether or not the page is valid, because a
 * page fault cannot be taken there and try/except does not help. *Choice:* irpsim raises it
 * on every such access, as if the page were always paged out (what the verifier's force
 * IRQL checking does), so the bug shows on every run rather than by luck.
 */
export function pageableAtRaisedIrql(cpus: Processors, address: number, write: boolean): void {
  const irql = cpus.irql;
  if (irql < 2 /* IRQL.DISPATCH, a literal: see Processors.beforeStep */) return;
  const hex = `0x${(address >>> 0).toString(16).toUpperCase()}`;
  cpus.stop(
    { code: 0xd1, name: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL', params: [address >>> 0, irql, write ? 1 : 0, 0] },
    { code: 0xd1, name: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL', params: [address >>> 0, irql, write ? 1 : 0, 0] },
    `kernel-mode ${write ? 'write to' : 'read of'} pageable user address ${hex} at ${irqlName(irql)}`,
  );
}
