import { KEvent, STATUS, setEvent, waitForObjects, type NtStatus, type ObjectType, type Routine } from '@irpsim/core';
import { FILE, FILE_GENERIC_EXECUTE, FILE_GENERIC_READ, FILE_GENERIC_WRITE, IRP_FLAG, IRP_MJ } from './constants.ts';
import type { FileObject } from './FileObject.ts';
import type { IoManager } from './IoManager.ts';
import { unloadIfUnreferenced } from './unloadDriver.ts';

/**
 * The File object type. Its two lifetime hooks are where IRP_MJ_CLEANUP and IRP_MJ_CLOSE
 * come from (IO-9.5, IO-9.6): the last handle closing sends CLEANUP in the closing
 * thread; the last reference going — after every IRP holding one has completed — sends
 * CLOSE. A file object whose CREATE failed gets neither (IO-9.4).
 */
export function fileObjectType(io: IoManager): ObjectType {
  return {
    name: 'File',
    genericMapping: { read: FILE_GENERIC_READ, write: FILE_GENERIC_WRITE, execute: FILE_GENERIC_EXECUTE, all: FILE.ALL_ACCESS },
    // Waiting on a file handle waits on the file object's event (IO-7.8, IO-7.11).
    waitable: (object) => (object.body as FileObject).event,
    *onLastHandle(object) {
      const file = object.body as FileObject;
      if (!file.opened) return;
      // IO-9.11: closing a synchronous file object waits for the call in progress.
      if (file.synchronous) yield* acquireFileLock(io, file);
      yield* sendCloseIrp(io, file, IRP_MJ.CLEANUP);
      if (file.synchronous) releaseFileLock(io, file);
    },
    *onDelete(object) {
      const file = object.body as FileObject;
      if (!file.opened) return;
      yield* sendCloseIrp(io, file, IRP_MJ.CLOSE);
      file.device.openCount--;
      // The device's last reference may be gone: a pending unload of its driver proceeds (unloadDriver.ts).
      if (file.device.driver.unload === 'pending') yield* unloadIfUnreferenced(io, file.device.driver);
    },
  };
}

/** IopCloseFile / IopDeleteFile: a synchronous kernel IRP to the top of the stack. */
function* sendCloseIrp(io: IoManager, file: FileObject, major: number): Routine<void> {
  const device = file.device.top();
  const irp = io.allocateIrp(device.stackSize);
  const event = new KEvent('notification');
  irp.flags = IRP_FLAG.CLOSE_OPERATION | IRP_FLAG.SYNCHRONOUS_API;
  irp.requestorMode = 'kernel';
  irp.thread = io.machine.currentThreadOrNull();
  irp.origin = { service: major === IRP_MJ.CLEANUP ? 'IopCloseFile' : 'IopDeleteFile', userIosb: 0, event, apcContext: 0, holdsFileReference: false };
  const sl = irp.next()!;
  sl.majorFunction = major;
  sl.fileObject = file;
  if (io.trace.on) {
    io.trace.emit({ type: 'io.irp.alloc', irp: irp.id, major, stackCount: irp.stackCount, requestor: 'kernel', tid: irp.thread?.id ?? null, file: file.id });
  }
  const status = yield* io.callDriver(device, irp, null);
  // The I/O manager waits for the request to finish; its status does not matter (IO-9.5).
  if (status === STATUS.PENDING || irp.state !== 'freed') {
    yield* waitForObjects(io.machine.engine, irp.thread, [event]);
  }
}

/**
 * The file-object lock of a synchronous file object (IO-7.1): one request at a time.
 * Called with `yield*`; it hands back the wait itself rather than wrapping it in a
 * generator of its own (one generator and one frame fewer per request).
 */
export function acquireFileLock(io: IoManager, file: FileObject): Routine<NtStatus> {
  return waitForObjects(io.machine.engine, io.machine.currentThreadOrNull(), file.lockWaitList);
}

export function releaseFileLock(io: IoManager, file: FileObject): void {
  setEvent(io.machine.engine, file.lockWaiters);
}
