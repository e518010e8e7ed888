import { needsNoCpu, type SchedulingGate } from './SchedulingGate.ts';
import type { Task } from './Task.ts';
import { TaskFifo } from './TaskFifo.ts';

/**
 * The engine's queue, ordered by (time, priority, sequence). Tasks due later live in a
 * binary heap; tasks due now live in one FIFO bucket per priority, so the set of tasks
 * that are simultaneously runnable — the options of a scheduling choice — is always the
 * lowest non-empty bucket, already in sequence order.
 */
export class EventQueue {
  /** Current simulated time in nanoseconds. */
  now = 0;
  private readonly heap: Task[] = [];
  private readonly buckets: TaskFifo[];
  /**
   * Tasks due now: those in the buckets and the one taken for its step, which stays counted
   * until it leaves (ends or blocks) or is queued for later — the usual step, taken and
   * queued again for now, leaves the count alone.
   */
  private readyCount = 0;
  /** Bit p is set when bucket p holds a task: the lowest ready priority without a scan. */
  private nonEmpty = 0;
  private readonly scratch = new TaskFifo();
  private nextSeq = 0;
  /**
   * Tasks that are not background work, queued or taken for their step: a task taken stays
   * counted until it `leave`s (it ended or blocks), so the usual step — taken, then queued
   * again — leaves the count alone (docs/performance.md, optimisation log).
   */
  foreground = 0;

  /**
   * The latest time a task may run (the budget's `maxTimeNs`): kept here, not passed at
   * every step, where a number past the small-integer range would be boxed per call.
   */
  private readonly limit: number;

  constructor(priorities: number, limit: number) {
    this.limit = limit;
    this.buckets = Array.from({ length: priorities }, () => new TaskFifo());
  }

  get size(): number {
    return this.readyCount + this.heap.length;
  }

  /** Queues a task that was not queued or running (a new task, one woken). */
  push(task: Task, time: number, prio: number): void {
    if (!task.background) this.foreground++;
    this.readyCount++; // as if taken: `requeue` counts it out when it is due later
    this.requeue(task, time, prio);
  }

  /** Queues again the task whose step just ended (still counted: see `foreground`). */
  requeue(task: Task, time: number, prio: number): void {
    task.prio = prio;
    if (time === this.now) {
      this.pushNow(task);
      return;
    }
    this.readyCount--;
    task.at = time;
    task.seq = this.nextSeq++;
    task.cancelled = false;
    task.state = 'queued';
    this.heapPush(task);
  }

  /** `requeue(task, now, task.prio)`, for the step's usual end: a scheduling point that charged no time. */
  pushNow(task: Task): void {
    const prio = task.prio;
    task.at = this.now;
    task.seq = this.nextSeq++;
    task.cancelled = false;
    task.state = 'queued';
    this.buckets[prio]!.push(task);
    this.nonEmpty |= 1 << prio;
  }

  /** Withdraws a queued task (a timeout entry whose wait was satisfied first). */
  withdraw(task: Task): void {
    if (task.state !== 'queued' || task.cancelled) return;
    if (!task.background) this.foreground--;
    // A task due earlier may still be ready: the gate held it back while time advanced.
    if (task.at <= this.now) {
      const bucket = this.buckets[task.prio]!;
      const i = bucket.indexOf(task);
      if (i >= 0) {
        bucket.removeAt(i);
        if (bucket.length === 0) this.nonEmpty &= ~(1 << task.prio);
        this.readyCount--;
        return;
      }
    }
    task.cancelled = true; // still in the heap; skipped when it surfaces
  }

  /**
   * The bucket of tasks runnable now, advancing time to the next due task when nothing
   * is runnable at the current time; null when the queue is empty or the next due task lies
   * past the time budget (time never advances past it).
   */
  nextBucket(): TaskFifo | null {
    while (this.readyCount === 0) {
      if (!this.advance()) return null;
    }
    const mask = this.nonEmpty;
    return this.buckets[31 - Math.clz32(mask & -mask)]!;
  }

  /**
   * Every ready task the gate admits, in (priority, sequence) order, advancing time while
   * none is admitted; tasks the gate holds back stay ready as time advances. Null when no
   * task can run within the time budget (then `ready` tells whether some are held back).
   */
  admitted(gate: SchedulingGate): TaskFifo | null {
    const mask = this.nonEmpty;
    // One priority ready and no CPU pressure: the bucket is the options, as it stands.
    // (The common step, kept small enough for the engine's step to inline.)
    if (this.readyCount > 0 && (mask & (mask - 1)) === 0 && !gate.constrained) return this.buckets[31 - Math.clz32(mask)]!;
    return this.admittedByGate(gate);
  }

  private admittedByGate(gate: SchedulingGate): TaskFifo | null {
    for (;;) {
      if (this.readyCount > 0) {
        const buckets = this.buckets;
        const mask = this.nonEmpty;
        // `admitted`'s common answer again: time may have advanced since it was asked.
        if ((mask & (mask - 1)) === 0 && !gate.constrained) return buckets[31 - Math.clz32(mask)]!;
        const out = this.scratch;
        out.clear();
        const constrained = gate.constrained;
        // `eligible` for a task bound to no CPU depends on nothing of the task: asked once.
        const unbound = !constrained || gate.unboundEligible();
        for (let p = 0; p < buckets.length; p++) {
          const bucket = buckets[p]!;
          for (let i = 0; i < bucket.length; i++) {
            const task = bucket.at(i)!;
            const ok = !constrained || (task.cpu < 0 ? unbound || needsNoCpu(task) : gate.eligible(task));
            if (ok) out.push(task);
          }
        }
        if (out.length > 0) return out;
      }
      if (!this.advance()) return null;
    }
  }

  /** Tasks due now, whether or not they may run. */
  get ready(): Task[] {
    return this.buckets.flatMap((bucket) => bucket.toArray());
  }

  /** True when the heap holds tasks due after the time budget (it stops the run). */
  pastLimit(): boolean {
    return this.heap.some((task) => !task.cancelled && task.at > this.limit);
  }

  /** Removes the `index`-th of the options `nextBucket` or `admitted` returned from the ready set, and returns it. */
  take(options: TaskFifo, index: number): Task {
    let task: Task;
    if (options !== this.scratch) {
      // The options are the bucket itself (one priority ready, no CPU pressure), and the
      // first-come choice its front: `shift` spelled out so the step inlines it.
      task = index === 0 ? options.shift() : options.removeAt(index);
      if (options.length === 0) this.nonEmpty &= ~(1 << task.prio);
    } else {
      task = options.at(index)!;
      const bucket = this.buckets[task.prio]!;
      bucket.removeAt(bucket.indexOf(task));
      if (bucket.length === 0) this.nonEmpty &= ~(1 << task.prio);
    }
    return task;
  }

  /** The task taken for its step ended or blocks: it no longer counts (see `foreground`, `readyCount`). */
  leave(task: Task): void {
    if (!task.background) this.foreground--;
    this.readyCount--;
  }

  /** Moves time to the next due task and makes every task due then ready. */
  private advance(): boolean {
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined) return false;
      if (!top.cancelled) break;
      this.heapPop();
    }
    const t = heap[0]!.at;
    if (t > this.limit) return false;
    this.now = t;
    while (heap.length > 0 && heap[0]!.at === t) {
      const task = this.heapPop();
      if (task.cancelled) continue;
      this.buckets[task.prio]!.push(task);
      this.nonEmpty |= 1 << task.prio;
      this.readyCount++;
    }
    return true;
  }

  private heapPush(task: Task): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(task);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(task, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = task;
  }

  private heapPop(): Task {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Task, b: Task): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.prio !== b.prio) return a.prio < b.prio;
  return a.seq < b.seq;
}
