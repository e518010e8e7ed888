import type { DeviceObject } from './DeviceObject.ts';
import type { DriverObject } from './DriverObject.ts';
import type { FileObject } from './FileObject.ts';
import type { CompletionRoutine } from './routines.ts';

/**
 * One I/O stack location. The parameters are kept as the four untyped arguments of the
 * real union (`Parameters.Others.Argument1–4`), so copying a location copies exactly
 * what Windows copies; typed views (`deviceIoControl`, `read`, …) read them by name.
 */
export class IoStackLocation {
  majorFunction = 0;
  minorFunction = 0;
  flags = 0;
  control = 0;
  arg1 = 0;
  arg2 = 0;
  arg3 = 0;
  arg4 = 0;
  deviceObject: DeviceObject | null = null;
  fileObject: FileObject | null = null;
  completionRoutine: CompletionRoutine | null = null;
  context: unknown = null;
  /**
   * The driver that registered `completionRoutine` (not a Windows field): the routine runs
   * with its kernel API, while its DeviceObject argument is the location above's (IO-5.10),
   * which differs when a driver that skipped sets a routine (IO-5.4).
   */
  routineOwner: DriverObject | null = null;

  /** IoCopyCurrentIrpStackLocationToNext (IO-5.5): every field before CompletionRoutine; Control cleared. */
  copyTo(next: IoStackLocation): void {
    next.majorFunction = this.majorFunction;
    next.minorFunction = this.minorFunction;
    next.flags = this.flags;
    next.control = 0;
    next.arg1 = this.arg1;
    next.arg2 = this.arg2;
    next.arg3 = this.arg3;
    next.arg4 = this.arg4;
    next.deviceObject = this.deviceObject;
    next.fileObject = this.fileObject;
  }

  /** What IoCompleteRequest does to a location before the routine above runs (IO-5.10 step 3). */
  clear(): void {
    this.majorFunction = 0;
    this.minorFunction = 0;
    this.flags = 0;
    this.control = 0;
    this.arg1 = 0;
    this.arg2 = 0;
    this.arg3 = 0;
    this.arg4 = 0;
    this.deviceObject = null;
    this.fileObject = null;
    this.completionRoutine = null;
    this.context = null;
    this.routineOwner = null;
  }
}
