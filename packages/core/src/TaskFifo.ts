import type { Task } from './Task.ts';

/**
 * A first-in first-out list of tasks: a ring buffer whose capacity is a power of two,
 * so taking from the front and adding at the back are a store and a mask. A ready
 * bucket can hold thousands of tasks (one per process in a large run), each taken from
 * the front at its step and put back at the end of it (docs/performance.md).
 */
export class TaskFifo {
  private items: (Task | undefined)[] = new Array<Task | undefined>(16).fill(undefined);
  private mask = 15;
  private head = 0;
  length = 0;

  /** The `i`-th task from the front. */
  at(i: number): Task | undefined {
    return i < this.length ? this.items[(this.head + i) & this.mask] : undefined;
  }

  push(task: Task): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length++) & this.mask] = task;
  }

  /** Index of `task` from the front, or -1. */
  indexOf(task: Task): number {
    for (let i = 0; i < this.length; i++) if (this.items[(this.head + i) & this.mask] === task) return i;
    return -1;
  }

  /** Removes the front task (there must be one) and returns it. */
  shift(): Task {
    const items = this.items;
    const task = items[this.head]!;
    items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return task;
  }

  /** Removes the `i`-th task from the front (there must be one) and returns it; the tasks behind it move up. */
  removeAt(i: number): Task {
    if (i === 0) return this.shift();
    const items = this.items;
    const mask = this.mask;
    const task = items[(this.head + i) & mask]!;
    const last = this.length - 1;
    for (let j = i; j < last; j++) items[(this.head + j) & mask] = items[(this.head + j + 1) & mask];
    items[(this.head + last) & mask] = undefined;
    this.length--;
    return task;
  }

  /** Empties the list (the CPU gate's options, refilled at every step it holds tasks back). */
  clear(): void {
    for (let i = 0; i < this.length; i++) this.items[(this.head + i) & this.mask] = undefined;
    this.head = 0;
    this.length = 0;
  }

  /** The live tasks, front first (a copy). */
  toArray(): Task[] {
    const out: Task[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.items[(this.head + i) & this.mask]!);
    return out;
  }

  private grow(): void {
    const capacity = 2 * (this.mask + 1);
    const larger = new Array<Task | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.length; i++) larger[i] = this.items[(this.head + i) & this.mask];
    this.items = larger;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
