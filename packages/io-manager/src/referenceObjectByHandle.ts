import {
  CURRENT_PROCESS,
  CURRENT_THREAD,
  EventObjectType,
  ProcessType,
  SectionType,
  SemaphoreType,
  STATUS,
  ThreadType,
  type KObject,
  type NtStatus,
  type ObjectType,
  type Routine,
} from '@irpsim/core';
import type { DeviceObject } from './DeviceObject.ts';
import type { FileObject } from './FileObject.ts';
import type { IoManager } from './IoManager.ts';
import type { KProcessorMode } from './refs.ts';

/** The object types a driver may name, as wdm.h exports them (`*ExEventObjectType`, …). */
export type ObjectTypeName =
  | 'ExEventObjectType'
  | 'ExSemaphoreObjectType'
  | 'IoFileObjectType'
  | 'IoDeviceObjectType'
  | 'MmSectionObjectType'
  | 'PsProcessType'
  | 'PsThreadType';

/** What ObReferenceObjectByHandle hands back: the status and, on success, the object. */
export interface ReferencedObject {
  readonly status: NtStatus;
  /**
   * The object's body (a KEvent for an event, a FileObjectRef for a file, a DeviceRef for
   * a device), or null on failure. Release it with ObDereferenceObject.
   */
  readonly object: unknown;
  /** The access the handle grants. */
  readonly grantedAccess: number;
}

/** Object headers of referenced bodies, so ObDereferenceObject(body) finds its header. */
const headers = new WeakMap<object, KObject>();

function typeOf(io: IoManager, name: ObjectTypeName): ObjectType {
  switch (name) {
    case 'ExEventObjectType':
      return EventObjectType;
    case 'ExSemaphoreObjectType':
      return SemaphoreType;
    case 'IoFileObjectType':
      return io.FileType;
    case 'IoDeviceObjectType':
      return io.DeviceType;
    case 'MmSectionObjectType':
      return SectionType;
    case 'PsProcessType':
      return ProcessType;
    case 'PsThreadType':
      return ThreadType;
  }
}

/** PROCESS_ALL_ACCESS / THREAD_ALL_ACCESS: what a pseudo-handle grants. */
const ALL_ACCESS = 0x001fffff;

/** The object NtCurrentProcess() (-1) or NtCurrentThread() (-2) names, or null for another handle. */
function pseudoHandle(io: IoManager, handle: number): KObject | null {
  const value = handle >>> 0;
  if (value === CURRENT_PROCESS) return io.machine.currentProcess().object;
  if (value === CURRENT_THREAD) return io.machine.currentThread().object;
  return null;
}

/** What a driver holds for an object: refs for the I/O manager's objects, the body otherwise. */
function bodyFor(io: IoManager, object: KObject): object {
  if (object.type === io.FileType) return (object.body as FileObject).ref;
  if (object.type === io.DeviceType) return (object.body as DeviceObject).ref;
  return object.body as object;
}

/**
 * ObReferenceObjectByHandle (IO-10.2): looks `handle` up in the *current* process's table
 * — which is why a driver must do it in the requester's context (its top-level dispatch
 * routine) — or, for a kernel handle (high bit set) with AccessMode KernelMode, in the
 * System process's. With UserMode, a kernel handle is not recognised (STATUS_INVALID_HANDLE)
 * and the handle's granted access must cover `desiredAccess` (STATUS_ACCESS_DENIED); a
 * type other than `objectType` is STATUS_OBJECT_TYPE_MISMATCH whatever the mode. The
 * pseudo-handles NtCurrentProcess() and NtCurrentThread() name the current process and
 * thread, with all access.
 */
export function referenceObjectByHandle(
  io: IoManager,
  handle: number,
  desiredAccess: number,
  objectType: ObjectTypeName | null,
  accessMode: KProcessorMode,
): ReferencedObject {
  const machine = io.machine;
  const type = objectType === null ? null : typeOf(io, objectType);
  const pseudo = pseudoHandle(io, handle);
  if (pseudo !== null) {
    // NtCurrentProcess() / NtCurrentThread(): the current process or thread, with all access.
    if (type !== null && pseudo.type !== type) return { status: STATUS.OBJECT_TYPE_MISMATCH, object: null, grantedAccess: 0 };
    machine.objects.reference(pseudo);
    headers.set(pseudo.body as object, pseudo);
    return { status: STATUS.SUCCESS, object: pseudo.body, grantedAccess: ALL_ACCESS };
  }
  if (io.verifier.on) checkHandleMode(io, handle, accessMode);
  const kernelHandle = (handle & 0x80000000) !== 0 && accessMode === 'KernelMode';
  const table = kernelHandle ? machine.system.handles : machine.currentProcess().handles;
  const found = machine.objects.referenceByHandle(table, handle, desiredAccess, type, accessMode === 'UserMode' ? 'user' : 'kernel');
  if (found.object === null) return { status: found.status, object: null, grantedAccess: 0 };
  const body = bodyFor(io, found.object);
  headers.set(body, found.object);
  return { status: STATUS.SUCCESS, object: body, grantedAccess: found.access };
}

/**
 * Driver Verifier's handle checks (verifier-and-objects.md A.3, its Miscellaneous checks;
 * at every level but `off`): 0xC4/0xF6, a user-mode handle (no kernel bit) referenced with
 * KernelMode in a user process — the access check a UserMode reference would make is
 * skipped; 0xC4/0xF7, a kernel handle referenced with UserMode in the System process.
 */
function checkHandleMode(io: IoManager, handle: number, accessMode: KProcessorMode): void {
  const machine = io.machine;
  const process = machine.currentProcess();
  const system = process === machine.system;
  const kernelBit = (handle & 0x80000000) !== 0;
  if (accessMode === 'KernelMode' && !kernelBit && !system) {
    machine.bugcheck({
      code: 0xc4,
      name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
      params: [0xf6, handle >>> 0, process.id, 0],
      message: `a driver references user-mode handle 0x${(handle >>> 0).toString(16).toUpperCase()} of process ${process.id} with KernelMode: no access check is made (IO-10.2)`,
      ...driverOf(io),
    });
  }
  if (accessMode === 'UserMode' && kernelBit && system) {
    machine.bugcheck({
      code: 0xc4,
      name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
      params: [0xf7, handle >>> 0, 0, 1],
      message: `a driver references kernel handle 0x${(handle >>> 0).toString(16).toUpperCase()} with UserMode in the System process (IO-10.2)`,
      ...driverOf(io),
    });
  }
}

function driverOf(io: IoManager): { driver?: string } {
  const driver = io.runningDriver();
  return driver === null ? {} : { driver: driver.name };
}

/** ObDereferenceObject: drops the reference ObReferenceObjectByHandle took. */
export function* dereferenceObject(io: IoManager, object: unknown): Routine<void> {
  const header = typeof object === 'object' && object !== null ? headers.get(object) : undefined;
  if (header === undefined) throw new Error('ObDereferenceObject: not an object this driver referenced');
  yield* io.machine.objects.dereference(header);
}
