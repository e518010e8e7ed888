import { PAGE_SIZE, SimException, ntError, type AddressSpace, type Memory, type NtStatus } from '@irpsim/core';

/** STATUS_VERIFY_REQUIRED: a warning after which the I/O manager copies nothing back (IO-3.2). */
export const STATUS_VERIFY_REQUIRED = 0x80000016;

/** IO-3.2: the BUFFERED copy-back happens for success and warnings, except STATUS_VERIFY_REQUIRED; never for errors. */
export function copiesBack(status: NtStatus): boolean {
  return !ntError(status) && status >>> 0 !== STATUS_VERIFY_REQUIRED;
}

/**
 * How many bytes the BUFFERED copy-back writes (IO-3.2, IO-3.3): Windows copies
 * Information bytes whatever OutputBufferLength says — a driver that overstates it
 * discloses the kernel pool past the system buffer (0xC9/0x312). irpsim does the same but
 * stops where the caller's writable memory ends (POLICY: the copy never faults), so a
 * correct driver changes exactly the first Information bytes of the output buffer.
 */
export function copyBackLength(memory: Memory, space: AddressSpace, userBuffer: number, information: number): number {
  let length = 0;
  while (length < information) {
    const address = userBuffer + length;
    const chunk = Math.min(information - length, PAGE_SIZE - (address % PAGE_SIZE));
    try {
      memory.check(space, address, chunk, true, 'kernel');
    } catch (error) {
      if (!SimException.is(error)) throw error;
      break;
    }
    length += chunk;
  }
  return length;
}
