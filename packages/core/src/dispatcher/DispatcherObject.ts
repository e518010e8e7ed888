import type { Task } from '../Task.ts';
import type { Thread } from '../Thread.ts';

/** One thread waiting on one or more dispatcher objects. */
export interface WaitBlock {
  readonly task: Task;
  readonly thread: Thread | null;
  readonly objects: readonly DispatcherObject[];
  readonly waitAll: boolean;
  /** Set once the wait is satisfied, timed out or abandoned. */
  done: boolean;
  /** The timeout entry, withdrawn when the wait is satisfied first. */
  timer: Task | null;
}

/**
 * What events, semaphores, mutexes, timers, processes and threads have in common: a
 * signal state and a FIFO list of waiters.
 */
export abstract class DispatcherObject {
  signalState = 0;
  readonly waiters: WaitBlock[] = [];

  /** Could `thread` acquire the object now? */
  abstract isSignalled(thread: Thread | null): boolean;

  /** The side effect of a satisfied wait (an auto-reset event resets, a semaphore counts down). */
  abstract acquire(thread: Thread | null): void;
}
