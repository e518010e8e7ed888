import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, DO, FILE_FLAG_OVERLAPPED, IO_NO_INCREMENT, IRP_MJ, type DispatchRoutine, type DriverEntry, type IrpRef, type Win32 } from '../../src/index.ts';
import { succeed } from './irpDrivers.ts';

/** One READ, WRITE or DEVICE_CONTROL request as the pending device saw it. */
export interface Request {
  readonly irp: number;
  readonly major: number;
  /** Parameters.Read.ByteOffset (low part); 0 for an IOCTL. */
  readonly offset: number;
  readonly ioControlCode: number;
}

/** How the device answers a request. */
export interface Answer {
  readonly status: NtStatus;
  readonly information?: number;
  /** Pend it: IoMarkIrpPending, return STATUS_PENDING, complete `pendMs` ms later from a system thread. */
  readonly pendMs?: number;
  /** Pend it until CLEANUP, which completes it with STATUS_CANCELLED (IO-9.10). */
  readonly untilCleanup?: boolean;
}

export const MS = 1_000_000;

/**
 * A buffered device `\Device\Pend` for the completion-port and APC tests: READ, WRITE and
 * DEVICE_CONTROL are answered by `answer`, at once or after a delay; a read that succeeds
 * fills its first Information bytes with the low byte of its offset. CLEANUP completes
 * the requests held until then with STATUS_CANCELLED.
 */
export function pendingDevice(answer: (request: Request) => Answer, log: Request[] = []): DriverEntry {
  return function* (k, driver) {
    const { status, device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Pend' });
    if (device === null) return status;
    k.IoCreateSymbolicLink('\\??\\Pend', '\\Device\\Pend');
    device.flags |= DO.BUFFERED_IO;
    const held: IrpRef[] = [];
    function* complete(irp: IrpRef, request: Request, status: NtStatus, information: number): Routine<void> {
      if (request.major === IRP_MJ.READ && information > 0 && irp.systemBuffer !== 0) {
        k.writeMemory(irp.systemBuffer, new Uint8Array(information).fill(request.offset & 0xff));
      }
      irp.ioStatus.status = status;
      irp.ioStatus.information = information;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
    const answered: DispatchRoutine = function* (k, _d, irp) {
      const sl = k.IoGetCurrentIrpStackLocation(irp);
      const major = sl.majorFunction;
      const request: Request = {
        irp: irp.id,
        major,
        offset: major === IRP_MJ.READ ? sl.parameters.read.byteOffset : major === IRP_MJ.WRITE ? sl.parameters.write.byteOffset : 0,
        ioControlCode: major === IRP_MJ.DEVICE_CONTROL ? sl.parameters.deviceIoControl.ioControlCode : 0,
      };
      log.push(request);
      const reply = answer(request);
      if (reply.pendMs === undefined && reply.untilCleanup !== true) {
        yield* complete(irp, request, reply.status, reply.information ?? 0);
        return reply.status;
      }
      k.IoMarkIrpPending(irp);
      if (reply.untilCleanup === true) {
        held.push(irp);
        return STATUS.PENDING;
      }
      k.PsCreateSystemThread(`complete IRP ${request.irp}`, function* () {
        yield* k.KeDelayExecutionThread('KernelMode', false, -reply.pendMs! * 10_000);
        yield* complete(irp, request, reply.status, reply.information ?? 0);
      });
      return STATUS.PENDING;
    };
    const cleanup: DispatchRoutine = function* (k, d, irp) {
      for (const pended of held.splice(0)) {
        pended.ioStatus.status = STATUS.CANCELLED;
        pended.ioStatus.information = 0;
        yield* k.IoCompleteRequest(pended, IO_NO_INCREMENT);
      }
      return yield* succeed(k, d, irp);
    };
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = cleanup;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = answered;
    driver.MajorFunction[IRP_MJ.WRITE] = answered;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = answered;
    return STATUS.SUCCESS;
  };
}

/** Opens `\\.\Pend`, overlapped unless asked otherwise. */
export function* openPend(u: Win32, overlapped = true): Routine<number> {
  return yield* u.CreateFile('\\\\.\\Pend', 0xc0000000, 0, CREATION.OPEN_EXISTING, overlapped ? FILE_FLAG_OVERLAPPED : 0);
}

/** A zeroed OVERLAPPED (20 bytes) with its Offset and hEvent. */
export function newOverlapped(u: Win32, offset = 0, event = 0): number {
  const ov = u.scratch(20);
  u.writeU32(ov + 8, offset);
  u.writeU32(ov + 16, event);
  return ov;
}
