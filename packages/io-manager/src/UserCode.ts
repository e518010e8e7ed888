import type { Routine } from '@irpsim/core';
import type { Win32 } from './Win32.ts';

/**
 * An NT-level I/O APC routine (PIO_APC_ROUTINE): queued as a user APC to the requesting
 * thread at completion and called there, in user mode, with (ApcContext, IoStatusBlock,
 * 0) — IO-7.12. `u` is the thread's Win32 API.
 */
export type IoApcRoutine = (u: Win32, apcContext: number, iosb: number, reserved: number) => Routine<void>;

/** Where the addresses of user-mode routines start: the region a system DLL occupies. */
const USER_CODE_BASE = 0x7c800000;

/**
 * Addresses for user-mode routines. System services take numbers, as a program passes
 * them; a routine a program hands the kernel (NtReadFile's ApcRoutine, ReadFileEx's
 * completion routine) is a function in the simulator, so it is given a code address here
 * once and found again by it. No bytes are behind these addresses.
 */
export class UserCode {
  private readonly byAddress = new Map<number, unknown>();
  private readonly byRoutine = new Map<unknown, number>();
  private next = USER_CODE_BASE;

  /** The address of `routine`, assigned on first use. */
  address(routine: object): number {
    let address = this.byRoutine.get(routine);
    if (address === undefined) {
      address = this.next;
      this.next += 0x10;
      this.byRoutine.set(routine, address);
      this.byAddress.set(address, routine);
    }
    return address;
  }

  /** The routine at `address`, or undefined when none was given one. */
  routine<T>(address: number): T | undefined {
    return this.byAddress.get(address >>> 0) as T | undefined;
  }
}
