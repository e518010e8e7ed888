import type { Thread } from '../Thread.ts';
import { DispatcherObject } from './DispatcherObject.ts';

/** A counting semaphore: signalled while its count is above zero; each wait takes one. */
export class KSemaphore extends DispatcherObject {
  readonly limit: number;

  constructor(initial: number, limit: number) {
    super();
    this.signalState = initial;
    this.limit = limit;
  }

  isSignalled(_thread: Thread | null): boolean {
    return this.signalState > 0;
  }

  acquire(_thread: Thread | null): boolean {
    this.signalState--;
    return false;
  }
}
