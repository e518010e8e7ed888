import type { Engine } from '../Engine.ts';
import type { KEvent } from './KEvent.ts';
import { satisfyWaiters } from './waits.ts';

/** KeSetEvent: signals the event and releases waiters; returns the previous state. */
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
