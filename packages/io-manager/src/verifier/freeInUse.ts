import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';

/**
 * 0xC9 WDM DRIVER ERROR 0x20B (fatal): IoFreeIrp on an IRP that is still in use — the
 * freeing driver sent it down, IoCallDriver returned STATUS_PENDING, and no completion
 * routine of its own has given it back yet (`Irp.forwardedBy`, IO-5.15). The canonical
 * place to free it is that completion routine, which clears the mark. Without the
 * verifier the lower driver's completion later finds a freed IRP: 0x44.
 */
export function checkFreeInUse(io: IoManager, irp: Irp, driver: DriverObject): void {
  if (!io.verifier.on || irp.state !== 'active' || irp.forwardedBy !== driver) return;
  const holder = irp.current()?.deviceObject ?? null;
  io.verifier.ioViolation(0x20b, true, 'IoFreeIrp on an IRP still in use',
    `${driver.name} called IoFreeIrp on ${io.describeIrp(irp)}, which it sent down and got STATUS_PENDING for, while ${holder === null ? 'a lower driver' : `${holder.label} (${holder.driver.name})`} still holds it: free it in the completion routine, once it is back`, irp, driver);
}
