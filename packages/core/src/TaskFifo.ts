import type { Task } from './Task.ts';

/**
 * A first-in first-out list of tasks that removes from the front in constant time: a
 * head index into an array, compacted when the dead prefix outgrows the live part.
 * `Array.prototype.shift` is linear in the array's length, and a ready bucket can hold
 * thousands of tasks (one per process in a large run), each taken from the front.
 */
export class TaskFifo {
  private items: (Task | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** The `i`-th task from the front. */
  at(i: number): Task | undefined {
    return this.items[this.head + i];
  }

  push(task: Task): void {
    this.items.push(task);
  }

  /** Index of `task` from the front, or -1. */
  indexOf(task: Task): number {
    const i = this.items.indexOf(task, this.head);
    return i < 0 ? -1 : i - this.head;
  }

  /** Removes the `i`-th task from the front. */
  removeAt(i: number): void {
    if (i !== 0) {
      this.items.splice(this.head + i, 1);
      return;
    }
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }

  /** The live tasks, front first (a copy). */
  toArray(): Task[] {
    return this.items.slice(this.head) as Task[];
  }
}
