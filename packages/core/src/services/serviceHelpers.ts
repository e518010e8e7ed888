import type { Machine } from '../Machine.ts';
import { probeForWrite } from '../memory/probe.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { ACCESS } from '../objects/access.ts';
import type { KObject } from '../objects/KObject.ts';
import type { ObjectType } from '../objects/ObjectType.ts';
import { SimException } from '../SimException.ts';
import type { Thread } from '../Thread.ts';

/** NtCurrentProcess() and NtCurrentThread(): pseudo-handles every thread may use. */
export const CURRENT_PROCESS = 0xffffffff;
export const CURRENT_THREAD = 0xfffffffe;

/** Probes output pointers of a user-mode caller (4-byte aligned, writable). */
export function probeOutputs(machine: Machine, thread: Thread, ...pointers: number[]): NtStatus {
  if (thread.previousMode !== 'user') return STATUS.SUCCESS;
  try {
    for (const p of pointers) if (p !== 0) probeForWrite(machine.memory, thread.process.space, p, 4, 4);
  } catch (error) {
    if (SimException.is(error)) return error.code;
    throw error;
  }
  return STATUS.SUCCESS;
}

/** Writes a 32-bit output through a pointer already probed (0 = not wanted). */
export function writeOutput(machine: Machine, thread: Thread, pointer: number, value: number): void {
  if (pointer !== 0) machine.memory.writeU32(thread.process.space, pointer, value, 'kernel');
}

/** The handle table a new handle goes into: the process's, or the System's for a kernel caller. */
export function tableForNew(machine: Machine, thread: Thread) {
  return thread.previousMode === 'user' ? thread.process.handles : machine.system.handles;
}

/**
 * Creates a kernel object, named or not, and opens a handle to it. An existing object of
 * the same type and name is opened instead and the status is STATUS_OBJECT_NAME_EXISTS
 * (informational; Win32 reports ERROR_ALREADY_EXISTS); a name used by another type fails
 * with STATUS_OBJECT_TYPE_MISMATCH (verifier-and-objects.md C8).
 */
export function createOrOpen(
  machine: Machine,
  thread: Thread,
  type: ObjectType,
  name: string | null,
  access: number,
  handleOut: number,
  make: () => unknown,
): NtStatus {
  const probed = probeOutputs(machine, thread, handleOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const objects = machine.objects;
  let object: KObject;
  let status: NtStatus = STATUS.SUCCESS;
  if (name !== null) {
    const existing = objects.lookup(name);
    if (existing.object !== null && existing.remaining === '') {
      if (existing.object.type !== type) return STATUS.OBJECT_TYPE_MISMATCH;
      object = existing.object;
      objects.reference(object);
      status = STATUS.OBJECT_NAME_EXISTS;
    } else {
      object = objects.create(type, make());
      const inserted = objects.insert(object, name, false);
      if (inserted !== STATUS.SUCCESS) return inserted;
    }
  } else {
    object = objects.create(type, make());
  }
  const handle = objects.openHandle(tableForNew(machine, thread), thread.process.id, object, access || ACCESS.GENERIC_ALL);
  objects.dereferenceDeferred(object);
  writeOutput(machine, thread, handleOut, handle);
  return status;
}

/** Opens an existing named object of a type (NtOpenEvent and friends). */
export function openNamed(machine: Machine, thread: Thread, type: ObjectType, name: string, access: number, handleOut: number): NtStatus {
  const probed = probeOutputs(machine, thread, handleOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const found = machine.objects.lookup(name);
  if (found.object === null) return found.status;
  if (found.object.type !== type || found.remaining !== '') return STATUS.OBJECT_TYPE_MISMATCH;
  const handle = machine.objects.openHandle(tableForNew(machine, thread), thread.process.id, found.object, access);
  writeOutput(machine, thread, handleOut, handle);
  return STATUS.SUCCESS;
}

/** References a handle for a service (type and, for user callers, access checked). */
export function referenceHandle<T>(machine: Machine, thread: Thread, handle: number, access: number, type: ObjectType | null): { status: NtStatus; object: KObject<T> | null } {
  const r = machine.objects.referenceByHandle(machine.handleTableFor(thread, handle), handle, access, type, thread.previousMode);
  return { status: r.status, object: r.object as KObject<T> | null };
}
