import { IoStackLocation } from './IoStackLocation.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import { StackLocationRef, type IrpRef } from './refs.ts';

/**
 * A driver reached for the next stack location of an IRP that has none (IO-5.2): on
 * Windows the pointer lands in the IRP header and the write corrupts it; the bug check
 * (0x35) comes with the IoCallDriver that follows. irpsim records the out-of-range access
 * as violation `irp-no-next-location` (POLICY, every verifier level but off) and hands out
 * a location that belongs to no IRP, so the run reaches that bug check.
 */
export function beyondTheStack(io: IoManager, irp: IrpRef, driver: DriverObject, what: string): StackLocationRef {
  const raw = irp._irp;
  if (io.verifier.on) {
    io.machine.engine.violation(
      'irp-no-next-location',
      'no next stack location',
      `${driver.name} called ${what} on ${io.describeIrp(raw)}, which has no stack location below CurrentLocation ${raw.currentLocation} (StackCount ${raw.stackCount}; IO-5.2)`,
    );
  }
  return new StackLocationRef(new IoStackLocation(), irp);
}
