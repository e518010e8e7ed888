import { STATUS } from '../ntstatus.ts';
import { SimException } from '../SimException.ts';
import type { AddressSpace } from './AddressSpace.ts';
import type { Memory } from './Memory.ts';

/** MM_USER_PROBE_ADDRESS: the first address a probe rejects. */
export const USER_PROBE_LIMIT = 0x7fff0000;

/**
 * ProbeForRead (verifier-and-objects.md C21): checks only that [address, address + length)
 * lies in user space, does not wrap, and is aligned. A length of 0 checks nothing.
 * Raises STATUS_DATATYPE_MISALIGNMENT or STATUS_ACCESS_VIOLATION as a SimException.
 */
export function probeForRead(address: number, length: number, alignment: number): void {
  probeRange(address, length, alignment, false);
}

/** The range checks both probes make; `write` says which probe raised, for the report. */
function probeRange(address: number, length: number, alignment: number, write: boolean): void {
  if (length === 0) return;
  const a = address >>> 0;
  if (alignment > 1 && a % alignment !== 0) throw new SimException(STATUS.DATATYPE_MISALIGNMENT, a, write, 'kernel');
  const end = a + length;
  if (end > USER_PROBE_LIMIT || end < a) throw new SimException(STATUS.ACCESS_VIOLATION, a, write, 'kernel');
}

/**
 * ProbeForWrite: the checks of ProbeForRead, then every page of the range is touched for
 * write, so an unmapped or read-only page raises STATUS_ACCESS_VIOLATION.
 */
export function probeForWrite(memory: Memory, space: AddressSpace, address: number, length: number, alignment: number): void {
  if (length === 0) return;
  probeRange(address, length, alignment, true);
  try {
    memory.check(space, address, length, true, 'user');
  } catch (error) {
    if (SimException.is(error)) throw new SimException(error.code, error.address, true, 'kernel');
    throw error;
  }
}
