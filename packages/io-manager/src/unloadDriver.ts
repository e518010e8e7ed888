import { IRQL, STATUS, waitForObjects, type NtStatus, type Routine } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import type { IoManager } from './IoManager.ts';
import { DriverRef } from './refs.ts';
import { trapUnloadedCode } from './verifier/unloadChecks.ts';

/**
 * NtUnloadDriver for a legacy driver (IopUnloadDriver, [REF] ReactOS io/iomgr/driver.c):
 * refused with STATUS_INVALID_DEVICE_REQUEST when the driver has no DriverUnload routine,
 * STATUS_DELETE_PENDING once DriverUnload has been invoked. Otherwise every device of the
 * driver is marked unload-pending (DOE_UNLOAD_PENDING: new opens fail with
 * STATUS_NO_SUCH_DEVICE, IO-9.4) and, when no device is referenced (no file object open on
 * it — outstanding IRPs hold their file object) and none has a device attached above it,
 * DriverUnload runs at once; else when the last reference goes (`unloadIfUnreferenced`,
 * called from the file object's deletion). Either way the request succeeds.
 */
export function* unloadDriver(io: IoManager, name: string): Routine<NtStatus> {
  const driver = io.drivers.get(name.toLowerCase());
  if (driver === undefined) return STATUS.OBJECT_NAME_NOT_FOUND;
  if (driver.unload === 'invoked' || driver.unload === 'unloaded') return STATUS.DELETE_PENDING;
  if (driver.driverUnload === null) {
    if (io.trace.on) io.trace.emit({ type: 'io.driver.unload', driver: driver.name, step: 'refused', status: STATUS.INVALID_DEVICE_REQUEST });
    return STATUS.INVALID_DEVICE_REQUEST;
  }
  driver.unload = 'pending';
  if (io.trace.on) io.trace.emit({ type: 'io.driver.unload', driver: driver.name, step: 'pending', status: STATUS.SUCCESS });
  yield* unloadIfUnreferenced(io, driver);
  return STATUS.SUCCESS;
}

/** IopCheckUnloadDriver: a device of `driver` lost a reference; unload it if that was the last. */
export function* unloadIfUnreferenced(io: IoManager, driver: DriverObject): Routine<void> {
  if (driver.unload !== 'pending' || referenced(io, driver)) return;
  driver.unload = 'invoked';
  // DriverUnload runs at PASSIVE_LEVEL in a system thread; the requester waits for it, as
  // NtUnloadDriver waits for its work item and a closing thread runs it before returning.
  const unloader = io.machine.createSystemThread(`unload ${driver.name}`, () => callUnload(io, driver));
  const thread = io.machine.currentThreadOrNull();
  if (thread !== null && thread.task.irql < IRQL.DISPATCH) yield* waitForObjects(io.machine.engine, thread, [unloader.exited]);
}

/** A device of the driver still referenced (by a file object) or with a device attached above it. */
function referenced(io: IoManager, driver: DriverObject): boolean {
  return io.devices.some((d) => d.driver === driver && (d.openCount > 0 || (!d.deleted && d.attachedDevice !== null)));
}

function* callUnload(io: IoManager, driver: DriverObject): Routine<void> {
  if (io.trace.on) io.trace.emit({ type: 'io.driver.unload', driver: driver.name, step: 'invoked', status: STATUS.SUCCESS });
  const running = io.enterDriver(driver);
  try {
    yield* driver.driverUnload!(driver.kernel, new DriverRef(driver));
  } catch (error) {
    io.faultIn(driver, error);
    throw error;
  } finally {
    io.leaveDriver(running);
  }
  // The image is gone: \Driver\X leaves the namespace (ObMakeTemporaryObject), and the
  // service can be loaded again.
  driver.unload = 'unloaded';
  io.machine.objects.makeTemporary(driver.object);
  io.drivers.delete(driver.name.toLowerCase());
  if (io.trace.on) io.trace.emit({ type: 'io.driver.unload', driver: driver.name, step: 'unloaded', status: STATUS.SUCCESS });
  trapUnloadedCode(io, driver);
}
