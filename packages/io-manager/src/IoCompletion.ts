import { DispatcherObject, satisfyWaiters, type Engine, type KObject, type NtStatus, type Thread } from '@irpsim/core';

/** One completion packet: what GetQueuedCompletionStatus hands back (IO-7.9, IO-7.17). */
export interface CompletionPacket {
  /** The CompletionKey of the file's association, or the key NtSetIoCompletion posted. */
  readonly key: number;
  /** The request's ApcContext: the OVERLAPPED address for Win32 callers. */
  readonly apcContext: number;
  readonly status: NtStatus;
  readonly information: number;
}

/**
 * An I/O completion port (the IoCompletion object, a KQUEUE): a FIFO of packets, the
 * threads waiting to remove them — released newest first (LIFO), as Windows does so
 * that a hot thread keeps working — and the concurrency value: no waiter is released
 * while as many threads associated with the port are running (IO-7.9, IO-7.17).
 *
 * A thread is associated with the port from its first removal until it removes from
 * another port or exits; it counts as running unless it is blocked in a wait. The waits
 * themselves are the engine's (`waitForObjects`), so timeouts, termination and alertable
 * waits behave as for any dispatcher object.
 */
export class IoCompletion extends DispatcherObject {
  readonly object: KObject<IoCompletion>;
  /** MaximumCount: the concurrency value (0 at creation means one per CPU). */
  readonly maximumCount: number;
  /** Queued packets, oldest first. */
  readonly packets: CompletionPacket[] = [];
  /** Threads associated with the port (Thread->Queue). */
  readonly threads = new Set<Thread>();
  /** The last handle was closed: waiters are released with STATUS_ABANDONED_WAIT_0. */
  closed = false;
  /** `[this]`: the wait list of a removal, made once rather than per call. */
  readonly waitList: readonly IoCompletion[] = [this];
  /** Packets a satisfied wait took, until the woken thread picks them up. */
  private readonly handed = new Map<Thread | null, CompletionPacket>();

  constructor(object: KObject<IoCompletion>, maximumCount: number) {
    super();
    this.object = object;
    this.maximumCount = maximumCount;
  }

  get id(): number {
    return this.object.id;
  }

  /**
   * Can `thread` take a packet now? Only the newest waiter is offered one (LIFO release:
   * satisfyWaiters walks the waiters oldest first, so the older ones say no); a thread
   * that is not waiting — a removal that does not block — is offered one as well.
   */
  isSignalled(thread: Thread | null): boolean {
    if (this.closed) return true;
    if (this.packets.length === 0 || this.running(thread) >= this.maximumCount) return false;
    if (thread === null) return true;
    const newest = this.waiters[this.waiters.length - 1];
    return newest === undefined || newest.thread === thread || thread.wait === null;
  }

  /** A satisfied wait takes the oldest packet; on a closed port it is abandoned. */
  acquire(thread: Thread | null): boolean {
    const packet = this.packets.shift();
    if (packet === undefined) return this.closed;
    this.handed.set(thread, packet);
    return false;
  }

  /** The packet the satisfied wait of `thread` took. */
  take(thread: Thread): CompletionPacket | undefined {
    const packet = this.handed.get(thread);
    this.handed.delete(thread);
    return packet;
  }

  /** One more queued packet for a removal that already has one (NtRemoveIoCompletionEx). */
  next(): CompletionPacket | undefined {
    return this.closed ? undefined : this.packets.shift();
  }

  /** KeInsertQueue: queues a packet and releases the newest waiter the concurrency allows. */
  insert(engine: Engine, packet: CompletionPacket): void {
    // A port run down has no handle left: nobody could ever remove the packet.
    if (this.closed) return;
    this.packets.push(packet);
    satisfyWaiters(engine, this);
  }

  /** The thread stops counting against this port (it removes from another, or exits). */
  leave(engine: Engine, thread: Thread): void {
    if (this.threads.delete(thread) && this.packets.length > 0) satisfyWaiters(engine, this);
  }

  /** KeRundownQueue at the last handle's close: packets are dropped, every waiter released. */
  rundown(engine: Engine): void {
    this.closed = true;
    this.packets.length = 0;
    satisfyWaiters(engine, this);
  }

  /**
   * CurrentCount: associated threads that are running — not blocked in a wait (a woken
   * waiter counts at once) — leaving out `self`, a thread that is back for another packet.
   */
  private running(self: Thread | null): number {
    let count = 0;
    for (const thread of this.threads) {
      if (thread !== self && (thread.wait === null || thread.wait.done)) count++;
    }
    return count;
  }
}
