import type { Task } from '../Task.ts';
import type { KDpc } from './KDpc.ts';
import { IRQL, type Irql } from './Irql.ts';

/**
 * One processor. It is *held* by the tasks on its stack — a DPC, an ISR, a thread that
 * raised to DISPATCH_LEVEL or above — innermost last (an ISR that pre-empted a DPC sits
 * above it). A CPU with an empty stack runs threads at PASSIVE or APC level.
 */
export class Cpu {
  readonly index: number;
  /** Tasks holding the CPU at raised IRQL, innermost last. */
  readonly stack: Task[] = [];
  /** The CPU's DPC queue, in the order the DPCs will run. */
  readonly dpcs: KDpc[] = [];
  /** ISR tasks delivered to this CPU whose routines have not started yet. */
  readonly isrs: Task[] = [];

  constructor(index: number) {
    this.index = index;
  }

  /** The CPU's IRQL between steps: that of its innermost holder, else PASSIVE_LEVEL. */
  get irql(): Irql {
    const top = this.stack[this.stack.length - 1];
    return top === undefined ? IRQL.PASSIVE : top.irql;
  }

  /** True when thread-level work may run here: nothing holds it and no DPC or ISR waits for it. */
  get free(): boolean {
    return this.stack.length === 0 && this.dpcs.length === 0 && this.isrs.length === 0;
  }
}
