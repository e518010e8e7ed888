import { IRQL } from '../cpu/Irql.ts';
import type { Engine } from '../Engine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { BLOCK, PRIORITY, type Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { ThreadTermination } from '../ThreadTermination.ts';
import type { DispatcherObject, WaitBlock } from './DispatcherObject.ts';

export interface WaitOptions {
  /** Wait for every object (WaitAll) instead of any one. */
  readonly waitAll?: boolean;
  /** Relative timeout in nanoseconds; null (the default) waits forever, 0 only tests. */
  readonly timeoutNs?: number | null;
  /**
   * WaitMode. A UserMode wait (what a system service does for a user caller) can be ended
   * by the thread's termination, and — when alertable — by a user APC. A KernelMode wait
   * (a driver waiting on its own event) cannot.
   */
  readonly mode?: 'user' | 'kernel';
  readonly alertable?: boolean;
}

/** What ends a wait when the thread is being terminated. */
const TERMINATE = Symbol('terminate');

/**
 * KeWaitForSingleObject / KeWaitForMultipleObjects (verifier-and-objects.md C13): returns
 * STATUS_WAIT_0 + i for the object that satisfied a wait-any (STATUS_WAIT_0 for a
 * wait-all), STATUS_ABANDONED_WAIT_0 + i when that object is an abandoned mutex,
 * STATUS_TIMEOUT, or STATUS_USER_APC when an alertable UserMode wait is ended by a user
 * APC. Termination of the thread ends a UserMode wait by throwing ThreadTermination.
 */
export function* waitForObjects(
  engine: Engine,
  thread: Thread | null,
  objects: readonly DispatcherObject[],
  options: WaitOptions = {},
): Routine<NtStatus> {
  const waitAll = options.waitAll ?? false;
  const mode = options.mode ?? 'kernel';
  const alertable = options.alertable ?? false;
  if (thread !== null && mode === 'user') {
    if (thread.terminating !== null) throw new ThreadTermination(thread.terminating);
    if (alertable && thread.userApcs.length > 0) {
      thread.userApcPending = true;
      return STATUS.USER_APC;
    }
  }
  const timeout = options.timeoutNs ?? null;
  const running = engine.current;
  if (running !== null && running.irql >= IRQL.DISPATCH && (timeout !== 0 || running.irql > IRQL.DISPATCH)) {
    engine.illegalWait?.(running, timeout);
  }
  const immediate = trySatisfy(objects, waitAll, thread);
  if (immediate !== null) return immediate;
  if (timeout === 0) return STATUS.TIMEOUT;
  const task = engine.current!;
  const block: WaitBlock = { task, thread, objects, waitAll, mode, alertable, done: false, timer: null };
  for (const object of objects) object.waiters.push(block);
  if (timeout !== null) {
    block.timer = engine.spawn(
      (function* (): Routine<void> {
        if (!block.done) finishWait(engine, block, STATUS.TIMEOUT);
      })(),
      { kind: 'timer', name: `timeout of ${task.name}`, actor: task.actor, priority: PRIORITY.dpc, delay: timeout },
    );
  }
  if (thread !== null) thread.wait = block;
  const result = yield BLOCK;
  if (thread !== null) thread.wait = null;
  if (result === TERMINATE) throw new ThreadTermination(thread!.terminating ?? STATUS.THREAD_IS_TERMINATING);
  return result as NtStatus;
}

/**
 * The immediate part of `waitForObjects(engine, thread, objects)` — a kernel-mode,
 * non-alertable wait for any one object, no timeout — as a plain function: when the wait
 * is satisfied at once it is satisfied exactly as there and its status returned; null
 * means nothing was done and the caller must `yield* waitForObjects(...)`. Hot paths whose
 * object is usually free (a file-object lock) so skip a generator per call.
 */
export function tryWaitNow(engine: Engine, thread: Thread | null, objects: readonly DispatcherObject[]): NtStatus | null {
  const running = engine.current;
  // At DISPATCH_LEVEL and above the wait itself is judged (illegalWait): take the full path.
  if (running !== null && running.irql >= IRQL.DISPATCH) return null;
  return trySatisfy(objects, false, thread);
}

/** After an object's state changed: satisfy the waits it now can, in FIFO order. */
export function satisfyWaiters(engine: Engine, object: DispatcherObject): void {
  if (object.waiters.length === 0) return; // the common case: no copy of an empty list
  for (const block of [...object.waiters]) {
    if (block.done) continue;
    const status = trySatisfy(block.objects, block.waitAll, block.thread);
    if (status !== null) finishWait(engine, block, status);
    if (!object.isSignalled(null)) break;
  }
}

/**
 * Ends a thread's UserMode wait from outside: for its termination, or (alertable waits
 * only) for a user APC. Returns true when the wait was ended.
 */
export function interruptWait(engine: Engine, thread: Thread, reason: 'terminate' | 'user-apc'): boolean {
  const block = thread.wait;
  if (block === null || block.done || block.mode !== 'user') return false;
  if (reason === 'user-apc' && !block.alertable) return false;
  if (reason === 'user-apc') thread.userApcPending = true;
  finishWait(engine, block, reason === 'terminate' ? TERMINATE : STATUS.USER_APC);
  return true;
}

function trySatisfy(objects: readonly DispatcherObject[], waitAll: boolean, thread: Thread | null): NtStatus | null {
  if (waitAll) {
    if (!objects.every((o) => o.isSignalled(thread))) return null;
    let abandoned = -1;
    objects.forEach((o, i) => {
      if (o.acquire(thread) && abandoned < 0) abandoned = i;
    });
    return abandoned >= 0 ? STATUS.ABANDONED_WAIT_0 + abandoned : STATUS.WAIT_0;
  }
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    if (o.isSignalled(thread)) return (o.acquire(thread) ? STATUS.ABANDONED_WAIT_0 : STATUS.WAIT_0) + i;
  }
  return null;
}

function finishWait(engine: Engine, block: WaitBlock, result: NtStatus | typeof TERMINATE): void {
  block.done = true;
  for (const object of block.objects) {
    const i = object.waiters.indexOf(block);
    if (i >= 0) object.waiters.splice(i, 1);
  }
  if (block.timer !== null && block.timer.state === 'queued') engine.withdraw(block.timer);
  // The woken thread is switched back in: that costs the cost model's context switch.
  if (block.task.state === 'blocked') engine.wake(block.task, result, block.thread !== null ? engine.contextSwitchNs : 0);
}
