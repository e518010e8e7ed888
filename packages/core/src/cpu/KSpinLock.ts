import { BLOCK, type Routine, type Task } from '../Task.ts';
import { IRQL, irqlName, type Irql } from './Irql.ts';
import type { Processors } from './Processors.ts';

/**
 * A spin lock (KSPIN_LOCK). Acquiring raises to DISPATCH_LEVEL, so the holder keeps its
 * CPU until it releases; a task that finds the lock taken busy-waits on its own CPU (it
 * stays blocked, holding that CPU) until the holder releases it. Acquire and release
 * are scheduling points (docs/semantics.md).
 */
export class KSpinLock {
  readonly name: string;
  /** The task holding the lock, or null. */
  owner: Task | null = null;
  /** Tasks spinning on the lock, each on its own CPU. */
  readonly spinners: Task[] = [];
  /** Acquisitions so far, and how many had to spin. */
  acquisitions = 0;
  contended = 0;

  constructor(name: string) {
    this.name = name;
  }
}

/** KeAcquireSpinLock: raise to DISPATCH_LEVEL, then take the lock; returns the old IRQL. */
export function* acquireSpinLock(cpus: Processors, lock: KSpinLock): Routine<Irql> {
  const task = current(cpus);
  if (task.irql > IRQL.DISPATCH) {
    cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x42, task.irql, 0, 0] },
      { code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, task.irql, 0, 0] },
      `KeAcquireSpinLock(${lock.name}) at ${irqlName(task.irql)}, above DISPATCH_LEVEL`,
    );
  }
  const old = cpus.raiseIrql(IRQL.DISPATCH);
  yield* take(cpus, lock);
  return old;
}

/** KeReleaseSpinLock: free the lock, then lower to `old` (a scheduling point). */
export function* releaseSpinLock(cpus: Processors, lock: KSpinLock, old: Irql): Routine<void> {
  checkRelease(cpus, lock, 0x32);
  give(cpus, lock);
  cpus.lowerIrql(old);
  yield 0;
}

/** KeAcquireSpinLockAtDpcLevel: take the lock; the caller must already be at DISPATCH_LEVEL. */
export function* acquireSpinLockAtDpcLevel(cpus: Processors, lock: KSpinLock): Routine<void> {
  const task = current(cpus);
  if (task.irql !== IRQL.DISPATCH) {
    cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x40, task.irql, 0, 0] },
      { code: 0x8, name: 'IRQL_NOT_DISPATCH_LEVEL', params: [task.irql, 0, 0, 0] },
      `KeAcquireSpinLockAtDpcLevel(${lock.name}) at ${irqlName(task.irql)}`,
    );
  }
  yield* take(cpus, lock);
}

/** KeReleaseSpinLockFromDpcLevel: free the lock and stay at DISPATCH_LEVEL. */
export function* releaseSpinLockFromDpcLevel(cpus: Processors, lock: KSpinLock): Routine<void> {
  checkRelease(cpus, lock, 0x41);
  give(cpus, lock);
  yield 0;
}

function* take(cpus: Processors, lock: KSpinLock): Routine<void> {
  const task = current(cpus);
  yield 0; // another CPU may get there first
  lock.acquisitions++;
  if (lock.owner !== null) {
    lock.contended++;
    const trace = cpus.traceOn;
    if (trace) cpus.emit({ type: 'spinlock.spin', lock: lock.name, cpu: cpus.currentIndex, holder: lock.owner.name });
    // Spin until free. Taking a lock the task already holds spins forever, as on Windows.
    while (lock.owner !== null) {
      lock.spinners.push(task);
      cpus.spinners.add(task);
      yield BLOCK;
      cpus.spinners.delete(task);
    }
  }
  lock.owner = task;
  if (cpus.traceOn) cpus.emit({ type: 'spinlock.acquire', lock: lock.name, cpu: cpus.currentIndex });
}

function give(cpus: Processors, lock: KSpinLock): void {
  lock.owner = null;
  if (cpus.traceOn) cpus.emit({ type: 'spinlock.release', lock: lock.name, cpu: cpus.currentIndex });
  // Every spinner tries again; which CPU wins is up to the schedule.
  for (const spinner of lock.spinners.splice(0)) cpus.wakeSpinner(spinner);
}

/** Releasing at the wrong IRQL (often a second release) is a verifier finding. */
function checkRelease(cpus: Processors, lock: KSpinLock, subcode: number): void {
  const task = current(cpus);
  if (cpus.irqlChecking && (task.irql !== IRQL.DISPATCH || lock.owner !== task)) {
    cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [subcode, task.irql, 0, 0] },
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [subcode, task.irql, 0, 0] },
      lock.owner === task
        ? `spin lock ${lock.name} released at ${irqlName(task.irql)}, not DISPATCH_LEVEL`
        : `spin lock ${lock.name} released by a routine that does not hold it (a double release?)`,
    );
  }
}

function current(cpus: Processors): Task {
  return cpus.runningTask();
}
