import type { Thread } from '../Thread.ts';
import { DispatcherObject } from './DispatcherObject.ts';

export type EventType = 'notification' | 'synchronization';

/**
 * A kernel event (verifier-and-objects.md C10): a notification event stays signalled and
 * releases every waiter; a synchronization event releases one waiter and resets.
 */
export class KEvent extends DispatcherObject {
  readonly type: EventType;

  constructor(type: EventType, signalled = false) {
    super();
    this.type = type;
    this.signalState = signalled ? 1 : 0;
  }

  isSignalled(_thread: Thread | null): boolean {
    return this.signalState > 0;
  }

  acquire(_thread: Thread | null): boolean {
    if (this.type === 'synchronization') this.signalState = 0;
    return false;
  }
}
