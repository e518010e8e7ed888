import type { NtStatus } from './ntstatus.ts';

const footprint = Symbol.for('irpsim/SimException');

/**
 * A simulated processor exception (an access violation, a misaligned probe). Kernel
 * code may catch it — that is its `__try/__except` — and user code may handle it; if it
 * escapes, the machine turns it into a dead process (user mode) or a bug check (kernel
 * mode), as Windows does.
 */
export class SimException extends Error {
  readonly [footprint] = true;
  readonly code: NtStatus;
  readonly address: number;
  readonly write: boolean;
  readonly mode: 'user' | 'kernel';
  constructor(code: NtStatus, address: number, write: boolean, mode: 'user' | 'kernel') {
    super(`exception 0x${(code >>> 0).toString(16).toUpperCase()} at 0x${(address >>> 0).toString(16).toUpperCase()}`);
    this.code = code;
    this.address = address;
    this.write = write;
    this.mode = mode;
  }
  static is(value: unknown): value is SimException {
    return typeof value === 'object' && value !== null && footprint in value;
  }
}
