import type { DriverObject } from '../DriverObject.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';

/**
 * 0xC9 WDM DRIVER ERROR 0x229 (fatal): a driver set a cancel routine on an IRP that
 * drivers lower in the stack are processing — possibly stomping their cancel routine
 * (verifier-and-objects B10; IO-6.3: only the driver that holds the IRP may make it
 * cancelable). Made by IoSetCancelRoutine with a non-NULL routine: the caller owns a
 * stack location above the current one, and the current one is another driver's.
 */
export function checkCancelRoutineWhileForwarded(io: IoManager, irp: Irp, setting: boolean, driver: DriverObject): void {
  if (!setting || !io.verifier.on || irp.state !== 'active') return;
  const current = irp.current()?.deviceObject ?? null;
  if (current === null || current.driver === driver) return;
  for (let n = irp.currentLocation + 1; n <= irp.stackCount; n++) {
    if (irp.stack[n - 1]!.deviceObject?.driver !== driver) continue;
    io.verifier.ioViolation(0x229, true, 'cancel routine set while lower drivers process the IRP',
      `${driver.name} set a cancel routine on ${io.describeIrp(irp)} while ${current.label} (${current.driver.name}), below it, is processing it: the lower driver's cancel routine may be overwritten (IO-6.3)`, irp, driver);
    return;
  }
}
