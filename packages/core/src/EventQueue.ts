import type { Task } from './Task.ts';

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
  private readonly buckets: Task[][];
  private readyCount = 0;
  private nextSeq = 0;
  /** Queued tasks that are not background work. */
  foreground = 0;

  constructor(priorities: number) {
    this.buckets = Array.from({ length: priorities }, () => []);
  }

  get size(): number {
    return this.readyCount + this.heap.length;
  }

  push(task: Task, time: number, prio: number): void {
    task.at = time;
    task.prio = prio;
    task.seq = this.nextSeq++;
    task.cancelled = false;
    task.state = 'queued';
    if (!task.background) this.foreground++;
    if (time === this.now) {
      this.buckets[prio]!.push(task);
      this.readyCount++;
    } else {
      this.heapPush(task);
    }
  }

  /** Withdraws a queued task (a timeout entry whose wait was satisfied first). */
  withdraw(task: Task): void {
    if (task.state !== 'queued' || task.cancelled) return;
    if (!task.background) this.foreground--;
    if (task.at === this.now) {
      const bucket = this.buckets[task.prio]!;
      const i = bucket.indexOf(task);
      if (i >= 0) {
        bucket.splice(i, 1);
        this.readyCount--;
        return;
      }
    }
    task.cancelled = true; // still in the heap; skipped when it surfaces
  }

  /**
   * The bucket of tasks runnable now, advancing time to the next due task when nothing
   * is runnable at the current time; null when the queue is empty. `limit` stops time
   * from advancing past it (the time budget): null is returned instead.
   */
  nextBucket(limit: number): Task[] | null {
    if (this.readyCount === 0) {
      const heap = this.heap;
      for (;;) {
        const top = heap[0];
        if (top === undefined) return null;
        if (!top.cancelled) break;
        this.heapPop();
      }
      const t = heap[0]!.at;
      if (t > limit) return null;
      this.now = t;
      while (heap.length > 0 && heap[0]!.at === t) {
        const task = this.heapPop();
        if (task.cancelled) continue;
        this.buckets[task.prio]!.push(task);
        this.readyCount++;
      }
      if (this.readyCount === 0) return this.nextBucket(limit);
    }
    const buckets = this.buckets;
    for (let p = 0; p < buckets.length; p++) {
      if (buckets[p]!.length > 0) return buckets[p]!;
    }
    return null;
  }

  /** Removes and returns option `index` of a bucket returned by `nextBucket`. */
  take(bucket: Task[], index: number): Task {
    this.readyCount--;
    const task = index === 0 ? bucket.shift()! : bucket.splice(index, 1)[0]!;
    if (!task.background) this.foreground--;
    return task;
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
