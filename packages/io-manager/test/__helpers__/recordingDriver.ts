import { STATUS, type NtStatus } from '@irpsim/core';
import { DO, IO_NO_INCREMENT, IRP_MJ, type DispatchRoutine, type DriverEntry } from '../../src/index.ts';

/** One request a recording driver received. */
export interface Received {
  readonly major: number;
  /** The file object's id (the same for an open's CREATE, CLEANUP and CLOSE). */
  readonly file: number | null;
  readonly fileName: string | null;
  /** The device the dispatch routine was called for (IrpSp->DeviceObject). */
  readonly device: number;
  /** FileObject->DeviceObject. */
  readonly fileDevice: number | null;
  /** Parameters.Create.SecurityContext->DesiredAccess (CREATE only). */
  readonly desiredAccess: number | null;
  readonly tid: number | null;
}

export interface RecordingOptions {
  /** `\Device\<name>`; the DOS link `\DosDevices\<name>` too unless `link` is false. */
  readonly name: string;
  readonly link?: boolean;
  readonly exclusive?: boolean;
  /** The status the driver completes CREATE with, given FileObject->FileName (default STATUS_SUCCESS). */
  readonly createStatus?: (fileName: string) => NtStatus;
  /** Clear DO_DEVICE_INITIALIZING at the end of DriverEntry, as a driver must (default true). */
  readonly clearInitializing?: boolean;
  /** Handles every other major function (default: complete with STATUS_SUCCESS, 0 bytes). */
  readonly other?: DispatchRoutine;
}

/**
 * A driver with one named device that records every CREATE, CLEANUP and CLOSE it
 * receives into `log`, completing them at once.
 */
export function recordingDriver(options: RecordingOptions, log: Received[]): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${options.name}`, exclusive: options.exclusive ?? false });
    if (device === null) return status;
    if (options.link !== false) k.IoCreateSymbolicLink(`\\DosDevices\\${options.name}`, `\\Device\\${options.name}`);
    const record: DispatchRoutine = function* (k, dev, irp) {
      const sl = k.IoGetCurrentIrpStackLocation(irp);
      const fo = sl.fileObject;
      const major = sl.majorFunction;
      log.push({
        major,
        file: fo?.id ?? null,
        fileName: fo?.fileName ?? null,
        device: dev.id,
        fileDevice: fo?.deviceObject.id ?? null,
        desiredAccess: major === IRP_MJ.CREATE ? sl.parameters.create.desiredAccess : null,
        tid: irp.threadId,
      });
      const result = major === IRP_MJ.CREATE && options.createStatus !== undefined ? options.createStatus(fo?.fileName ?? '') : STATUS.SUCCESS;
      irp.ioStatus.status = result;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return result;
    };
    const other: DispatchRoutine =
      options.other ??
      function* (k, _dev, irp) {
        irp.ioStatus.status = STATUS.SUCCESS;
        irp.ioStatus.information = 0;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS.SUCCESS;
      };
    for (let major = 0; major < driver.MajorFunction.length; major++) driver.MajorFunction[major] = other;
    driver.MajorFunction[IRP_MJ.CREATE] = record;
    driver.MajorFunction[IRP_MJ.CLEANUP] = record;
    driver.MajorFunction[IRP_MJ.CLOSE] = record;
    if (options.clearInitializing !== false) device.flags &= ~DO.DEVICE_INITIALIZING;
    return STATUS.SUCCESS;
  };
}
