import { STATUS } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, ERROR, FILE_ACCESS, INVALID_HANDLE_VALUE, IO_NO_INCREMENT, IRP_MJ, METHOD, ntStatusToWin32, toNtPath, type DispatchRoutine, type DriverEntry, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { ntOpen } from './__helpers__/ntOpen.ts';
import { recordingDriver, type Received } from './__helpers__/recordingDriver.ts';

const GENERIC_READ = 0x80000000;
const IOCTL_DELETE_LINK = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** Device control of the Foo driver: IOCTL_DELETE_LINK removes `\DosDevices\Foo`. */
const deleteLinkOnIoctl: DispatchRoutine = function* (k, _device, irp) {
  const status = k.IoDeleteSymbolicLink('\\DosDevices\\Foo');
  irp.ioStatus.status = status;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
  return status;
};

function* open(u: Win32, name: string) {
  const handle = yield* u.CreateFile(name, GENERIC_READ, 0, CREATION.OPEN_EXISTING, 0);
  return { handle, error: handle === INVALID_HANDLE_VALUE ? u.GetLastError() : 0 };
}

function run(drivers: Record<string, DriverEntry>, body: (u: Win32) => Generator<number, unknown, unknown>) {
  const { result, results, events } = boot({ drivers, threads: [{ name: 'app', body }] });
  expect(result.outcome).toBe('completed');
  return { app: results['app'] as Record<string, unknown>, events };
}

describe('names (io-semantics.md §9: IO-9.1, IO-9.2, IO-9.3)', () => {
  it('IO-9.1 \\\\.\\Foo, \\\\?\\Foo and \\\\.\\Global\\Foo reach \\Device\\Foo through \\DosDevices; deleting the link leaves only the NT name', () => {
    const log: Received[] = [];
    const { app, events } = run({ Foo: recordingDriver({ name: 'Foo', other: deleteLinkOnIoctl }, log) }, function* (u) {
      const dos = yield* open(u, '\\\\.\\Foo');
      const verbatim = yield* open(u, '\\\\?\\Foo');
      const global = yield* open(u, '\\\\.\\Global\\Foo');
      const count = u.scratch(4);
      const deleted = yield* u.DeviceIoControl(dos.handle, IOCTL_DELETE_LINK, 0, 0, 0, 0, count);
      const afterDelete = yield* open(u, '\\\\.\\Foo');
      const nt = yield* ntOpen(u, '\\Device\\Foo');
      return { dos, verbatim, global, deleted, afterDelete, nt };
    });
    expect(app['dos']).toMatchObject({ error: 0 });
    expect(app['verbatim']).toMatchObject({ error: 0 });
    expect(app['global']).toMatchObject({ error: 0 });
    expect(app['deleted']).toBe(true);
    expect(app['afterDelete']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(app['nt']).toMatchObject({ status: STATUS.SUCCESS });
    // Four successful opens, each one CREATE on the one named device.
    const creates = log.filter((r) => r.major === IRP_MJ.CREATE);
    expect(creates).toHaveLength(4);
    expect(new Set(creates.map((r) => r.fileDevice)).size).toBe(1);
    const lookups = events.flatMap((e) => (e.type === 'ob.lookup' ? [e.path] : []));
    expect(lookups[2]).toEqual(['\\??\\Global\\Foo', '\\??\\Foo', '\\Device\\Foo']);
  });

  it('IO-9.2 a name that does not resolve fails without an IRP: not found (2), path not found (3), invalid name (123), a dangling link (2)', () => {
    const log: Received[] = [];
    const dangling: DriverEntry = function* (k) {
      return k.IoCreateSymbolicLink('\\DosDevices\\Dangling', '\\Device\\Nothing');
    };
    const { app, events } = run({ Foo: recordingDriver({ name: 'Foo' }, log), Dangling: dangling }, function* (u) {
      const missing = yield* open(u, '\\\\.\\NoSuchDev');
      const noDirectory = yield* open(u, '\\\\.\\NoDir\\Foo');
      const link = yield* open(u, '\\\\.\\Dangling');
      const emptyComponent = yield* ntOpen(u, '\\Device\\\\Foo');
      return { missing, noDirectory, link, emptyComponent };
    });
    expect(app['missing']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(app['noDirectory']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.PATH_NOT_FOUND });
    expect(app['link']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(app['emptyComponent']).toEqual({ status: STATUS.OBJECT_NAME_INVALID, handle: 0 });
    expect(ntStatusToWin32(STATUS.OBJECT_NAME_INVALID)).toBe(ERROR.INVALID_NAME);
    expect(log).toEqual([]);
    expect(events.filter((e) => e.type === 'io.irp.alloc')).toEqual([]);
  });

  it('IO-9.2 Win32 normalises \\\\.\\ names (doubled separators, / , . and ..) but passes \\\\?\\ names verbatim', () => {
    expect(toNtPath('\\\\.\\Foo\\\\bar')).toBe('\\??\\Foo\\bar');
    expect(toNtPath('//./Foo/bar/./x/../y')).toBe('\\??\\Foo\\bar\\y');
    expect(toNtPath('\\\\?\\Foo\\\\bar')).toBe('\\??\\Foo\\\\bar');
    expect(toNtPath('\\\\.\\Foo\\')).toBe('\\??\\Foo\\');
  });

  it('IO-9.3 the name past the device reaches the driver as FileObject->FileName, in CREATE, CLEANUP and CLOSE', () => {
    const log: Received[] = [];
    const { app } = run({ Foo: recordingDriver({ name: 'Foo' }, log) }, function* (u) {
      const opened: number[] = [];
      for (const name of ['\\\\.\\Foo\\bar', '\\\\.\\Foo', '\\\\.\\Foo\\\\sub\\.\\x', '\\\\?\\Foo\\\\raw']) {
        const { handle } = yield* open(u, name);
        opened.push(handle);
        yield* u.CloseHandle(handle);
      }
      return { opened };
    });
    expect((app['opened'] as number[]).every((h) => h !== INVALID_HANDLE_VALUE)).toBe(true);
    const byFile = new Map<number, Received[]>();
    for (const r of log) byFile.set(r.file!, [...(byFile.get(r.file!) ?? []), r]);
    expect([...byFile.values()].map((rs) => rs.map((r) => r.fileName))).toEqual([
      ['\\bar', '\\bar', '\\bar'],
      ['', '', ''],
      ['\\sub\\x', '\\sub\\x', '\\sub\\x'],
      ['\\\\raw', '\\\\raw', '\\\\raw'],
    ]);
  });

  it('IO-9.3 the driver decides: one that rejects any name past the device fails that open (2), with neither CLEANUP nor CLOSE', () => {
    const log: Received[] = [];
    const strict = recordingDriver({ name: 'Foo', createStatus: (name) => (name === '' ? STATUS.SUCCESS : STATUS.OBJECT_NAME_NOT_FOUND) }, log);
    const { app } = run({ Foo: strict }, function* (u) {
      const named = yield* open(u, '\\\\.\\Foo\\bar');
      const bare = yield* open(u, '\\\\.\\Foo');
      yield* u.CloseHandle(bare.handle);
      return { named, bare };
    });
    expect(app['named']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(app['bare']).toMatchObject({ error: 0 });
    expect(log.map((r) => [r.major, r.fileName])).toEqual([
      [IRP_MJ.CREATE, '\\bar'],
      [IRP_MJ.CREATE, ''],
      [IRP_MJ.CLEANUP, ''],
      [IRP_MJ.CLOSE, ''],
    ]);
  });
});
