import { IRQL, STATUS, SimException, irqlName, type NtStatus, type Routine } from '@irpsim/core';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { activeFrame, afterDispatch, enterDispatch, type DispatchFrame } from './dispatchChecks.ts';
import type { DispatchRoutine } from './routines.ts';
import { irpAnalysis } from './verifier/irpHistory.ts';
import { checkEventAlreadySignalled, checkForward, eventSignalledAtFirstCall } from './verifier/forwardChecks.ts';
import { beginForcedPending, endForcedPending } from './adversary/forcePending.ts';
import { disruptRequest } from './adversary/disruptRequest.ts';

/**
 * IoCallDriver (IO-5.2): moves the IRP to the next stack location, records the device
 * there and calls the driver's dispatch routine for the location's major function. The
 * dispatch routine's return value comes back unchanged. Calling a driver is a scheduling
 * point: other runnable work may go first.
 *
 * The generator keeps only what spans its yields; the bookkeeping before and after the
 * routine lives in plain functions. Every frame of a task's `yield*` chain is suspended
 * and resumed at each step of the task, and a frame with fewer registers costs less.
 */
export function* callDriver(io: IoManager, device: DeviceObject | null, irp: Irp, caller: DriverObject | null): Routine<NtStatus> {
  if (device === null) return nullDevice(io, irp, caller);
  const from = activeFrame(io, irp);
  const location = enterLocation(io, device, irp, caller, from);
  const driver = device.driver;
  const routine = driver.majorFunction[irp.stack[location - 1]!.majorFunction] ?? invalidDeviceRequest;
  // Adversaries (off by default): force-pending may intercept this call; a user request may be disrupted.
  const forced = io.verifier.adversaries === null ? null : beginForcedPending(io, irp, location, caller, driver);
  if (caller === null && io.verifier.adversaries !== null) disruptRequest(io, irp);
  yield io.machine.cost.routineCall;
  enterDispatch(io, irp, driver, location);
  const running = io.enterDriver(driver);
  let status: NtStatus;
  try {
    status = ((yield io.machine.engine.call(routine(driver.kernel, device.ref, io.irpRef(irp, driver)))) as NtStatus) >>> 0;
  } catch (error) {
    // The report names the driver whose routine threw (the stack unwinds before the analysis).
    io.faultIn(driver, error);
    throw error;
  } finally {
    io.leaveDriver(running);
  }
  dispatchReturned(io, irp, location, driver, status);
  if (forced !== null) status = endForcedPending(io, forced, irp, status);
  if (from !== null) from.forwarded = status;
  // IO-5.15: the lower driver owns a pending IRP until the caller's completion routine runs.
  if (status === STATUS.PENDING && caller !== null && irp.state === 'active') irp.forwardedBy = caller;
  return status;
}

/**
 * IoCallDriver(NULL, Irp): 0xC9 WDM DRIVER ERROR 0x204 under the verifier; without it
 * IoCallDriver reads DeviceObject->DriverObject through NULL: an access violation.
 */
function nullDevice(io: IoManager, irp: Irp, caller: DriverObject | null): never {
  if (io.verifier.on) {
    io.verifier.ioViolation(0x204, true, 'IoCallDriver with a NULL device object',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)} and a NULL device object (the lower device was never set?)`, irp, caller);
  }
  throw new SimException(STATUS.ACCESS_VIOLATION, 0x8, false, 'kernel');
}

/** IoCallDriver up to the call: the next location becomes current and names the device. Returns its number. */
function enterLocation(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null, from: DispatchFrame | null): number {
  // IO-5.9: never above DISPATCH_LEVEL; stopped at every verifier level (POLICY, docs/verifier.md).
  const irql = io.machine.cpus.irql;
  if (irql > IRQL.DISPATCH) {
    io.verifier.ioViolation(0x10, true, 'IoCallDriver above DISPATCH_LEVEL',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)} at ${irqlName(irql)} (IO-5.9)`, irp, caller, [0x10, irql, 0, 0]);
  }
  // A stale pointer: the IRP was completed (or freed) and is no longer the caller's to send.
  if ((irp.state === 'completed' || irp.state === 'freed') && io.verifier.on) {
    io.verifier.ioViolation(0x03, true, 'IoCallDriver with an IRP that is no longer an IRP',
      `${caller?.name ?? 'a driver'} called IoCallDriver with ${io.describeIrp(irp)}, which was already completed`, irp, caller, [0x03, irp.address, 0, 0]);
  }
  if (io.verifier.on) {
    checkForward(io, device, irp, caller, from);
    // 0x307 is judged when this call returns; the note names the location it was made for.
    if (eventSignalledAtFirstCall(irp)) irp.notes['eventSignalledAt'] = { location: irp.currentLocation - 1, caller };
  }
  irp.currentLocation--;
  if (irp.currentLocation <= 0) {
    io.machine.bugcheck({
      code: 0x35,
      name: 'NO_MORE_IRP_STACK_LOCATIONS',
      params: [irp.address, 0, 0, 0],
      message: `IoCallDriver on ${io.describeIrp(irp)} with no stack location left (StackCount ${irp.stackCount}) to ${device.label}`,
      ...(caller !== null ? { driver: caller.name } : {}),
      analysis: irpAnalysis(io.machine, irp),
    });
  }
  const location = irp.currentLocation;
  const sl = irp.stack[location - 1];
  // Past the last location (a completed IRP sent on): Windows writes through a stale pointer.
  if (sl === undefined) throw new SimException(STATUS.ACCESS_VIOLATION, irp.address, true, 'kernel');
  sl.deviceObject = device;
  irp.state = 'active';
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.call',
      irp: irp.id,
      device: device.id,
      deviceName: device.label,
      driver: device.driver.name,
      major: sl.majorFunction,
      minor: sl.minorFunction,
      location,
      stackCount: irp.stackCount,
      caller: caller?.name ?? null,
    });
  }
  return location;
}

/** After the dispatch routine returned: the trace and the verifier's checks (IO-5.14). */
function dispatchReturned(io: IoManager, irp: Irp, location: number, driver: DriverObject, status: NtStatus): void {
  if (io.trace.on) io.trace.emit({ type: 'io.irp.return', irp: irp.id, driver: driver.name, status, location });
  afterDispatch(io, irp, driver, status);
  if (!io.verifier.on) return;
  const signalled = irp.notes['eventSignalledAt'] as { location: number; caller: DriverObject | null } | undefined;
  if (signalled !== undefined && signalled.location === location) {
    delete irp.notes['eventSignalledAt'];
    checkEventAlreadySignalled(io, irp, signalled.caller, status);
  }
}

/**
 * The dispatch routine of every major function a driver leaves unset (IO-5.7): complete
 * with STATUS_INVALID_DEVICE_REQUEST and return it.
 */
export const invalidDeviceRequest: DispatchRoutine = function* (k, _device, irp) {
  irp.ioStatus.status = STATUS.INVALID_DEVICE_REQUEST;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, 0);
  return STATUS.INVALID_DEVICE_REQUEST;
};
