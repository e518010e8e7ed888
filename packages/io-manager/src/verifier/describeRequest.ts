import { hex } from '@irpsim/core';
import { IRP_MJ, majorName } from '../constants.ts';
import type { Irp } from '../Irp.ts';

/** `IRP 7 (IOCTL 0x222000)`, `IRP 3 (IRP_MJ_READ)`: the IRP and what it asks, for liveness and crash reports. */
export function describeRequest(irp: Irp): string {
  const sl = irp.current() ?? irp.stack[irp.stackCount - 1] ?? null;
  if (sl === null) return `IRP ${irp.id}`;
  const major = sl.majorFunction;
  const what = major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL ? `${major === IRP_MJ.INTERNAL_DEVICE_CONTROL ? 'internal ' : ''}IOCTL ${hex(sl.arg3)}` : majorName(major);
  return `IRP ${irp.id} (${what})`;
}

/**
 * Where a pending IRP is held, as far as the I/O manager can tell: the device of its
 * current stack location and how it is parked there (a cancel-safe queue, a cancel
 * routine, neither), or the driver whose completion routine took it back.
 */
export function whereHeld(irp: Irp): string {
  if (irp.state === 'held') {
    const owner = irp.current()?.deviceObject?.driver.name ?? 'its creator';
    return `held by ${owner}, whose completion routine returned STATUS_MORE_PROCESSING_REQUIRED (it must complete or free it)`;
  }
  const device = irp.current()?.deviceObject ?? null;
  if (device === null) return irp.state === 'allocated' ? 'never sent' : 'held by no device';
  const csq = (irp.notes['driverContext'] as unknown[] | undefined)?.[3];
  if (csq !== null && csq !== undefined) return `held in the cancel-safe queue of ${device.label} (${device.driver.name})`;
  if (irp.cancelRoutine !== null) return `held in the queue of ${device.label} (${device.driver.name}, cancel routine set)`;
  return `held by ${device.label} (${device.driver.name}, no cancel routine set)`;
}
