import { IRQL, PAGE, PAGE_SIZE, irqlName, type Machine, type Process } from '@irpsim/core';
import type { Mdl } from './Mdl.ts';

/** Where MmMapLockedPagesSpecifyCache maps: system space, or the *current* process's user space. */
export type MapMode = 'kernel' | 'user';

/**
 * MmGetSystemAddressForMdlSafe / MmMapLockedPagesSpecifyCache(KernelMode): maps the MDL's
 * frames into system space once — valid in every process and at DISPATCH_LEVEL — and
 * returns the address of its first byte.
 */
export function mapLockedPagesInSystem(machine: Machine, mdl: Mdl): number {
  if (mdl.systemAddress !== 0) return mdl.systemAddress;
  const base = machine.memory.reserveSystem(mdl.frames.length);
  machine.memory.mapFrames(machine.memory.kernel, base, mdl.frames, mdl.writable ? PAGE.READWRITE : PAGE.READONLY);
  mdl.systemAddress = base + mdl.byteOffset;
  mdl.systemPages = mdl.frames.length;
  if (machine.trace.on) {
    machine.trace.emit({ type: 'mm.mdl.map', mode: 'kernel', address: mdl.systemAddress, pid: null, mdlPid: mdl.processId, pages: mdl.frames.length });
  }
  return mdl.systemAddress;
}

/**
 * MmUnlockPages' part for a system mapping (MDL_MAPPED_TO_SYSTEM_VA): the system-space
 * pages are unmapped, so a driver that keeps the address past the unlock — or past its
 * IRP's completion, which unlocks the IRP's MDLs — faults (0x50) instead of reaching the
 * caller's pages.
 */
export function unmapSystemMapping(machine: Machine, mdl: Mdl): void {
  if (mdl.systemPages === 0) return;
  const base = mdl.systemAddress - mdl.byteOffset;
  machine.memory.unmapRange(machine.memory.kernel, base, mdl.systemPages * PAGE_SIZE);
  mdl.systemAddress = 0;
  mdl.systemPages = 0;
}

/**
 * MmMapLockedPagesSpecifyCache(UserMode): maps the MDL's frames into the user half of
 * whichever process is current — the hazard verifier-and-objects.md C27 warns of. Called
 * from the top-level dispatch routine that is the requester's process; called from a DPC,
 * a timer or a work item it lands in an arbitrary process (or System), and the caller's
 * process never sees it. Allowed at APC_LEVEL or below: above, 0xC4/0x75 under the
 * verifier (Windows itself does not check; irpsim maps anyway).
 */
export function mapLockedPagesInUser(machine: Machine, mdl: Mdl): { address: number; process: Process } {
  const irql = machine.cpus.irql;
  if (irql > IRQL.APC && machine.cpus.irqlChecking) {
    machine.cpus.stop(
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x75, irql, 0, 0] },
      { code: 0xc4, name: 'DRIVER_VERIFIER_DETECTED_VIOLATION', params: [0x75, irql, 0, 0] },
      `MmMapLockedPagesSpecifyCache(UserMode) at ${irqlName(irql)}: user mappings need APC_LEVEL or below`,
    );
  }
  const process = machine.currentProcess();
  const space = process.space;
  const size = mdl.frames.length * PAGE_SIZE;
  const base = space.reserve(size);
  if (base === null) return { address: 0, process };
  machine.memory.mapFrames(space.user, base, mdl.frames, mdl.writable ? PAGE.READWRITE : PAGE.READONLY);
  space.regions.set(base, { base, size, label: `MDL mapping of a buffer of process ${mdl.processId}` });
  const address = base + mdl.byteOffset;
  if (machine.trace.on) {
    machine.trace.emit({ type: 'mm.mdl.map', mode: 'user', address, pid: process.id, mdlPid: mdl.processId, pages: mdl.frames.length });
  }
  return { address, process };
}

declare module '@irpsim/core' {
  interface TraceEventMap {
    /** An MDL's pages mapped: in system space, or into process `pid`'s user half (`mdlPid` owns the buffer). */
    'mm.mdl.map': { mode: MapMode; address: number; pid: number | null; mdlPid: number; pages: number };
  }
}
