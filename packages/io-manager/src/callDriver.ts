import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import type { Irp } from './Irp.ts';
import { DeviceRef } from './refs.ts';
import { activeFrame, afterDispatch, enterDispatch } from './dispatchChecks.ts';
import type { DispatchRoutine } from './routines.ts';

/**
 * IoCallDriver (IO-5.2): moves the IRP to the next stack location, records the device
 * there and calls the driver's dispatch routine for the location's major function. The
 * dispatch routine's return value comes back unchanged. Calling a driver is a scheduling
 * point: other runnable work may go first.
 */
export function* callDriver(io: IoManager, device: DeviceObject, irp: Irp, caller: DriverObject | null): Routine<NtStatus> {
  const machine = io.machine;
  irp.currentLocation--;
  if (irp.currentLocation <= 0) {
    machine.bugcheck({
      code: 0x35,
      name: 'NO_MORE_IRP_STACK_LOCATIONS',
      params: [irp.address, 0, 0, 0],
      message: `IoCallDriver on ${io.describeIrp(irp)} with no stack location left (StackCount ${irp.stackCount}) to ${device.label}`,
      ...(caller !== null ? { driver: caller.name } : {}),
    });
  }
  const location = irp.currentLocation;
  const sl = irp.stack[location - 1]!;
  sl.deviceObject = device;
  irp.state = 'active';
  const driver = device.driver;
  const routine = driver.majorFunction[sl.majorFunction] ?? invalidDeviceRequest;
  if (io.trace.on) {
    io.trace.emit({
      type: 'io.irp.call',
      irp: irp.id,
      device: device.id,
      deviceName: device.label,
      driver: driver.name,
      major: sl.majorFunction,
      minor: sl.minorFunction,
      location,
      stackCount: irp.stackCount,
      caller: caller?.name ?? null,
    });
  }
  const pendingBefore = (sl.control & 0x01) !== 0;
  const from = activeFrame(io, irp);
  yield machine.cost.routineCall;
  enterDispatch(io, irp, driver, location);
  const status = (yield* io.runRoutine(driver, () => routine(driver.kernel, new DeviceRef(device), io.irpRef(irp, driver)))) >>> 0;
  if (io.trace.on) io.trace.emit({ type: 'io.irp.return', irp: irp.id, driver: driver.name, status, location });
  afterDispatch(io, irp, sl, driver, status, pendingBefore);
  if (from !== null) from.forwarded = status;
  return status;
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
