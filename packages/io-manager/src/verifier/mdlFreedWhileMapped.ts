import type { Process } from '@irpsim/core';
import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Mdl } from '../Mdl.ts';

/** The user-mode mappings MmMapLockedPagesSpecifyCache(UserMode) made of each MDL and not yet unmapped. */
const userMappings = new WeakMap<Mdl, { address: number; process: Process }[]>();

/** MmMapLockedPagesSpecifyCache(UserMode) mapped `mdl` at `address` in `process`. */
export function noteUserMapping(mdl: Mdl, address: number, process: Process): void {
  const list = userMappings.get(mdl);
  if (list === undefined) userMappings.set(mdl, [{ address, process }]);
  else list.push({ address, process });
}

/**
 * MmUnmapLockedPages(address, mdl): the mapping at `address` of the *current* process is
 * gone; returns it, or null when the current process has no such mapping (unmapping must
 * happen in the process the mapping was made in, C9 — elsewhere nothing is unmapped).
 */
export function forgetUserMapping(mdl: Mdl, address: number, process: Process): { address: number; process: Process } | null {
  const list = userMappings.get(mdl) ?? [];
  const at = list.findIndex((m) => m.address === address && m.process === process);
  return at < 0 ? null : list.splice(at, 1)[0]!;
}

/**
 * 0xC4/0xB8 (fatal, standard): IoFreeMdl of an MDL whose pages are still mapped into a
 * process's user space by MmMapLockedPagesSpecifyCache(UserMode) — the user view would
 * outlive its descriptor (verifier-and-objects.md A.3, C9, part E 15); MmUnmapLockedPages
 * in the owning process first. Params [0xB8, 0 (the MDL: irpsim has no address for it),
 * the mapped user address, 0].
 */
export function checkMdlFreedWhileMapped(io: IoManager, mdl: Mdl, driver: DriverObject): void {
  const mapping = userMappings.get(mdl)?.[0];
  if (!io.verifier.on || mapping === undefined) return;
  io.machine.bugcheck({
    code: 0xc4,
    name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
    params: [0xb8, 0, mapping.address, 0],
    message: `${driver.name} freed an MDL (IoFreeMdl) whose pages are still mapped at 0x${mapping.address.toString(16).toUpperCase()} in process ${mapping.process.id} (${mapping.process.name}): MmUnmapLockedPages first, in that process`,
    driver: driver.name,
  });
}
