import type { Routine, Task } from '../Task.ts';
import type { Cpu } from './Cpu.ts';

/** A deferred routine: runs at DISPATCH_LEVEL in an arbitrary thread context. */
export type DeferredRoutine = (dpc: KDpc, arg1: unknown, arg2: unknown) => Routine<void>;

/**
 * Where KeInsertQueueDpc puts the DPC in its CPU's queue (KeSetImportanceDpc): high
 * importance goes to the head, the others to the tail.
 */
export type DpcImportance = 'low' | 'medium' | 'high';

/**
 * A DPC object (KDPC). It is queued at most once at a time (verifier-and-objects.md C30):
 * inserting a queued DPC does nothing and returns FALSE, so several interrupts before it
 * runs collapse into one run. It is dequeued just before its routine starts, so the
 * routine — or an ISR meanwhile — may queue it again.
 */
export class KDpc {
  readonly name: string;
  readonly routine: DeferredRoutine;
  /** The CPU it runs on (KeSetTargetProcessorDpc), or -1 for the CPU that queues it. */
  target = -1;
  importance: DpcImportance = 'medium';
  /** The CPU whose queue holds it, or null when it is not queued. */
  queuedOn: Cpu | null = null;
  /** @internal the task that will run it while queued. */
  task: Task | null = null;
  /** How many times its routine has started, for reports. */
  runs = 0;

  constructor(name: string, routine: DeferredRoutine) {
    this.name = name;
    this.routine = routine;
  }
}
