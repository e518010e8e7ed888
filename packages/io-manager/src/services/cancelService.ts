import { STATUS, SimException, probeForWrite, type Machine, type NtStatus, type Thread } from '@irpsim/core';
import type { FileObject } from '../FileObject.ts';
import type { IoManager } from '../IoManager.ts';

/**
 * What the three cancel services share: the probe of the caller's IO_STATUS_BLOCK, the
 * file object a handle names, and writing {Status, Information = 0} back.
 */
export function probeIosb(machine: Machine, thread: Thread, iosb: number): NtStatus {
  if (thread.previousMode !== 'user') return STATUS.SUCCESS;
  try {
    probeForWrite(machine.memory, thread.process.space, iosb, 8, 4);
  } catch (error) {
    if (!SimException.is(error)) throw error;
    return error.code;
  }
  return STATUS.SUCCESS;
}

/** References the file object behind `handle` (no access needed: any handle may cancel its own I/O). */
export function fileOfHandle(io: IoManager, thread: Thread, handle: number): { status: NtStatus; file: FileObject | null } {
  const machine = io.machine;
  const ref = machine.objects.referenceByHandle(machine.handleTableFor(thread, handle), handle, 0, io.FileType, thread.previousMode);
  if (ref.object === null) return { status: ref.status, file: null };
  // The handle keeps the object alive for the call; the reference is not needed beyond the lookup.
  machine.objects.dereferenceDeferred(ref.object);
  return { status: STATUS.SUCCESS, file: ref.object.body as FileObject };
}

/** Writes {status, 0} to an IO_STATUS_BLOCK already probed. */
export function writeIosb(machine: Machine, thread: Thread, iosb: number, status: NtStatus): void {
  if (iosb === 0) return;
  try {
    machine.memory.writeU32(thread.process.space, iosb, status, 'kernel');
    machine.memory.writeU32(thread.process.space, iosb + 4, 0, 'kernel');
  } catch (error) {
    if (!SimException.is(error)) throw error;
  }
}
