import { EVENT_ACCESS, KEvent, STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  DO,
  ERROR,
  FILE_ACCESS,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  WAIT,
  type DispatchRoutine,
  type DriverEntry,
  type IrpRef,
  type Kernel,
  type KProcessorMode,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';

/** Input: a 4-byte event handle. The driver sets that event. */
const IOCTL_SET_EVENT = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** The same, but the driver (wrongly) trusts the handle: AccessMode KernelMode. */
const IOCTL_SET_EVENT_TRUSTING = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** The same, but the lookup is made in a system work item, not in the requester's context. */
const IOCTL_SET_EVENT_FROM_WORKER = CTL_CODE(0x22, 0x802, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Output: the value of a kernel handle the driver holds (a section). */
const IOCTL_GET_KERNEL_HANDLE = CTL_CODE(0x22, 0x803, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** What ObReferenceObjectByHandle returned to the driver, per request. */
const looked: NtStatus[] = [];

function* setEventByHandle(k: Kernel, irp: IrpRef, handle: number, mode: KProcessorMode): Routine<void> {
  const ref = k.ObReferenceObjectByHandle(handle, EVENT_ACCESS.MODIFY_STATE, 'ExEventObjectType', mode);
  looked.push(ref.status);
  if (ref.status === STATUS.SUCCESS) {
    k.KeSetEvent(ref.object as KEvent);
    yield* k.ObDereferenceObject(ref.object);
  }
  irp.ioStatus.status = ref.status;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

const eventDriver: DriverEntry = function* (k, driver) {
  const { device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Notify' });
  if (device === null) return STATUS.UNSUCCESSFUL;
  k.IoCreateSymbolicLink('\\DosDevices\\Notify', '\\Device\\Notify');
  device.flags |= DO.BUFFERED_IO;
  const section = yield* k.ZwCreateSection({ size: 4096 });
  const succeed: DispatchRoutine = function* (k, _d, irp) {
    irp.ioStatus.status = STATUS.SUCCESS;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS.SUCCESS;
  };
  driver.MajorFunction[IRP_MJ.CREATE] = succeed;
  driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
  driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
  driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _d, irp) {
    const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
    if (p.ioControlCode === IOCTL_GET_KERNEL_HANDLE) {
      k.writeMemory(irp.systemBuffer, new Uint8Array(new Uint32Array([section.handle]).buffer));
      irp.ioStatus.status = STATUS.SUCCESS;
      irp.ioStatus.information = 4;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    }
    const handle = new DataView(k.readMemory(irp.systemBuffer, 4).slice().buffer).getUint32(0, true);
    if (p.ioControlCode === IOCTL_SET_EVENT_FROM_WORKER) {
      const mode = irp.requestorMode;
      k.IoMarkIrpPending(irp);
      k.IoQueueWorkItem('set the event later', () => setEventByHandle(k, irp, handle, mode));
      return STATUS.PENDING;
    }
    yield* setEventByHandle(k, irp, handle, p.ioControlCode === IOCTL_SET_EVENT_TRUSTING ? 'KernelMode' : irp.requestorMode);
    return looked[looked.length - 1]!;
  };
  return STATUS.SUCCESS;
};

/** Sends `code` with `handle` as its 4-byte input: TRUE, or the error it failed with. */
function* send(u: Win32, device: number, code: number, handle: number): Routine<true | number> {
  const input = u.scratch(4);
  u.writeU32(input, handle);
  const ok = yield* u.DeviceIoControl(device, code, input, 4, 0, 0, u.scratch(4));
  return ok ? true : u.GetLastError();
}

describe('handles from user mode (io-semantics.md IO-10.2)', () => {
  it('IO-10.2 ObReferenceObjectByHandle(UserMode, ExEventObjectType): an event works; a semaphore is 0xC0000024 (app sees 6), too little access 5, a bad handle 6, a kernel handle 6', () => {
    looked.length = 0;
    const { result, results } = boot({
      drivers: { Notify: eventDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Notify', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const event = yield* u.CreateEvent(true, false);
            const semaphore = yield* u.CreateSemaphore(0, 1);
            const waitOnly = yield* u.DuplicateHandle(event, 0x00100000 /* SYNCHRONIZE */, 0);
            const out = u.scratch(4);
            yield* u.DeviceIoControl(device, IOCTL_GET_KERNEL_HANDLE, 0, 0, out, 4, u.scratch(4));
            const kernelHandle = u.readU32(out);
            const before = yield* u.WaitForSingleObject(event, 0);
            const withEvent = yield* send(u, device, IOCTL_SET_EVENT, event);
            const after = yield* u.WaitForSingleObject(event, 0);
            return {
              before,
              withEvent,
              after,
              withSemaphore: yield* send(u, device, IOCTL_SET_EVENT, semaphore),
              withWaitOnly: yield* send(u, device, IOCTL_SET_EVENT, waitOnly),
              withGarbage: yield* send(u, device, IOCTL_SET_EVENT, 0x1234),
              withKernelHandle: yield* send(u, device, IOCTL_SET_EVENT, kernelHandle),
              kernelHandle,
            };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as Record<string, number | boolean>;
    expect(app['kernelHandle'] as number).toBeGreaterThanOrEqual(0x80000000);
    expect([app['before'], app['withEvent'], app['after']]).toEqual([WAIT.TIMEOUT, true, WAIT.OBJECT_0]);
    expect([app['withSemaphore'], app['withWaitOnly'], app['withGarbage'], app['withKernelHandle']]).toEqual([
      ERROR.INVALID_HANDLE,
      ERROR.ACCESS_DENIED,
      ERROR.INVALID_HANDLE,
      ERROR.INVALID_HANDLE,
    ]);
    expect(looked).toEqual([STATUS.SUCCESS, STATUS.OBJECT_TYPE_MISMATCH, STATUS.ACCESS_DENIED, STATUS.INVALID_HANDLE, STATUS.INVALID_HANDLE]);
  });

  it('IO-10.2 with KernelMode (verifier off) the driver skips the access check and accepts a kernel handle from the app (the hole UserMode closes); from a work item the app’s handle is not found', () => {
    looked.length = 0;
    const { result, results } = boot({
      verifier: 'off',
      drivers: { Notify: eventDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Notify', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const event = yield* u.CreateEvent(true, false);
            const waitOnly = yield* u.DuplicateHandle(event, 0x00100000 /* SYNCHRONIZE */, 0);
            const out = u.scratch(4);
            yield* u.DeviceIoControl(device, IOCTL_GET_KERNEL_HANDLE, 0, 0, out, 4, u.scratch(4));
            return {
              trustingWaitOnly: yield* send(u, device, IOCTL_SET_EVENT_TRUSTING, waitOnly),
              trustingKernelHandle: yield* send(u, device, IOCTL_SET_EVENT_TRUSTING, u.readU32(out)),
              fromWorker: yield* send(u, device, IOCTL_SET_EVENT_FROM_WORKER, event),
              signalled: yield* u.WaitForSingleObject(event, 0),
            };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ trustingWaitOnly: true, trustingKernelHandle: ERROR.INVALID_HANDLE, fromWorker: ERROR.INVALID_HANDLE, signalled: WAIT.OBJECT_0 });
    // The kernel handle was found (a section, hence the type mismatch): KernelMode reaches the System handle table.
    expect(looked).toEqual([STATUS.SUCCESS, STATUS.OBJECT_TYPE_MISMATCH, STATUS.INVALID_HANDLE]);
  });
});

describe('the verifier’s handle checks (verifier-and-objects.md A.3)', () => {
  it('IO-10.2 with the verifier on, a user handle referenced with KernelMode is bug check 0xC4/0xF6', () => {
    looked.length = 0;
    const { result, machine } = boot({
      drivers: { Notify: eventDriver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Notify', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const event = yield* u.CreateEvent(true, false);
            yield* send(u, device, IOCTL_SET_EVENT_TRUSTING, event);
          },
        },
      ],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0xc4, params: [0xf6, expect.any(Number), machine.processes[1]!.id, 0], driver: 'Notify' });
    expect(looked).toEqual([]);
  });

  it('IO-10.2 with the verifier on, a kernel handle referenced with UserMode in the System process is bug check 0xC4/0xF7', () => {
    const entry: DriverEntry = function* (k) {
      const section = yield* k.ZwCreateSection({ size: 4096 });
      k.ObReferenceObjectByHandle(section.handle, 0, 'MmSectionObjectType', 'UserMode');
      return STATUS.SUCCESS;
    };
    const { result } = boot({ drivers: { Z: entry }, threads: [] });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0xc4, params: [0xf7, expect.any(Number), 0, 1] });
    const off = boot({ verifier: 'off', drivers: { Z: entry }, threads: [] });
    expect(off.result.outcome).toBe('completed');
  });
});

describe('closing kernel handles (verifier-and-objects.md A.4)', () => {
  it('VO-A4 ZwClose twice on a section handle: bug check 0x93 INVALID_KERNEL_HANDLE with the verifier on, STATUS_INVALID_HANDLE with it off', () => {
    let second: NtStatus = -1;
    const entry: DriverEntry = function* (k) {
      const section = yield* k.ZwCreateSection({ size: 4096 });
      yield* k.ZwClose(section.handle);
      second = yield* k.ZwClose(section.handle);
      return STATUS.SUCCESS;
    };
    const on = boot({ drivers: { Z: entry }, threads: [] });
    expect(on.result.outcome).toBe('bugcheck');
    expect(on.result.bugcheck).toMatchObject({ code: 0x93, params: [expect.any(Number), 1, 0, 0], driver: 'Z' });
    const off = boot({ verifier: 'off', drivers: { Z: entry }, threads: [] });
    expect(off.result.outcome).toBe('completed');
    expect(second).toBe(STATUS.INVALID_HANDLE);
  });
});

describe('pseudo-handles (IO-10.2)', () => {
  it('IO-10.2 NtCurrentProcess() and NtCurrentThread() name the requester’s process and thread in its top-level dispatch routine; with another type, 0xC0000024', () => {
    const seen: { status: NtStatus; id: number | null }[] = [];
    const entry: DriverEntry = function* (k, driver) {
      const { device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Who' });
      k.IoCreateSymbolicLink('\\DosDevices\\Who', '\\Device\\Who');
      device!.flags &= ~DO.DEVICE_INITIALIZING;
      const all: DispatchRoutine = function* (k, _d, irp) {
        if (k.IoGetCurrentIrpStackLocation(irp).majorFunction === IRP_MJ.DEVICE_CONTROL) {
          for (const [handle, type] of [
            [0xffffffff, 'PsProcessType'],
            [0xfffffffe, 'PsThreadType'],
            [0xffffffff, 'ExEventObjectType'],
          ] as const) {
            const ref = k.ObReferenceObjectByHandle(handle, 0, type, 'UserMode');
            seen.push({ status: ref.status, id: ref.object === null ? null : (ref.object as { id: number }).id });
            if (ref.object !== null) yield* k.ObDereferenceObject(ref.object);
          }
        }
        irp.ioStatus.status = STATUS.SUCCESS;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS.SUCCESS;
      };
      for (let major = 0; major < driver.MajorFunction.length; major++) driver.MajorFunction[major] = all;
      return STATUS.SUCCESS;
    };
    const { result, results } = boot({
      drivers: { Who: entry },
      threads: [
        {
          name: 'app',
          *body(u) {
            const device = yield* u.CreateFile('\\\\.\\Who', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            yield* u.DeviceIoControl(device, IOCTL_SET_EVENT, 0, 0, 0, 0, u.scratch(4));
            return { pid: u.thread.process.id, tid: u.thread.id };
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as { pid: number; tid: number };
    expect(seen).toEqual([
      { status: STATUS.SUCCESS, id: app.pid },
      { status: STATUS.SUCCESS, id: app.tid },
      { status: STATUS.OBJECT_TYPE_MISMATCH, id: null },
    ]);
  });
});
