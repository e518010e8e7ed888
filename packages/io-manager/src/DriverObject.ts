import type { KObject } from '@irpsim/core';
import { IRP_MJ_MAXIMUM_FUNCTION } from './constants.ts';
import type { DeviceObject } from './DeviceObject.ts';
import type { Kernel } from './Kernel.ts';
import type { DispatchRoutine, DriverUnload } from './routines.ts';

/** A loaded driver: `\Driver\<name>`, its dispatch table and its devices. */
export class DriverObject {
  readonly id: number;
  /** The service name, e.g. `Hello`; the object is `\Driver\Hello`. */
  readonly name: string;
  readonly object: KObject<DriverObject>;
  /** MajorFunction[IRP_MJ_*]: null means the I/O manager's default (IO-5.7). */
  readonly majorFunction: (DispatchRoutine | null)[] = new Array<DispatchRoutine | null>(IRP_MJ_MAXIMUM_FUNCTION + 1).fill(null);
  driverUnload: DriverUnload | null = null;
  readonly devices: DeviceObject[] = [];
  /** Unload state (unloadDriver.ts): requested (DOE_UNLOAD_PENDING on its devices), DriverUnload called, image gone. */
  unload: 'none' | 'pending' | 'invoked' | 'unloaded' = 'none';
  /** DPCs, interrupts and system threads it made (IoManager.noteCreator): code that must not outlive the image. */
  readonly made: object[] = [];
  /** The kernel API handed to this driver's routines. */
  kernel!: Kernel;

  constructor(id: number, name: string, object: KObject<DriverObject>) {
    this.id = id;
    this.name = name;
    this.object = object;
  }
}
