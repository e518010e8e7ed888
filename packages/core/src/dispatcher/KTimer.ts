import type { Thread } from '../Thread.ts';
import type { Task } from '../Task.ts';
import type { KDpc } from '../cpu/KDpc.ts';
import { DispatcherObject } from './DispatcherObject.ts';

/**
 * A kernel timer (KTIMER). It is a dispatcher object: setting it clears its signal state,
 * expiry signals it (a notification timer releases every waiter and stays signalled, a
 * synchronization timer releases one and resets) and queues its DPC, if it has one, on
 * the CPU that set it. A periodic timer re-arms itself.
 */
export class KTimer extends DispatcherObject {
  readonly name: string;
  readonly type: 'notification' | 'synchronization';
  /** Absolute expiry time in ns while set, else null. */
  dueAt: number | null = null;
  periodNs = 0;
  dpc: KDpc | null = null;
  /** The CPU whose timer table holds it (the CPU that called KeSetTimer). */
  cpu = 0;
  /** Expirations so far. */
  fired = 0;
  /** @internal the queued expiry. */
  entry: Task | null = null;

  constructor(name: string, type: 'notification' | 'synchronization' = 'notification') {
    super();
    this.name = name;
    this.type = type;
  }

  isSignalled(_thread: Thread | null): boolean {
    return this.signalState > 0;
  }

  acquire(_thread: Thread | null): boolean {
    if (this.type === 'synchronization') this.signalState = 0;
    return false;
  }
}
