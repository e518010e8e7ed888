import type { Task } from './Task.ts';

/** The engine's own clock bookkeeping (timers firing, internal tasks) runs without a CPU: never held back. */
export function needsNoCpu(task: Task): boolean {
  return task.kind === 'timer' || task.kind === 'internal';
}

/**
 * What the engine asks the machine about processors. Without a gate the engine is one
 * processor: at each instant only the most urgent priority runs. With a gate every ready
 * task the gate admits is an option of the choice, so work on different CPUs interleaves
 * (docs/semantics.md, "The CPU model").
 */
export interface SchedulingGate {
  /**
   * False when every ready task may run (no CPU is held at raised IRQL and no DPC or ISR
   * is waiting for one): the engine then skips `eligible` altogether.
   */
  readonly constrained: boolean;
  /** May this ready task run now? */
  eligible(task: Task): boolean;
  /**
   * What `eligible` answers now for every ready task bound to no CPU that needs one (not
   * `needsNoCpu`): asked once per choice instead of once per task.
   */
  unboundEligible(): boolean;
  /** The task is about to run a step (bind it to its CPU). */
  beforeStep(task: Task): void;
  /** The task's step has ended (release its CPU if it no longer holds one). */
  afterStep(task: Task): void;
  /** Why ready tasks can never run, for the deadlock reason. */
  describeStuck(ready: readonly Task[]): string;
}
