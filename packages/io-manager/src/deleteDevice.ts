import type { DeviceObject } from './DeviceObject.ts';
import type { IoManager } from './IoManager.ts';

/**
 * IoDeleteDevice: the device leaves its driver's list and loses its name at once (its
 * object is made temporary and no handle holds it), so a later open by name or through a
 * DOS link fails with not found, with no IRP (IO-9.2, IO-9.4). File objects already open on
 * it keep working until their CLOSE; the object itself lives while they reference it.
 */
export function deleteDevice(io: IoManager, device: DeviceObject): void {
  if (device.deleted) return;
  device.deleted = true;
  io.machine.objects.makeTemporary(device.object);
  const devices = device.driver.devices;
  const at = devices.indexOf(device);
  if (at >= 0) devices.splice(at, 1);
  if (io.trace.on) io.trace.emit({ type: 'io.device.delete', device: device.id, name: device.name, driver: device.driver.name });
}
