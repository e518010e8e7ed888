import type { KObject } from '@irpsim/core';
import type { DriverObject } from './DriverObject.ts';
import { DeviceRef } from './refs.ts';

/** A device object, as the I/O manager sees it. */
export class DeviceObject {
  readonly id: number;
  readonly object: KObject<DeviceObject>;
  readonly driver: DriverObject;
  /** `\Device\Hello`, or null for an unnamed device (filters, FDOs). */
  readonly name: string | null;
  readonly deviceType: number;
  flags: number;
  characteristics: number;
  /** How many stack locations an IRP sent to this device needs (IO-5.1). */
  stackSize = 1;
  /** The device attached directly above this one. */
  attachedDevice: DeviceObject | null = null;
  /** The device this one was attached to (what IoAttachDeviceToDeviceStack returned). */
  lowerDevice: DeviceObject | null = null;
  /** The driver's device extension: any JavaScript value it likes. */
  extension: unknown;
  /** File objects opened on this device and not yet closed (DO_EXCLUSIVE, IO-9.8). */
  openCount = 0;
  deleted = false;
  private ref_: DeviceRef | null = null;

  constructor(
    id: number,
    object: KObject<DeviceObject>,
    driver: DriverObject,
    name: string | null,
    deviceType: number,
    flags: number,
    characteristics: number,
    extension: unknown,
  ) {
    this.id = id;
    this.object = object;
    this.driver = driver;
    this.name = name;
    this.deviceType = deviceType;
    this.flags = flags;
    this.characteristics = characteristics;
    this.extension = extension;
  }

  /** The DeviceRef drivers are handed for this device: one per device, made on first use. */
  get ref(): DeviceRef {
    return (this.ref_ ??= new DeviceRef(this));
  }

  /** `\Device\Hello` or `Hello#3` for an unnamed device. */
  get label(): string {
    return this.name ?? `${this.driver.name}#${this.id}`;
  }

  /** IoGetAttachedDevice: the top of this device's stack. */
  top(): DeviceObject {
    let device: DeviceObject = this;
    while (device.attachedDevice !== null) device = device.attachedDevice;
    return device;
  }
}
