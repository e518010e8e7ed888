import {
  SimException,
  STATUS,
  mapGenericAccess,
  ntSuccess,
  probeForWrite,
  resetEvent,
  waitForObjects,
  type Machine,
  type NtStatus,
  type Routine,
  type SystemServiceArgs,
  type Thread,
} from '@irpsim/core';
import { DO, FILE_OPTION, IRP_FLAG, IRP_MJ } from '../constants.ts';
import type { DeviceObject } from '../DeviceObject.ts';
import { FO } from '../FileObject.ts';
import type { IoManager } from '../IoManager.ts';
import { unloadIfUnreferenced } from '../unloadDriver.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /**
     * NtCreateFile. `name` is the NT path (`\??\Hello`), passed by value: the simulator
     * does not model OBJECT_ATTRIBUTES / UNICODE_STRING in memory.
     */
    NtCreateFile: {
      handleOut: number;
      desiredAccess: number;
      name: string;
      iosb: number;
      shareAccess: number;
      disposition: number;
      options: number;
    };
  }
}

/** FILE_OPENED, the Information of a successful open. */
const FILE_OPENED = 1;

/**
 * NtCreateFile on a device (IopParseDevice, IO-9.1 – IO-9.4, IO-9.8): resolve the name,
 * check the device, build a file object and send IRP_MJ_CREATE to the top of the stack,
 * always waiting for it. A failed CREATE leaves no handle and gets neither CLEANUP nor
 * CLOSE.
 */
export function NtCreateFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: SystemServiceArgs['NtCreateFile']): Routine<NtStatus> {
    const user = thread.previousMode === 'user';
    const space = thread.process.space;
    if (user) {
      try {
        probeForWrite(machine.memory, space, a.handleOut, 4, 4);
        probeForWrite(machine.memory, space, a.iosb, 8, 4);
      } catch (error) {
        if (SimException.is(error)) return error.code;
        throw error;
      }
    }
    const found = machine.objects.lookup(a.name);
    if (io.trace.on) {
      io.trace.emit({ type: 'ob.lookup', name: a.name, path: [...found.path], status: found.status, object: found.object?.name ?? null, remaining: found.remaining });
    }
    if (found.object === null) return found.status;
    if (found.object.type !== io.DeviceType) return STATUS.OBJECT_TYPE_MISMATCH;
    const device = found.object.body as DeviceObject;
    // IO-9.4: checks made before any IRP exists.
    // …and DOE_UNLOAD_PENDING: its driver is being unloaded (IopCheckDeviceAndDriver, unloadDriver.ts).
    if ((device.flags & DO.DEVICE_INITIALIZING) !== 0 || device.deleted || device.driver.unload !== 'none') return STATUS.NO_SUCH_DEVICE;
    if ((device.flags & DO.EXCLUSIVE) !== 0 && device.openCount > 0) return STATUS.ACCESS_DENIED;

    const synchronous = (a.options & (FILE_OPTION.SYNCHRONOUS_IO_ALERT | FILE_OPTION.SYNCHRONOUS_IO_NONALERT)) !== 0;
    const flags = synchronous ? FO.SYNCHRONOUS_IO | ((a.options & FILE_OPTION.SYNCHRONOUS_IO_ALERT) !== 0 ? FO.ALERTABLE_IO : 0) : 0;
    const file = io.createFileObject(device, found.remaining, flags);
    device.openCount++;
    const top = device.top();
    const irp = io.allocateIrp(top.stackSize);
    irp.flags = IRP_FLAG.CREATE_OPERATION | IRP_FLAG.SYNCHRONOUS_API | IRP_FLAG.DEFER_IO_COMPLETION;
    irp.requestorMode = thread.previousMode;
    irp.thread = thread;
    irp.fileObject = file;
    irp.origin = { service: 'NtCreateFile', userIosb: 0, event: file.event, apcContext: 0, holdsFileReference: false };
    const sl = irp.next()!;
    sl.majorFunction = IRP_MJ.CREATE;
    sl.fileObject = file;
    sl.arg1 = mapGenericAccess(io.FileType, a.desiredAccess);
    sl.arg2 = ((a.disposition << 24) | (a.options & 0xffffff)) >>> 0;
    sl.arg3 = a.shareAccess;
    resetEvent(file.event);
    if (io.trace.on) {
      io.trace.emit({ type: 'io.irp.alloc', irp: irp.id, major: IRP_MJ.CREATE, stackCount: irp.stackCount, requestor: thread.previousMode, tid: thread.id, file: file.id });
    }
    yield machine.cost.irpAllocate;
    const returned = yield* io.callDriver(top, irp, null);
    if (returned === STATUS.PENDING) {
      // The create is always waited for, even on an overlapped open (IO-9.4).
      yield* waitForObjects(machine.engine, thread, [file.event]);
    } else if (irp.state === 'completed') {
      yield* io.finishRequest(irp);
    }
    // ReactOS reads the IRP's final status for CREATE, not the dispatch return (IO-5.14).
    const status = irp.state === 'freed' ? irp.status : returned;
    if (!ntSuccess(status)) {
      device.openCount--;
      yield* machine.objects.dereference(file.object);
      yield* unloadIfUnreferenced(io, device.driver); // an unload requested during the CREATE proceeds
      return status;
    }
    file.opened = true;
    const table = user ? thread.process.handles : machine.system.handles;
    const handle = machine.objects.openHandle(table, thread.process.id, file.object, a.desiredAccess);
    yield* machine.objects.dereference(file.object);
    if (io.trace.on) {
      io.trace.emit({ type: 'io.file.open', file: file.id, device: device.label, fileName: file.fileName, synchronous });
    }
    try {
      machine.memory.writeU32(space, a.handleOut, handle, 'kernel');
      if (a.iosb !== 0) {
        machine.memory.writeU32(space, a.iosb, status, 'kernel');
        machine.memory.writeU32(space, a.iosb + 4, FILE_OPENED, 'kernel');
      }
    } catch (error) {
      // The caller unmapped its outputs during the CREATE: the exception code, as IopCreateFile's
      // __except returns it; the handle stays open (leaked), as there.
      if (SimException.is(error)) return error.code;
      throw error;
    }
    return status;
  };
}
