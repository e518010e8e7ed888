import type { Task } from '../Task.ts';
import type { Thread } from '../Thread.ts';

/** One thread waiting on one or more dispatcher objects. */
export interface WaitBlock {
  readonly task: Task;
  readonly thread: Thread | null;
  readonly objects: readonly DispatcherObject[];
  readonly waitAll: boolean;
  /** KernelMode or UserMode wait: only a UserMode wait can be ended by termination or a user APC. */
  readonly mode: 'user' | 'kernel';
  readonly alertable: boolean;
  /** Set once the wait is satisfied, timed out or interrupted. */
  done: boolean;
  /** The timeout entry, withdrawn when the wait ends first. */
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

  /**
   * The side effect of a satisfied wait (an auto-reset event resets, a semaphore counts
   * down, a mutex gets an owner). Returns true when the object was abandoned, so the wait
   * reports STATUS_ABANDONED_WAIT_0 + i.
   */
  abstract acquire(thread: Thread | null): boolean;
}
