import type { NtStatus } from './ntstatus.ts';
import type { Process } from './Process.ts';
import type { Task } from './Task.ts';

export type ProcessorMode = 'user' | 'kernel';

/**
 * A simulated thread. Its body runs as an engine task; `mode` is the processor mode it
 * is executing in now, and `previousMode` the mode it came from when it entered the
 * kernel — what the system services test to decide whether to probe (IO-10.1).
 */
export class Thread {
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
  /** @internal set once the task exists. */
  task!: Task;

  readonly id: number;
  readonly process: Process;
  readonly name: string;

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
