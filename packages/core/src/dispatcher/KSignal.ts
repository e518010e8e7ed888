import type { Thread } from '../Thread.ts';
import { DispatcherObject } from './DispatcherObject.ts';

/** Signalled once and for good: what a thread or process object is when it has exited. */
export class KSignal extends DispatcherObject {
  isSignalled(_thread: Thread | null): boolean {
    return this.signalState > 0;
  }

  acquire(_thread: Thread | null): boolean {
    return false;
  }
}
