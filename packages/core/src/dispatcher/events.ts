import type { Engine } from '../Engine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import type { Thread } from '../Thread.ts';
import type { KEvent } from './KEvent.ts';
import type { KMutant } from './KMutant.ts';
import type { KSemaphore } from './KSemaphore.ts';
import type { KSignal } from './KSignal.ts';
import { satisfyWaiters } from './waits.ts';

/** KeSetEvent: signals the event and releases waiters; returns the previous state (C12). */
export function setEvent(engine: Engine, event: KEvent): number {
  const previous = event.signalState;
  event.signalState = 1;
  satisfyWaiters(engine, event);
  return previous;
}

/** KeResetEvent: clears the event; returns the previous state. */
export function resetEvent(event: KEvent): number {
  const previous = event.signalState;
  event.signalState = 0;
  return previous;
}

/** KePulseEvent: releases the waiters a set would, then leaves the event reset. */
export function pulseEvent(engine: Engine, event: KEvent): number {
  const previous = setEvent(engine, event);
  event.signalState = 0;
  return previous;
}

/** KeReleaseSemaphore: adds `count`; beyond the limit nothing changes and the call fails. */
export function releaseSemaphore(engine: Engine, semaphore: KSemaphore, count: number): { status: NtStatus; previous: number } {
  const previous = semaphore.signalState;
  if (count < 1 || previous + count > semaphore.limit) return { status: STATUS.SEMAPHORE_LIMIT_EXCEEDED, previous };
  semaphore.signalState += count;
  satisfyWaiters(engine, semaphore);
  return { status: STATUS.SUCCESS, previous };
}

/** KeReleaseMutant: only the owner may release; the last release frees it. */
export function releaseMutant(engine: Engine, mutant: KMutant, thread: Thread): { status: NtStatus; previous: number } {
  if (mutant.owner !== thread) return { status: STATUS.MUTANT_NOT_OWNED, previous: 0 };
  const previous = mutant.recursion;
  if (--mutant.recursion === 0) {
    mutant.owner = null;
    mutant.signalState = 1;
    const i = thread.ownedMutants.indexOf(mutant);
    if (i >= 0) thread.ownedMutants.splice(i, 1);
    satisfyWaiters(engine, mutant);
  }
  return { status: STATUS.SUCCESS, previous };
}

/** A thread exits: every mutex it still owns is abandoned (KeRundownThread). */
export function abandonMutants(engine: Engine, thread: Thread): void {
  for (const mutant of thread.ownedMutants.splice(0)) {
    if (mutant.owner !== thread) continue;
    mutant.owner = null;
    mutant.recursion = 0;
    mutant.abandoned = true;
    mutant.signalState = 1;
    satisfyWaiters(engine, mutant);
  }
}

/** Signals a thread or process object: it has exited. */
export function signalExit(engine: Engine, signal: KSignal): void {
  signal.signalState = 1;
  satisfyWaiters(engine, signal);
}
