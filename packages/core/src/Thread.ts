import { KSignal } from './dispatcher/KSignal.ts';
import type { KMutant } from './dispatcher/KMutant.ts';
import type { WaitBlock } from './dispatcher/DispatcherObject.ts';
import type { NtStatus } from './ntstatus.ts';
import type { KObject } from './objects/KObject.ts';
import type { Process } from './Process.ts';
import type { Routine, Task } from './Task.ts';

export type ProcessorMode = 'user' | 'kernel';

/** A user APC: a routine that runs in user mode in its thread, at an alertable wait. */
export interface UserApc {
  readonly label: string;
  /** Runs in user mode in `thread`, the thread the APC was queued to. */
  readonly routine: (thread: Thread) => Routine<void>;
}

/**
 * A simulated thread. Its body runs as an engine task; `mode` is the processor mode it
 * is executing in now, and `previousMode` the mode it came from when it entered the
 * kernel — what the system services test to decide whether to probe (IO-10.1).
 */
export class Thread {
  readonly id: number;
  readonly process: Process;
  readonly name: string;
  mode: ProcessorMode;
  previousMode: ProcessorMode;
  /** The Win32 last-error value (user threads). */
  lastError = 0;
  /** The NTSTATUS the thread's last system call returned. */
  lastStatus = 0;
  /** Base of a small user-mode stack page, for the Win32 layer's locals (an IOSB). */
  userStack = 0;
  exitStatus: NtStatus | null = null;
  /** Name of the system service the thread is executing, or null in user mode. */
  service: string | null = null;
  /** The wait the thread is blocked in, if any. */
  wait: WaitBlock | null = null;
  /** User APCs queued to the thread, run at its next alertable wait. */
  readonly userApcs: UserApc[] = [];
  /** An alertable wait was ended for user APCs: deliver them on the way to user mode. */
  userApcPending = false;
  /** Set when the thread has been asked to terminate, with its exit status. */
  terminating: NtStatus | null = null;
  /** Mutexes the thread owns (abandoned if it exits owning them). */
  readonly ownedMutants: KMutant[] = [];
  /**
   * ETHREAD.IrpList: the requests queued to the thread (IoQueueThreadIrp), oldest first.
   * Core only keeps the list; the I/O manager fills and reads it (irpThreadList.ts).
   */
  readonly irpList: unknown[] = [];
  /**
   * KTHREAD.ApcState.ApcListHead[KernelMode]: kernel APCs queued to the thread and not yet
   * delivered, oldest first; they are delivered in this order. Core only keeps the list; the
   * I/O manager queues its completion APCs here (completionApcs.ts).
   */
  readonly kernelApcs: unknown[] = [];
  /** Signalled when the thread has exited (what waiting on a thread handle waits for). */
  readonly exited = new KSignal();
  /** @internal set once the task exists. */
  task!: Task;
  /** @internal the thread's object-manager object. */
  object!: KObject<Thread>;

  constructor(id: number, process: Process, name: string) {
    this.id = id;
    this.process = process;
    this.name = name;
    const user = !process.isSystem;
    this.mode = user ? 'user' : 'kernel';
    this.previousMode = user ? 'user' : 'kernel';
  }

  /** `app/main`, for narration. */
  get label(): string {
    return `${this.process.name}/${this.name}`;
  }

  get isSystemThread(): boolean {
    return this.process.isSystem;
  }
}
