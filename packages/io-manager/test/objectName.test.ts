import { STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  DO,
  FileNameInformation,
  INVALID_HANDLE_VALUE,
  IO_NO_INCREMENT,
  IRP_MJ,
  ObjectNameInformation,
  encodeFileNameInformation,
  type DispatchRoutine,
  type DriverEntry,
  type IrpRef,
  type Kernel,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { recordingDriver, type Received } from './__helpers__/recordingDriver.ts';

function* open(u: Win32, name: string): Routine<{ handle: number; error: number }> {
  const handle = yield* u.CreateFile(name, 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  return { handle, error: handle === INVALID_HANDLE_VALUE ? u.GetLastError() : 0 };
}

function run(drivers: Record<string, DriverEntry>, body: (u: Win32) => Routine<unknown>) {
  const { result, results } = boot({ drivers, threads: [{ name: 'app', body }] });
  expect(result.outcome).toBe('completed');
  return { app: results['app'] as Record<string, unknown> };
}

/** NtQueryObject(ObjectNameInformation) from user mode: the status, the name read through the UNICODE_STRING, and *ReturnLength. */
function* queryName(u: Win32, handle: number, length = 512): Routine<{ status: number; name: string; needed: number }> {
  const buffer = u.scratch(length);
  const needed = u.scratch(4);
  const status = yield* u.NtQueryObject(handle, ObjectNameInformation, buffer, length, needed);
  let name = '';
  if (status === STATUS.SUCCESS || status === STATUS.BUFFER_OVERFLOW) {
    const chars = u.read(u.readU32(buffer + 4), u.read(buffer, 2)[0]! | (u.read(buffer + 1, 1)[0]! << 8));
    for (let i = 0; i + 1 < chars.length; i += 2) name += String.fromCharCode(chars[i]! | (chars[i + 1]! << 8));
  }
  return { status, name, needed: u.readU32(needed) };
}

describe('the name of a file object (IO-9.9)', () => {
  it('IO-9.9 NtQueryObject on a handle to \\\\.\\Foo\\sub under a filter: the named device’s NT name plus the driver’s FileNameInformation answer; NOT_IMPLEMENTED or no handler → the bare device name; another error is the result', () => {
    let answer: string | NtStatus = '\\sub';
    const queries: { device: number; fileDevice: number | null; length: number; infoClass: number }[] = [];
    const nameOrFail: DispatchRoutine = function* (k, dev, irp) {
      const sl = k.IoGetCurrentIrpStackLocation(irp);
      if (sl.majorFunction !== IRP_MJ.QUERY_INFORMATION) return yield* complete(k, irp, STATUS.SUCCESS, 0);
      const q = sl.parameters.queryFile;
      queries.push({ device: dev.id, fileDevice: sl.fileObject?.deviceObject.id ?? null, length: q.length, infoClass: q.fileInformationClass });
      if (typeof answer !== 'string') return yield* complete(k, irp, answer, 0);
      const bytes = encodeFileNameInformation(answer);
      k.writeMemory(irp.systemBuffer, bytes);
      return yield* complete(k, irp, STATUS.SUCCESS, bytes.length);
    };
    const log: Received[] = [];
    let filterId = -1;
    const filter: DriverEntry = function* (k, driver) {
      const { device } = k.IoCreateDevice(driver, {});
      const { attachedTo } = k.IoAttachDevice(device!, '\\Device\\Foo');
      filterId = device!.id;
      device!.flags &= ~DO.DEVICE_INITIALIZING;
      for (let major = 0; major < driver.MajorFunction.length; major++) {
        driver.MajorFunction[major] = function* (k, _dev, irp) {
          k.IoSkipCurrentIrpStackLocation(irp);
          return yield* k.IoCallDriver(attachedTo!, irp);
        };
      }
      return STATUS.SUCCESS;
    };
    const { app } = run({ Foo: recordingDriver({ name: 'Foo', other: nameOrFail }, log), Filter: filter }, function* (u) {
      const { handle } = yield* open(u, '\\\\.\\Foo\\sub');
      const named = yield* queryName(u, handle);
      const short = yield* queryName(u, handle, 8 + 10);
      answer = STATUS.NOT_IMPLEMENTED;
      const notImplemented = yield* queryName(u, handle);
      answer = STATUS.INVALID_DEVICE_REQUEST;
      const noHandler = yield* queryName(u, handle);
      answer = STATUS.UNSUCCESSFUL;
      const failed = yield* queryName(u, handle);
      answer = 'sub';
      const noBackslash = yield* queryName(u, handle);
      const event = yield* u.CreateEvent(true, false, 'Ev');
      const eventName = yield* queryName(u, event);
      const eventShort = yield* queryName(u, event, 12);
      return { named, short, notImplemented, noHandler, failed, noBackslash, eventName, eventShort };
    });
    const full = '\\Device\\Foo\\sub';
    expect(app['named']).toEqual({ status: STATUS.SUCCESS, name: full, needed: 8 + full.length * 2 + 2 });
    expect(app['short']).toEqual({ status: STATUS.BUFFER_OVERFLOW, name: '\\Devi', needed: 8 + full.length * 2 + 2 });
    expect(app['notImplemented']).toMatchObject({ status: STATUS.SUCCESS, name: '\\Device\\Foo' });
    expect(app['noHandler']).toMatchObject({ status: STATUS.SUCCESS, name: '\\Device\\Foo' });
    expect(app['failed']).toMatchObject({ status: STATUS.UNSUCCESSFUL, name: '' });
    expect(app['noBackslash']).toMatchObject({ status: STATUS.OBJECT_PATH_INVALID });
    expect(app['eventName']).toMatchObject({ status: STATUS.SUCCESS, name: '\\BaseNamedObjects\\Ev' });
    expect(app['eventShort']).toMatchObject({ status: STATUS.INFO_LENGTH_MISMATCH, name: '' });
    // Each query went to the top of the stack (the filter passed it down to Foo), about the file object of \Device\Foo.
    const named = log[0]!.device;
    expect(queries).toHaveLength(6);
    for (const q of queries) expect(q).toEqual({ device: named, fileDevice: named, length: 4096, infoClass: FileNameInformation });
    expect(filterId).not.toBe(named);
  });
});

function* complete(k: Kernel, irp: IrpRef, status: NtStatus, information: number): Routine<NtStatus> {
  irp.ioStatus.status = status;
  irp.ioStatus.information = information;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
}
