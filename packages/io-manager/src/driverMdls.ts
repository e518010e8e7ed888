import { PAGE_SHIFT, PAGE_SIZE, SimException, STATUS, type AccessMode, type AddressSpace } from '@irpsim/core';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { Mdl } from './Mdl.ts';
import { unmapSystemMapping } from './mapLockedPages.ts';
import { failsAllocation } from './adversary/failAllocation.ts';
import { forgetLockedPages } from './verifier/lockedPagesAtExit.ts';

/**
 * MDLs a driver allocates itself (wdm.h IoAllocateMdl, "Using MDLs"): IoAllocateMdl sizes an
 * MDL for a range but describes no page yet; MmBuildMdlForNonPagedPool (a nonpaged pool
 * buffer) or MmProbeAndLockPages (any buffer, in the current process) fills in its frames;
 * MmUnlockPages releases them and IoFreeMdl frees the MDL. The I/O manager's own MDLs (direct
 * I/O) come from probeAndLockPages.ts, already locked.
 */

/** The largest Length IoAllocateMdl accepts (Windows 7 and later: 4 GB - PAGE_SIZE); longer gives NULL. */
export const MDL_MAX_LENGTH = 0x1_0000_0000 - PAGE_SIZE;

/**
 * IoAllocateMdl: NULL when the range is too long or the fail-allocations adversary fails it
 * (Low Resources Simulation fails IoAllocateMdl). With an IRP, SecondaryBuffer FALSE sets
 * Irp->MdlAddress to the new MDL; TRUE appends it to the end of the chain at Irp->MdlAddress.
 */
export function allocateDriverMdl(io: IoManager, address: number, length: number, secondaryBuffer: boolean, irp: Irp | null): Mdl | null {
  if (length > MDL_MAX_LENGTH) return null;
  if (failsAllocation(io, 'IoAllocateMdl')) return null;
  const mdl = new Mdl(address >>> 0, io.machine.currentProcess().id, length, [], false);
  if (irp !== null) {
    if (!secondaryBuffer || irp.mdl === null) {
      // A secondary buffer with no primary is a caller error (the DDI requires one); irpsim
      // makes the MDL the primary, as the chain walk of a NULL MdlAddress cannot be taken.
      irp.mdl = mdl;
    } else {
      let last = irp.mdl;
      while (last.next !== null) last = last.next;
      last.next = mdl;
    }
  }
  return mdl;
}

/**
 * MmBuildMdlForNonPagedPool: the MDL describes a resident kernel buffer, which is its own
 * system address (MappedSystemVa, MDL_SOURCE_IS_NONPAGED_POOL). A range that is not mapped
 * kernel memory raises, as touching it would: the driver's fault.
 */
export function buildMdlForNonPagedPool(io: IoManager, mdl: Mdl): void {
  const { memory, system } = io.machine;
  memory.check(system.space, mdl.address, mdl.byteCount, true, 'kernel');
  mdl.frames = framesOf(io, system.space, mdl);
  mdl.processId = system.id;
  mdl.writable = true;
  mdl.systemAddress = mdl.address;
}

/**
 * MmProbeAndLockPages: probes the range in the current process for the operation in
 * `mode` and locks its frames; raises STATUS_ACCESS_VIOLATION on a bad range, and, under
 * the fail-allocations adversary, STATUS_INSUFFICIENT_RESOURCES (Low Resources Simulation
 * fails MmProbeAndLockPages): a driver calls it inside __try.
 */
export function probeAndLockDriverMdl(io: IoManager, mdl: Mdl, mode: AccessMode, write: boolean): void {
  if (failsAllocation(io, 'MmProbeAndLockPages')) throw new SimException(STATUS.INSUFFICIENT_RESOURCES, mdl.address, write, mode);
  const process = io.machine.currentProcess();
  io.machine.memory.check(process.space, mdl.address, mdl.byteCount, write, mode);
  mdl.frames = framesOf(io, process.space, mdl);
  mdl.processId = process.id;
  mdl.writable = write;
}

/**
 * MmUnlockPages: the frames are no longer described, a system mapping made meanwhile is
 * unmapped (MDL_MAPPED_TO_SYSTEM_VA), and the pages no longer count as locked at exit.
 */
export function unlockDriverMdl(io: IoManager, mdl: Mdl): void {
  unmapSystemMapping(io.machine, mdl);
  mdl.frames = [];
  forgetLockedPages(io, mdl);
}

function framesOf(io: IoManager, space: AddressSpace, mdl: Mdl): number[] {
  const frames: number[] = [];
  if (mdl.byteCount === 0) return frames;
  const first = mdl.address >>> PAGE_SHIFT;
  const last = (mdl.address + mdl.byteCount - 1) >>> PAGE_SHIFT;
  for (let p = first; p <= last; p++) frames.push(io.machine.memory.frameOf(space, p * PAGE_SIZE)!);
  return frames;
}
