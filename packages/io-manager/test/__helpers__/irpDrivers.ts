import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, IO_NO_INCREMENT, IRP_MJ, type DeviceRef, type DispatchRoutine, type DriverEntry, type IrpRef, type Kernel, type Win32 } from '../../src/index.ts';

/** Completes `irp` with {status, information} and returns the status, as a correct dispatch routine does (IO-5.14 c). */
export function* complete(k: Kernel, irp: IrpRef, status: NtStatus, information = 0, boost = IO_NO_INCREMENT): Routine<NtStatus> {
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  yield* k.IoCompleteRequest(irp, boost);
  return status;
}

/** CREATE, CLEANUP and CLOSE succeed at once. */
export const succeed: DispatchRoutine = function* (k, _device, irp) {
  return yield* complete(k, irp, STATUS.SUCCESS);
};

export interface DeviceDriverOptions {
  /** `\Device\<name>` and `\??\<name>`; null for an unnamed device (a filter). */
  readonly name: string | null;
  /** Dispatch routines by major function; CREATE / CLEANUP / CLOSE succeed unless given. */
  readonly majors?: Partial<Record<number, DispatchRoutine>>;
  /** Extra device flags (DO_BUFFERED_IO, DO_DIRECT_IO). */
  readonly flags?: number;
  /** Attach the new device to this device's stack (a filter); `lower` receives what IoAttachDeviceToDeviceStack returned. */
  readonly attachTo?: () => DeviceRef;
  /** Receives the device once created. */
  readonly onDevice?: (device: DeviceRef, lower: DeviceRef | null) => void;
}

/** A driver with one device and the given dispatch routines. */
export function deviceDriver(options: DeviceDriverOptions): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, options.name === null ? {} : { deviceName: `\\Device\\${options.name}` });
    if (device === null) return status;
    if (options.name !== null) k.IoCreateSymbolicLink(`\\??\\${options.name}`, `\\Device\\${options.name}`);
    device.flags |= options.flags ?? 0;
    let lower: DeviceRef | null = null;
    if (options.attachTo !== undefined) lower = k.IoAttachDeviceToDeviceStack(device, options.attachTo());
    for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]) driver.MajorFunction[major] = succeed;
    for (const [major, routine] of Object.entries(options.majors ?? {})) if (routine !== undefined) driver.MajorFunction[Number(major)] = routine;
    options.onDevice?.(device, lower);
    return STATUS.SUCCESS;
  };
}

/**
 * A filter that passes every request down to the device it attached to, with
 * IoSkipCurrentIrpStackLocation, except the majors it is given.
 */
export function passThrough(lower: () => DeviceRef): DispatchRoutine {
  return function* (k, _device, irp) {
    k.IoSkipCurrentIrpStackLocation(irp);
    return yield* k.IoCallDriver(lower(), irp);
  };
}

/** A kernel-side harness: a driver whose DriverEntry runs `body` in the boot system thread, at PASSIVE_LEVEL. */
export function kernelHarness(body: (k: Kernel) => Routine<void>): DriverEntry {
  return function* (k) {
    yield* body(k);
    return STATUS.SUCCESS;
  };
}

/** The devices of a three-deep stack: C (named \Device\Stack, bottom) ← B ← A (top). */
export interface Stack {
  a: DeviceRef;
  b: DeviceRef;
  c: DeviceRef;
  /** What IoAttachDeviceToDeviceStack returned to B and to A. */
  belowB: DeviceRef;
  belowA: DeviceRef;
}

/** Loads C, then B attached to C, then A attached to C (which lands on B), each with its DEVICE_CONTROL routine; fills `s`. */
export function threeDeep(routines: { a: DispatchRoutine; b: DispatchRoutine; c: DispatchRoutine }, s: Partial<Stack>): Record<string, DriverEntry> {
  return {
    C: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: routines.c }, onDevice: (d) => (s.c = d) }),
    B: deviceDriver({ name: null, attachTo: () => s.c!, majors: { [IRP_MJ.DEVICE_CONTROL]: routines.b }, onDevice: (d, lower) => ((s.b = d), (s.belowB = lower!)) }),
    A: deviceDriver({ name: null, attachTo: () => s.c!, majors: { [IRP_MJ.DEVICE_CONTROL]: routines.a }, onDevice: (d, lower) => ((s.a = d), (s.belowA = lower!)) }),
  };
}

/** The user thread `app`: it opens `\\.\Stack` (threeDeep's C) and makes one synchronous DeviceIoControl with `ioctl`. */
export function oneIoctl(ioctl: number): { name: string; body: (u: Win32) => Routine<void> } {
  return {
    name: 'app',
    *body(u: Win32) {
      const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
      yield* u.DeviceIoControl(h, ioctl, 0, 0, u.scratch(8), 8, u.scratch(4));
    },
  };
}

/**
 * A filter written as a generator that forwards its IRP and catches what comes up from
 * below: it notes the driver the I/O manager then has running (`caught.running`) and
 * faults itself, so a report must name it.
 */
export function catchingFilter(lower: () => DeviceRef, caught: { running: string | undefined }): DispatchRoutine {
  return function* (k, _device, irp) {
    k.IoCopyCurrentIrpStackLocationToNext(irp);
    try {
      return yield* k.IoCallDriver(lower(), irp);
    } catch {
      caught.running = k._io.runningDriver()?.name;
      throw new TypeError('A faults after catching');
    }
  };
}
