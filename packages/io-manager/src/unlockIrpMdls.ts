import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { unlockDriverMdl } from './driverMdls.ts';

/**
 * The end of a completion walk that was not stopped (IofCompleteRequest, IO-5.19): every
 * MDL of Irp->MdlAddress's chain is unlocked with MmUnlockPages — the direct-I/O MDL the
 * I/O manager built and any a driver attached with IoAllocateMdl(…, Irp) — which also
 * removes a system mapping made with MmGetSystemAddressForMdlSafe. A driver that keeps a
 * system address past completion (a DPC, a timer) then faults, as on Windows; final
 * processing frees the MDLs (IoFreeMdl: nothing more to release here).
 */
export function unlockIrpMdls(io: IoManager, irp: Irp): void {
  for (let mdl = irp.mdl; mdl !== null; mdl = mdl.next) unlockDriverMdl(io, mdl);
}
