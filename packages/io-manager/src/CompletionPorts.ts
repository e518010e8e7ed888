import { ACCESS, type Engine, type NtStatus, type ObjectType, type Routine, type Thread } from '@irpsim/core';
import { IoCompletion } from './IoCompletion.ts';
import type { IoManager } from './IoManager.ts';

/** IoCompletion access rights (winnt.h). */
export const IO_COMPLETION_ACCESS = { QUERY_STATE: 0x0001, MODIFY_STATE: 0x0002, ALL_ACCESS: 0x001f0003 } as const;

const READ_CONTROL = 0x00020000;

/**
 * The I/O manager's completion ports: the IoCompletion object type and which port each
 * thread is associated with (Thread->Queue), so that a thread counts against the
 * concurrency of one port at a time and stops counting when it exits.
 */
export class CompletionPorts {
  readonly type: ObjectType;
  private readonly engine: Engine;
  private readonly io: IoManager;
  private readonly portOf = new WeakMap<Thread, IoCompletion>();

  constructor(io: IoManager) {
    this.io = io;
    const engine = (this.engine = io.machine.engine);
    this.type = {
      name: 'IoCompletion',
      genericMapping: {
        read: READ_CONTROL | IO_COMPLETION_ACCESS.QUERY_STATE,
        write: READ_CONTROL | IO_COMPLETION_ACCESS.MODIFY_STATE,
        execute: ACCESS.SYNCHRONIZE,
        all: IO_COMPLETION_ACCESS.ALL_ACCESS,
      },
      // Closing the last handle runs the queue down: waiters get STATUS_ABANDONED_WAIT_0 (IO-7.10).
      *onLastHandle(object) {
        (object.body as IoCompletion).rundown(engine);
      },
    };
    io.machine.threadExitHooks.push((thread) => this.threadExit(thread));
  }

  /** A new port; a concurrency value of 0 means one running thread per CPU. */
  create(concurrency: number): IoCompletion {
    const object = this.io.machine.objects.create<IoCompletion>(this.type, null!);
    const port = new IoCompletion(object, concurrency > 0 ? concurrency : this.io.machine.cpus.cpus.length);
    object.body = port;
    return port;
  }

  /**
   * ObReferenceObjectByHandle(IO_COMPLETION_MODIFY_STATE, IoCompletionObjectType) for a
   * service called by `thread`: the port, or null with the failure status. The caller
   * drops the reference (`port.object`) when done.
   */
  reference(thread: Thread, handle: number): { status: NtStatus; port: IoCompletion | null } {
    const machine = this.io.machine;
    const ref = machine.objects.referenceByHandle(machine.handleTableFor(thread, handle), handle, IO_COMPLETION_ACCESS.MODIFY_STATE, this.type, thread.previousMode);
    return { status: ref.status, port: ref.object === null ? null : (ref.object.body as IoCompletion) };
  }

  /** KeRemoveQueue's first step: `thread` is associated with `port`, leaving its previous port. */
  associate(thread: Thread, port: IoCompletion): void {
    const previous = this.portOf.get(thread);
    if (previous === port) return;
    previous?.leave(this.engine, thread);
    this.portOf.set(thread, port);
    port.threads.add(thread);
  }

  private *threadExit(thread: Thread): Routine<void> {
    this.portOf.get(thread)?.leave(this.engine, thread);
    this.portOf.delete(thread);
  }
}
