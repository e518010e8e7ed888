import { SimException, STATUS, probeForRead, probeForWrite, type Machine, type NtStatus, type Routine, type SystemServiceArgs, type Thread } from '@irpsim/core';
import { FO, type FileObject } from '../FileObject.ts';
import type { IoManager } from '../IoManager.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    NtSetInformationFile: { handle: number; iosb: number; info: number; length: number; infoClass: number };
    NtQueryInformationFile: { handle: number; iosb: number; info: number; length: number; infoClass: number };
  }
}

/** The FILE_INFORMATION_CLASS values the simulator models (wdm.h / ntifs.h). */
export const FILE_INFORMATION_CLASS = {
  /** FILE_COMPLETION_INFORMATION { HANDLE Port; PVOID Key; }: 8 bytes. */
  FileCompletionInformation: 30,
  /** FILE_IO_COMPLETION_NOTIFICATION_INFORMATION { ULONG Flags; }: 4 bytes. */
  FileIoCompletionNotificationInformation: 41,
} as const;

/** SetFileCompletionNotificationModes flags (winbase.h), the Flags of class 41. */
export const FILE_SKIP = {
  COMPLETION_PORT_ON_SUCCESS: 0x1,
  SET_EVENT_ON_HANDLE: 0x2,
  SET_USER_EVENT_ON_FAST_IO: 0x4,
} as const;

/** Each notification mode and the file-object flag it sets (ns-wdm-_file_object). */
export const NOTIFICATION_MODES: readonly (readonly [mode: number, foFlag: number])[] = [
  [FILE_SKIP.COMPLETION_PORT_ON_SUCCESS, FO.SKIP_COMPLETION_PORT],
  [FILE_SKIP.SET_EVENT_ON_HANDLE, FO.SKIP_SET_EVENT],
  [FILE_SKIP.SET_USER_EVENT_ON_FAST_IO, FO.SKIP_SET_FAST_IO],
];

/** The size of each modelled class's structure. */
export function infoClassLength(infoClass: number): number {
  if (infoClass === FILE_INFORMATION_CLASS.FileCompletionInformation) return 8;
  if (infoClass === FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation) return 4;
  return 0;
}

/**
 * The steps NtSetInformationFile and NtQueryInformationFile share: the class and its
 * length (STATUS_INFO_LENGTH_MISMATCH), the probes of a user-mode caller, the file
 * handle. Other classes go to the driver as IRP_MJ_SET/QUERY_INFORMATION on Windows; the
 * simulator does not model them yet and answers STATUS_NOT_IMPLEMENTED.
 */
export function referenceInformationFile(io: IoManager, thread: Thread, a: SystemServiceArgs['NtSetInformationFile'], write: boolean): { status: NtStatus; file: FileObject | null } {
  const machine = io.machine;
  const needed = infoClassLength(a.infoClass);
  if (needed === 0) return { status: STATUS.NOT_IMPLEMENTED, file: null };
  if (a.length >>> 0 < needed) return { status: STATUS.INFO_LENGTH_MISMATCH, file: null };
  if (thread.previousMode === 'user') {
    try {
      probeForWrite(machine.memory, thread.process.space, a.iosb, 8, 4);
      if (write) probeForWrite(machine.memory, thread.process.space, a.info, a.length >>> 0, 4);
      else probeForRead(a.info, a.length >>> 0, 4);
    } catch (error) {
      if (SimException.is(error)) return { status: error.code, file: null };
      throw error;
    }
  }
  const table = machine.handleTableFor(thread, a.handle);
  const ref = machine.objects.referenceByHandle(table, a.handle, 0, io.FileType, thread.previousMode);
  if (ref.object === null) return { status: ref.status, file: null };
  // The handle keeps the file object alive for the rest of this call.
  machine.objects.dereferenceDeferred(ref.object);
  return { status: STATUS.SUCCESS, file: ref.object.body as FileObject };
}

/** Writes the IOSB, ignoring a fault: the caller freed it after the probe (the change stands). */
export function writeIosb(io: IoManager, thread: Thread, iosb: number, status: NtStatus, information: number): void {
  try {
    io.machine.memory.writeU32(thread.process.space, iosb, status, 'kernel');
    io.machine.memory.writeU32(thread.process.space, iosb + 4, information, 'kernel');
  } catch (error) {
    if (!SimException.is(error)) throw error;
  }
}

/**
 * NtSetInformationFile for the completion classes. FileCompletionInformation associates
 * an overlapped file object with a port and key, once (IO-7.15: STATUS_INVALID_PARAMETER
 * on a synchronous file object or one that already has a port).
 * FileIoCompletionNotificationInformation ORs notification modes into the file object's
 * flags, for good (IO-7.16: overlapped file objects only; unknown bits ignored).
 */
export function NtSetInformationFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtSetInformationFile']): Routine<NtStatus> {
    const { status, file } = referenceInformationFile(io, thread, a, false);
    if (file === null) return status;
    if (file.synchronous) return STATUS.INVALID_PARAMETER;
    const space = thread.process.space;
    const memory = machine.memory;
    const mode = thread.previousMode;
    // The caller's structure, captured under the service's exception handler.
    let first: number;
    let second = 0;
    try {
      first = memory.readU32(space, a.info, mode);
      if (a.infoClass === FILE_INFORMATION_CLASS.FileCompletionInformation) second = memory.readU32(space, a.info + 4, mode);
    } catch (error) {
      if (SimException.is(error)) return error.code;
      throw error;
    }
    if (a.infoClass === FILE_INFORMATION_CLASS.FileCompletionInformation) {
      const portHandle = first;
      const key = second;
      if (file.completion !== null) return STATUS.INVALID_PARAMETER;
      const ref = io.completionPorts.reference(thread, portHandle);
      const port = ref.port;
      if (port === null) return ref.status;
      // Set before anything can interleave (Windows: InterlockedCompareExchangePointer).
      file.completion = { port, key };
      if (io.trace.on) io.trace.emit({ type: 'io.port.associate', port: port.id, file: file.id, key });
      // Simplification (docs/semantics.md): the association does not keep the port alive.
      yield* machine.objects.dereference(port.object);
    } else {
      for (const [bit, flag] of NOTIFICATION_MODES) if ((first & bit) !== 0) file.flags |= flag;
    }
    writeIosb(io, thread, a.iosb, STATUS.SUCCESS, 0);
    return STATUS.SUCCESS;
  };
}
