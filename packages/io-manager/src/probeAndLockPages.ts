import { PAGE_SHIFT, type AccessMode, type AddressSpace, type Memory } from '@irpsim/core';
import { Mdl } from './Mdl.ts';

/**
 * IoAllocateMdl + MmProbeAndLockPages: checks the range for read or write access in the
 * caller's mode (raising a SimException on failure) and describes its frames.
 */
export function probeAndLockPages(
  memory: Memory,
  space: AddressSpace,
  processId: number,
  address: number,
  length: number,
  write: boolean,
  mode: AccessMode,
): Mdl {
  memory.check(space, address, length, write, mode);
  const frames: number[] = [];
  const first = address >>> PAGE_SHIFT;
  const last = (address + length - 1) >>> PAGE_SHIFT;
  for (let p = first; p <= last; p++) frames.push(memory.frameOf(space, p << PAGE_SHIFT)!);
  return new Mdl(address, processId, length, frames, write);
}
