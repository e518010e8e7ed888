import { STATUS, ntSuccess, type NtStatus, type Routine } from '@irpsim/core';
import { FILE_DISPOSITION, FILE_OPTION } from './constants.ts';
import type { FileObject } from './FileObject.ts';
import type { FileObjectRef } from './FileObjectRef.ts';
import type { Kernel } from './Kernel.ts';
import type { DeviceRef } from './refs.ts';
import './services/NtCreateFile.ts';

/** What IoGetDeviceObjectPointer hands back. */
export interface DeviceObjectPointer {
  readonly status: NtStatus;
  /** The file object of the open it made; release it with ObDereferenceObject (that sends CLOSE). */
  readonly fileObject: FileObjectRef | null;
  /** IoGetRelatedDeviceObject(fileObject): the top of the named device's stack. */
  readonly device: DeviceRef | null;
}

/** IoGetRelatedDeviceObject: the device a request on this file object goes to — the top of its device's stack (IO-5.8). */
export function relatedDeviceObject(file: FileObject): DeviceRef {
  return file.device.top().ref;
}

/**
 * IoGetDeviceObjectPointer (R-IOFUNC): opens `name` with ZwOpenFile (a CREATE to the top of
 * the stack, IO-5.8), references the file object, closes the handle (CLEANUP) and returns
 * the file object with the device requests on it go to. The caller keeps the file object
 * referenced while it uses the device and dereferences it at the end (CLOSE).
 */
export function* getDeviceObjectPointer(k: Kernel, name: string, desiredAccess: number): Routine<DeviceObjectPointer> {
  const machine = k._machine;
  const out = machine.memory.allocatePool(16)!;
  try {
    const status = yield* machine.zwCall('NtCreateFile', {
      handleOut: out,
      desiredAccess,
      name,
      iosb: out + 8,
      shareAccess: 0,
      disposition: FILE_DISPOSITION.OPEN,
      options: FILE_OPTION.NON_DIRECTORY_FILE,
    });
    if (!ntSuccess(status)) return { status, fileObject: null, device: null };
    const handle = machine.memory.readU32(machine.system.space, out, 'kernel');
    const referenced = k.ObReferenceObjectByHandle(handle, 0, 'IoFileObjectType', 'KernelMode');
    yield* k.ZwClose(handle);
    if (referenced.status !== STATUS.SUCCESS) return { status: referenced.status, fileObject: null, device: null };
    const fileObject = referenced.object as FileObjectRef;
    return { status: STATUS.SUCCESS, fileObject, device: relatedDeviceObject(fileObject._file) };
  } finally {
    machine.memory.freePool(out);
  }
}
