import type { Routine, Task } from '../Task.ts';
import type { Cpu } from './Cpu.ts';
import type { Irql } from './Irql.ts';

/** An interrupt service routine: returns true when its device did interrupt. */
export type ServiceRoutine = (interrupt: KInterrupt) => Routine<boolean>;

/**
 * An interrupt object (KINTERRUPT, IoConnectInterrupt). Its ISR runs at `irql` (the
 * DIRQL) with the interrupt spin lock held, so it never runs on two CPUs at once
 * (verifier-and-objects.md C29); KeSynchronizeExecution takes the same lock.
 */
export class KInterrupt {
  readonly name: string;
  readonly irql: Irql;
  readonly isr: ServiceRoutine;
  /** CPUs the interrupt may be delivered to, or null for every CPU. */
  readonly affinity: readonly number[] | null;
  /** The CPU holding the interrupt spin lock (running the ISR or a SynchCritSection routine). */
  heldBy: Cpu | null = null;
  /** Tasks spinning on the interrupt spin lock (KeSynchronizeExecution callers). */
  readonly spinners: Task[] = [];
  /** Interrupts delivered so far. */
  count = 0;

  constructor(name: string, irql: Irql, isr: ServiceRoutine, affinity: readonly number[] | null = null) {
    this.name = name;
    this.irql = irql;
    this.isr = isr;
    this.affinity = affinity;
  }
}
