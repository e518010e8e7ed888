import { STATUS, describeStatus, irqlName, type NtStatus, type Task } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';

/** What one dispatch routine did to its IRP, for the checks made when it returns (IO-5.14). */
export interface DispatchFrame {
  readonly driver: DriverObject;
  readonly task: Task;
  readonly location: number;
  /** It called IoMarkIrpPending. */
  marked: boolean;
  /** The status IoCallDriver returned when it passed the IRP down, or null. */
  forwarded: NtStatus | null;
  /** IoStatus.Status when it called IoCompleteRequest, or null. */
  completedWith: NtStatus | null;
  /** The IRQL it was called at, and its device's number (0xC9/0x05). */
  readonly irql: number;
  readonly device: number;
}

const frames = new WeakMap<Irp, DispatchFrame[]>();

/** Starts tracking a dispatch routine about to run (verifier on only). */
export function enterDispatch(io: IoManager, irp: Irp, driver: DriverObject, location: number): void {
  if (!io.verifier.on) return;
  let stack = frames.get(irp);
  if (stack === undefined) frames.set(irp, (stack = []));
  stack.push({ driver, task: io.machine.engine.current!, location, marked: false, forwarded: null, completedWith: null, irql: io.machine.cpus.irql, device: irp.stack[location - 1]?.deviceObject?.id ?? 0 });
}

/** The dispatch routine of this IRP running in this task right now, if any. */
export function activeFrame(io: IoManager, irp: Irp): DispatchFrame | null {
  // Frames exist only while the verifier is on (enterDispatch): skip the lookup otherwise.
  if (!io.verifier.on) return null;
  const stack = frames.get(irp);
  const top = stack?.[stack.length - 1];
  return top !== undefined && top.task === io.machine.engine.current ? top : null;
}

/**
 * The checks Driver Verifier makes when a dispatch routine returns: 0x05 IRQL changed
 * (fatal, standard level); IO-5.14's 0x226 lost IRP and 0x224 status mismatch (fatal,
 * standard level), 0x23D pending not marked and 0x23E marked but not pending (non-fatal,
 * enhanced level).
 */
export function afterDispatch(io: IoManager, irp: Irp, driver: DriverObject, returned: NtStatus): void {
  if (!io.verifier.on) return;
  const stack = frames.get(irp);
  const frame = stack?.pop();
  if (stack !== undefined && stack.length === 0) frames.delete(irp);
  if (frame === undefined) return;
  const verifier = io.verifier;
  const R = returned >>> 0;
  const irql = io.machine.cpus.irql;
  if (irql !== frame.irql) {
    verifier.ioViolation(0x05, true, 'IRQL changed across the dispatch routine',
      `${driver.name}'s dispatch routine for ${io.describeIrp(irp)} was called at ${irqlName(frame.irql)} and returned at ${irqlName(irql)} (a spin lock left held?)`, irp, driver,
      [0x05, frame.device, frame.irql, irql]);
  }
  // Messages (and the IRP's name in them) are formatted only when a check fires.
  if (R === STATUS.PENDING) {
    if (!frame.marked && frame.forwarded !== STATUS.PENDING && verifier.enhanced) {
      verifier.ioViolation(0x23d, false, 'STATUS_PENDING returned without IoMarkIrpPending',
        `${driver.name} returned STATUS_PENDING for ${io.describeIrp(irp)} without calling IoMarkIrpPending (IO-5.14 b)`, irp, driver);
    }
    return;
  }
  if (frame.marked && verifier.enhanced) {
    verifier.ioViolation(0x23e, false, 'IoMarkIrpPending without returning STATUS_PENDING',
      `${driver.name} marked ${io.describeIrp(irp)} pending but returned ${describeStatus(R)} (IO-5.14 a)`, irp, driver);
  }
  if (R === 0xffffffff) {
    verifier.ioViolation(0x225, false, 'dispatch routine returned the illegal status 0xFFFFFFFF',
      `${driver.name}'s dispatch routine returned 0xFFFFFFFF for ${io.describeIrp(irp)}: an uninitialised status variable?`, irp, driver);
  }
  if (frame.completedWith !== null && frame.completedWith !== R) {
    verifier.ioViolation(0x224, true, 'dispatch return differs from IoStatus.Status',
      `${driver.name} completed ${io.describeIrp(irp)} with ${describeStatus(frame.completedWith)} but its dispatch routine returned ${describeStatus(R)} (IO-5.14 c)`, irp, driver);
  }
  if (frame.completedWith === null && frame.forwarded === null && irp.state === 'active') {
    verifier.ioViolation(0x226, true, 'IRP neither completed, forwarded nor pended',
      `${driver.name} returned ${describeStatus(R)} for ${io.describeIrp(irp)} without completing it, passing it down or returning STATUS_PENDING: the IRP is lost (IO-5.14 d)`, irp, driver);
  }
}
