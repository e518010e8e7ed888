import type { Engine } from '../Engine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { BLOCK, PRIORITY, type Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import type { DispatcherObject, WaitBlock } from './DispatcherObject.ts';

export interface WaitOptions {
  /** Wait for every object (WaitAll) instead of any one. */
  readonly waitAll?: boolean;
  /** Relative timeout in nanoseconds; null waits forever, 0 only tests. */
  readonly timeoutNs?: number | null;
}

/**
 * Waits on dispatcher objects (KeWaitForMultipleObjects): returns STATUS_WAIT_0 + i for
 * the object that satisfied a wait-any, STATUS_WAIT_0 for a wait-all, or STATUS_TIMEOUT.
 */
export function* waitForObjects(
  engine: Engine,
  thread: Thread | null,
  objects: readonly DispatcherObject[],
  options: WaitOptions = {},
): Routine<NtStatus> {
  const waitAll = options.waitAll ?? false;
  const immediate = trySatisfy(objects, waitAll, thread);
  if (immediate !== null) return immediate;
  const timeout = options.timeoutNs ?? null;
  if (timeout === 0) return STATUS.TIMEOUT;
  const task = engine.current!;
  const block: WaitBlock = { task, thread, objects, waitAll, done: false, timer: null };
  for (const object of objects) object.waiters.push(block);
  if (timeout !== null) {
    block.timer = engine.spawn(
      (function* (): Routine<void> {
        if (!block.done) finishWait(engine, block, STATUS.TIMEOUT);
      })(),
      { kind: 'timer', name: `timeout of ${task.name}`, priority: PRIORITY.dpc, delay: timeout },
    );
  }
  return (yield BLOCK) as NtStatus;
}

/** After an object's state changed: satisfy the waits it now can, in FIFO order. */
export function satisfyWaiters(engine: Engine, object: DispatcherObject): void {
  for (const block of [...object.waiters]) {
    if (block.done) continue;
    const status = trySatisfy(block.objects, block.waitAll, block.thread);
    if (status !== null) finishWait(engine, block, status);
    if (!object.isSignalled(null)) break;
  }
}

function trySatisfy(objects: readonly DispatcherObject[], waitAll: boolean, thread: Thread | null): NtStatus | null {
  if (waitAll) {
    if (!objects.every((o) => o.isSignalled(thread))) return null;
    for (const o of objects) o.acquire(thread);
    return STATUS.WAIT_0;
  }
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    if (o.isSignalled(thread)) {
      o.acquire(thread);
      return STATUS.WAIT_0 + i;
    }
  }
  return null;
}

function finishWait(engine: Engine, block: WaitBlock, status: NtStatus): void {
  block.done = true;
  for (const object of block.objects) {
    const i = object.waiters.indexOf(block);
    if (i >= 0) object.waiters.splice(i, 1);
  }
  if (block.timer !== null && block.timer.state === 'queued') engine.withdraw(block.timer);
  if (block.task.state === 'blocked') engine.wake(block.task, status);
}
