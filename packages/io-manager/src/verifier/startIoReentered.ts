import type { DeviceObject } from '../DeviceObject.ts';
import type { Kernel } from '../Kernel.ts';
import type { DeviceRef, IrpRef } from '../refs.ts';

/** Per device: StartIo invocations on the stack, and the IRP StartIo was last given until IoStartNextPacket releases it. */
interface StartIoTrack {
  running: number;
  outstanding: number | null;
}

const tracks = new WeakMap<DeviceObject, StartIoTrack>();

function trackOf(device: DeviceObject): StartIoTrack {
  let track = tracks.get(device);
  if (track === undefined) tracks.set(device, (track = { running: 0, outstanding: null }));
  return track;
}

/**
 * `startio-reentered` (non-fatal, standard): StartIo entered for a device while another
 * StartIo for it still runs (IoStartNextPacket called from StartIo: SDV StartIoRecursion),
 * or while the IRP the previous StartIo was given has not been released with
 * IoStartNextPacket (two packets in progress on a device that has one CurrentIrp: a second
 * IoStartNextPacket, or StartIo called directly). verifier-and-objects.md C34, C35, A.5.3,
 * part E 17: at most one StartIo per device at a time. IoStartPacket / IoStartNextPacket
 * (driver-model `startPacket.ts`) call these hooks; Windows has no runtime check for it.
 */
export function enterStartIo(k: Kernel, device: DeviceRef, irp: IrpRef): void {
  const io = k._io;
  const track = trackOf(device._device);
  const id = irp._irp.id;
  if (io.verifier.on && (track.running > 0 || track.outstanding !== null)) {
    const why = track.running > 0
      ? 'while a StartIo for it is still running (IoStartNextPacket called from StartIo: SDV StartIoRecursion)'
      : `while IRP ${track.outstanding}, given to the previous StartIo, has not been released with IoStartNextPacket`;
    io.machine.engine.violation(
      'startio-reentered',
      'StartIo re-entered for a device',
      `StartIo of ${k.driverName} entered for ${device._device.label} with IRP ${id} ${why}: a device runs one packet at a time (C35)`,
    );
  }
  track.running++;
  track.outstanding = id;
}

/** StartIo returned. */
export function leaveStartIo(device: DeviceRef): void {
  trackOf(device._device).running--;
}

/** IoStartNextPacket: the current packet is done; the device may start the next. */
export function noteStartNextPacket(device: DeviceRef): void {
  trackOf(device._device).outstanding = null;
}
