import { KEvent, STATUS, waitForObjects, type NtStatus, type Routine } from '@irpsim/core';
import { IRP_FLAG, IRP_MJ } from './constants.ts';
import type { FileObject } from './FileObject.ts';
import { decodeFileNameInformation, FileNameInformation } from './fileNameInformation.ts';
import { queueThreadIrp } from './irpThreadList.ts';
import type { IoManager } from './IoManager.ts';

/** The system buffer the I/O manager lends the driver for the answer (a choice: one page). */
const QUERY_BUFFER = 4096;

/**
 * Statuses with which a driver says "no file name here": the name is then the device's
 * alone (IO-9.9). Windows's IopQueryNameInternal accepts exactly these four.
 */
const NO_NAME = new Set<NtStatus>([STATUS.NOT_IMPLEMENTED, STATUS.INVALID_INFO_CLASS, STATUS.INVALID_PARAMETER, STATUS.INVALID_DEVICE_REQUEST]);

/**
 * The name of a file object (IopQueryNameInternal, IO-9.9): the named device's NT name,
 * followed by what the driver answers to an IRP_MJ_QUERY_INFORMATION for
 * FileNameInformation, sent to the top of the stack as a synchronous kernel request. A
 * driver that answers one of the "not supported" statuses gives the bare device name; any
 * other error is the result; a name that does not start with `\` is
 * STATUS_OBJECT_PATH_INVALID. Like every IRP built for a thread, it is queued to the
 * thread's IRP list (IopQueueIrpToThread), so CancelSynchronousIo and thread exit find it.
 */
export function* queryFileName(io: IoManager, file: FileObject): Routine<{ status: NtStatus; name: string }> {
  const machine = io.machine;
  const deviceName = file.device.object.name ?? '';
  const buffer = machine.memory.allocatePool(QUERY_BUFFER);
  if (buffer === null) return { status: STATUS.INSUFFICIENT_RESOURCES, name: '' };
  const device = file.device.top();
  const irp = io.allocateIrp(device.stackSize);
  const event = new KEvent('notification');
  irp.flags = IRP_FLAG.SYNCHRONOUS_API;
  irp.requestorMode = 'kernel';
  irp.thread = machine.currentThreadOrNull();
  irp.systemBuffer = buffer;
  irp.origin = { service: 'IopQueryName', userIosb: 0, event, apcContext: 0, holdsFileReference: false };
  const sl = irp.next()!;
  sl.majorFunction = IRP_MJ.QUERY_INFORMATION;
  sl.fileObject = file;
  sl.arg1 = QUERY_BUFFER;
  sl.arg2 = FileNameInformation;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.alloc', irp: irp.id, major: IRP_MJ.QUERY_INFORMATION, stackCount: irp.stackCount, requestor: 'kernel', tid: irp.thread?.id ?? null, file: file.id });
  }
  queueThreadIrp(irp);
  const returned = yield* io.callDriver(device, irp, null);
  if (returned === STATUS.PENDING || irp.state !== 'freed') yield* waitForObjects(machine.engine, irp.thread, [event]);
  const status = irp.state === 'freed' ? irp.status : returned;
  const answer = decodeFileNameInformation(machine.memory.read(machine.system.space, buffer, QUERY_BUFFER, 'kernel'));
  machine.memory.freePool(buffer);
  if (NO_NAME.has(status)) return { status: STATUS.SUCCESS, name: deviceName };
  if ((status & 0xc0000000) >>> 0 === 0xc0000000) return { status, name: '' };
  if (answer !== '' && !answer.startsWith('\\')) return { status: STATUS.OBJECT_PATH_INVALID, name: '' };
  return { status: STATUS.SUCCESS, name: deviceName + answer };
}
