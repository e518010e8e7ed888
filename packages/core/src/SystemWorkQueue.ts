import { KSemaphore } from './dispatcher/KSemaphore.ts';
import { waitForObjects } from './dispatcher/waits.ts';
import { releaseSemaphore } from './dispatcher/events.ts';
import type { Machine } from './Machine.ts';
import type { Routine } from './Task.ts';
import type { Thread } from './Thread.ts';

/** A queued work item: a routine run at PASSIVE_LEVEL by a system worker thread. */
export interface WorkItem {
  readonly name: string;
  readonly routine: (thread: Thread) => Routine<void>;
}

/**
 * The system work queue (ExQueueWorkItem, IoQueueWorkItem): a fixed set of worker threads
 * in the System process take items in FIFO order and run them at PASSIVE_LEVEL with
 * PreviousMode = KernelMode (IO-10.1). With two or more workers, items run concurrently
 * and interleave at choices. The workers start with the first item.
 */
export class SystemWorkQueue {
  private readonly machine: Machine;
  private readonly items: WorkItem[] = [];
  private readonly count = new KSemaphore(0, 0x7fffffff);
  private readonly workers: Thread[] = [];
  readonly workerCount: number;

  constructor(machine: Machine, workerCount: number) {
    this.machine = machine;
    this.workerCount = workerCount;
  }

  queue(item: WorkItem): void {
    if (this.workers.length === 0) {
      for (let i = 0; i < this.workerCount; i++) {
        this.workers.push(this.machine.createSystemThread(`worker ${i}`, (thread) => this.work(thread)));
      }
    }
    this.items.push(item);
    if (this.machine.trace.on) this.machine.trace.emit({ type: 'workitem.queue', item: item.name });
    releaseSemaphore(this.machine.engine, this.count, 1);
  }

  /** Items queued and not yet taken by a worker. */
  get pending(): number {
    return this.items.length;
  }

  private *work(thread: Thread): Routine<void> {
    for (;;) {
      yield* waitForObjects(this.machine.engine, thread, [this.count]);
      const item = this.items.shift()!;
      if (this.machine.trace.on) this.machine.trace.emit({ type: 'workitem.run', item: item.name, tid: thread.id });
      yield* item.routine(thread);
    }
  }
}
