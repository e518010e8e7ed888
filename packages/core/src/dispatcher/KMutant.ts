import type { Thread } from '../Thread.ts';
import { DispatcherObject } from './DispatcherObject.ts';

/**
 * A mutex (a mutant): owned by one thread, which may acquire it again recursively. A
 * thread that exits while owning it leaves it *abandoned*: the next thread to acquire it
 * gets STATUS_ABANDONED_WAIT_0 (Win32 WAIT_ABANDONED) once.
 */
export class KMutant extends DispatcherObject {
  owner: Thread | null = null;
  /** How many times the owner acquired it. */
  recursion = 0;
  abandoned = false;

  constructor(initialOwner: Thread | null) {
    super();
    this.signalState = 1;
    if (initialOwner !== null) this.take(initialOwner);
  }

  isSignalled(thread: Thread | null): boolean {
    return this.owner === null || (thread !== null && this.owner === thread);
  }

  acquire(thread: Thread | null): boolean {
    if (thread !== null) this.take(thread);
    const wasAbandoned = this.abandoned;
    this.abandoned = false;
    return wasAbandoned;
  }

  private take(thread: Thread): void {
    if (this.owner !== thread) thread.ownedMutants.push(this);
    this.owner = thread;
    this.recursion++;
    this.signalState = 0;
  }
}
