import type { NtStatus } from './ntstatus.ts';

const footprint = Symbol.for('irpsim/ThreadTermination');

/**
 * Thrown inside a thread that is being terminated, at a point where Windows delivers
 * termination (a UserMode wait, or the return to user mode). It unwinds the thread to its
 * exit processing.
 */
export class ThreadTermination extends Error {
  readonly [footprint] = true;
  readonly status: NtStatus;

  constructor(status: NtStatus) {
    super('thread terminated');
    this.status = status;
  }

  static is(value: unknown): value is ThreadTermination {
    return typeof value === 'object' && value !== null && footprint in value;
  }
}
