import type { Task } from './Task.ts';

/** What a choice among ready tasks reads: how many, and the i-th in (priority, sequence) order. */
export interface ReadyTasks {
  readonly length: number;
  at(i: number): Task | undefined;
}

/**
 * The tasks one scheduling choice is offered when the CPU gate holds some back: refilled
 * at every such step, so its array is written in place and never shrunk — emptying an
 * array and pushing into it again reallocates it on every step.
 */
export class TaskList implements ReadyTasks {
  private readonly items: Task[] = [];
  length = 0;

  at(i: number): Task | undefined {
    return i < this.length ? this.items[i] : undefined;
  }

  push(task: Task): void {
    this.items[this.length++] = task;
  }

  clear(): void {
    this.length = 0;
  }
}
