import { SimException, STATUS, probeForWrite, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import type { FileObject } from '../FileObject.ts';
import type { IoManager } from '../IoManager.ts';
import { queryFileName } from '../queryFileName.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** NtQueryObject; only ObjectNameInformation (1) is modelled. */
    NtQueryObject: { handle: number; infoClass: number; buffer: number; length: number; returnLengthOut: number };
  }
}

/** OBJECT_INFORMATION_CLASS ObjectNameInformation. */
export const ObjectNameInformation = 1;
/** OBJECT_NAME_INFORMATION on a 32-bit machine: a UNICODE_STRING (Length, MaximumLength, Buffer). */
const HEADER = 8;

/**
 * NtQueryObject(ObjectNameInformation) (IO-9.9): OBJECT_NAME_INFORMATION — a UNICODE_STRING
 * whose Buffer points just past it, then the name in UTF-16LE with a terminating NUL. For a
 * file the name is the named device's plus what its driver reports (queryFileName.ts);
 * for other objects, the object's name. A buffer too small for the name: a file's answer
 * is STATUS_BUFFER_OVERFLOW with the name cut to fit, other objects' is
 * STATUS_INFO_LENGTH_MISMATCH; both report the size needed in *ReturnLength.
 */
export function NtQueryObject(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtQueryObject']): Routine<NtStatus> {
    const user = thread.previousMode === 'user';
    const space = thread.process.space;
    if (user) {
      try {
        if (a.length > 0) probeForWrite(machine.memory, space, a.buffer, a.length, 2);
        if (a.returnLengthOut !== 0) probeForWrite(machine.memory, space, a.returnLengthOut, 4, 4);
      } catch (error) {
        if (SimException.is(error)) return error.code;
        throw error;
      }
    }
    if (a.infoClass !== ObjectNameInformation) return STATUS.INVALID_INFO_CLASS;
    const table = machine.handleTableFor(thread, a.handle);
    const found = machine.objects.referenceByHandle(table, a.handle, 0, null, user ? 'user' : 'kernel');
    if (found.object === null) return found.status;
    const object = found.object;
    let status: NtStatus = STATUS.SUCCESS;
    let name = object.name ?? '';
    if (object.type === io.FileType) ({ status, name } = yield* queryFileName(io, object.body as FileObject));
    yield* machine.objects.dereference(object);
    if (status !== STATUS.SUCCESS) return status;
    try {
      return writeName(machine, thread, a, name, object.type === io.FileType);
    } catch (error) {
      // The caller's buffer went away while the driver was asked (its __try/__except).
      if (SimException.is(error)) return error.code;
      throw error;
    }
  };
}

/** Writes OBJECT_NAME_INFORMATION, cut to fit, and the size the whole name needs. */
function writeName(machine: Machine, thread: Thread, a: SystemServiceArgs['NtQueryObject'], name: string, file: boolean): NtStatus {
  const memory = machine.memory;
  const space = thread.process.space;
  const needed = HEADER + name.length * 2 + 2;
  if (a.returnLengthOut !== 0) memory.writeU32(space, a.returnLengthOut, needed, 'kernel');
  if (a.length < HEADER) return STATUS.INFO_LENGTH_MISMATCH;
  if (a.length < needed && !file) return STATUS.INFO_LENGTH_MISMATCH;
  const fits = Math.min(name.length, Math.floor((a.length - HEADER) / 2));
  const bytes = new Uint8Array(HEADER + fits * 2 + (fits === name.length ? 2 : 0));
  const view = new DataView(bytes.buffer);
  view.setUint16(0, fits * 2, true);
  view.setUint16(2, fits === name.length ? fits * 2 + 2 : fits * 2, true);
  view.setUint32(4, a.buffer + HEADER, true);
  for (let i = 0; i < fits; i++) view.setUint16(HEADER + i * 2, name.charCodeAt(i), true);
  memory.write(space, a.buffer, bytes, 'kernel');
  return fits === name.length ? STATUS.SUCCESS : STATUS.BUFFER_OVERFLOW;
}
