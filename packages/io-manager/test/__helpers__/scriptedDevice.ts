import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, FILE_FLAG_OVERLAPPED, IO_NO_INCREMENT, IRP_MJ, type DispatchRoutine, type DriverEntry, type IrpRef, type Kernel, type Mdl, type Win32 } from '../../src/index.ts';
import { boot } from './harness.ts';

/** What the scripted device saw of one READ, WRITE or DEVICE_CONTROL request. */
export interface Seen {
  readonly irp: number;
  readonly major: number;
  /** Parameters.Read/Write.Length, or the IOCTL's OutputBufferLength. */
  readonly length: number;
  readonly byteOffset: number;
  readonly key: number;
  readonly ioControlCode: number;
  readonly inputLength: number;
  readonly systemBuffer: number;
  readonly mdl: { readonly address: number; readonly byteCount: number } | null;
  readonly userBuffer: number;
  /** The first bytes of the system buffer when the driver was called (a write's data, an IOCTL's input). */
  readonly bytes: Uint8Array;
  readonly requestorMode: string;
  readonly threadId: number | null;
}

/** How the device answers one request. */
export interface Reply {
  readonly status: NtStatus;
  readonly information?: number;
  /** Bytes the driver writes into the request's output (system buffer, MDL or user buffer) in its dispatch routine. */
  readonly data?: Uint8Array;
  /** Pend: IoMarkIrpPending, return STATUS_PENDING, complete `pendMs` ms later from a system thread. */
  readonly pendMs?: number;
  /** What the dispatch routine returns when it does not pend (default: `status`) — IO-5.14 mismatches. */
  readonly returns?: NtStatus;
}

export const MS = 1_000_000;

/** IRP_MJ_READ, IRP_MJ_WRITE and IRP_MJ_DEVICE_CONTROL answered by `reply`; every request seen goes to `log`. */
export function scriptedDevice(options: { name?: string; flags?: number; reply: (seen: Seen) => Reply; log: Seen[] }): DriverEntry {
  const name = options.name ?? 'Dev';
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: `\\Device\\${name}` });
    if (device === null) return status;
    k.IoCreateSymbolicLink(`\\??\\${name}`, `\\Device\\${name}`);
    device.flags |= options.flags ?? 0;
    const succeed: DispatchRoutine = function* (k, _d, irp) {
      irp.ioStatus.status = STATUS.SUCCESS;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    const scripted: DispatchRoutine = function* (k, _d, irp) {
      const seen = look(k, irp);
      options.log.push(seen);
      const reply = options.reply(seen);
      if (reply.data !== undefined) k.writeMemory(outputAddress(k, seen), reply.data);
      if (reply.pendMs === undefined) {
        irp.ioStatus.status = reply.status;
        irp.ioStatus.information = reply.information ?? 0;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        return reply.returns ?? reply.status;
      }
      k.IoMarkIrpPending(irp);
      k.PsCreateSystemThread(`complete IRP ${seen.irp}`, function* () {
        yield* k.KeDelayExecutionThread('KernelMode', false, -reply.pendMs! * 10_000);
        irp.ioStatus.status = reply.status;
        irp.ioStatus.information = reply.information ?? 0;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      });
      return STATUS.PENDING;
    };
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = scripted;
    driver.MajorFunction[IRP_MJ.WRITE] = scripted;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = scripted;
    return STATUS.SUCCESS;
  };
}

function look(k: Kernel, irp: IrpRef): Seen {
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const major = sl.majorFunction;
  const rw = major === IRP_MJ.READ ? sl.parameters.read : sl.parameters.write;
  const ioctl = sl.parameters.deviceIoControl;
  const isIoctl = major === IRP_MJ.DEVICE_CONTROL;
  const length = isIoctl ? ioctl.outputBufferLength : rw.length;
  const inputLength = isIoctl ? ioctl.inputBufferLength : 0;
  const systemBuffer = irp.systemBuffer;
  const shown = isIoctl ? inputLength : major === IRP_MJ.WRITE ? length : 0;
  return {
    irp: irp.id,
    major,
    length,
    byteOffset: isIoctl ? 0 : rw.byteOffset,
    key: isIoctl ? 0 : rw.key,
    ioControlCode: isIoctl ? ioctl.ioControlCode : 0,
    inputLength,
    systemBuffer,
    mdl: irp.mdlAddress === null ? null : { address: irp.mdlAddress.address, byteCount: irp.mdlAddress.byteCount },
    userBuffer: irp.userBuffer,
    bytes: systemBuffer !== 0 && shown > 0 ? k.readMemory(systemBuffer, shown) : new Uint8Array(0),
    requestorMode: irp.requestorMode,
    threadId: irp.threadId,
  };
}

/** Where a driver writes its output: the system buffer, the MDL's system address, or the raw user pointer. */
function outputAddress(k: Kernel, seen: Seen): number {
  if (seen.systemBuffer !== 0) return seen.systemBuffer;
  if (seen.mdl !== null) return k.MmGetSystemAddressForMdlSafe(seen.mdl as Mdl);
  return seen.userBuffer;
}

export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;

/** Opens `\\.\Dev` (overlapped when asked). */
export function* open(u: Win32, options: { overlapped?: boolean; access?: number; name?: string } = {}): Routine<number> {
  const flags = options.overlapped === true ? FILE_FLAG_OVERLAPPED : 0;
  return yield* u.CreateFile(`\\\\.\\${options.name ?? 'Dev'}`, options.access ?? (GENERIC_READ | GENERIC_WRITE) >>> 0, 0, CREATION.OPEN_EXISTING, flags);
}

/** A zeroed OVERLAPPED (20 bytes) with the given offset and event. */
export function overlappedFor(u: Win32, offset = 0, offsetHigh = 0, event = 0): number {
  const ov = u.scratch(20);
  u.writeU32(ov + 8, offset);
  u.writeU32(ov + 12, offsetHigh);
  u.writeU32(ov + 16, event);
  return ov;
}

/** Boots one scripted device and one user thread `app`; returns what the thread returned. */
export function runApp<T>(
  device: { flags?: number; reply: (seen: Seen) => Reply },
  body: (u: Win32) => Routine<T>,
  options: { verifier?: 'off' | 'standard' | 'enhanced'; windows?: 'current' | 'legacy' } = {},
) {
  const log: Seen[] = [];
  const run = boot({
    ...options,
    drivers: { Dev: scriptedDevice({ ...device, log }) },
    threads: [{ name: 'app', body }],
  });
  return { ...run, log, app: run.results['app'] as T };
}
