import { DUPLICATE, STATUS, seededRandom, type Routine } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  DO,
  ERROR,
  FILE,
  FILE_ACCESS,
  FILE_FLAG_OVERLAPPED,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  INVALID_HANDLE_VALUE,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  type DriverRef,
  type DispatchRoutine,
  type DriverEntry,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { ntOpen } from './__helpers__/ntOpen.ts';
import { recordingDriver, type Received } from './__helpers__/recordingDriver.ts';

const GENERIC_READ = 0x80000000;
const GENERIC_WRITE = 0x40000000;
const SYNCHRONIZE = 0x00100000;
const IOCTL_ANY = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
const IOCTL_READ = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, FILE_ACCESS.READ);
const IOCTL_WRITE = CTL_CODE(0x22, 0x802, METHOD.BUFFERED, FILE_ACCESS.WRITE);

const majors = (log: readonly Received[]) => log.map((r) => r.major);

function* open(u: Win32, name: string, access = GENERIC_READ | GENERIC_WRITE, flags = 0): Routine<{ handle: number; error: number }> {
  const handle = yield* u.CreateFile(name, access, 0, CREATION.OPEN_EXISTING, flags);
  return { handle, error: handle === INVALID_HANDLE_VALUE ? u.GetLastError() : 0 };
}

/** DeviceIoControl with no buffers: TRUE, or the error it failed with. */
function* ioctl(u: Win32, handle: number, code: number): Routine<true | number> {
  const ok = yield* u.DeviceIoControl(handle, code, 0, 0, 0, 0, u.scratch(4));
  return ok ? true : u.GetLastError();
}

function run(drivers: Record<string, DriverEntry>, body: (u: Win32) => Routine<unknown>, options: { autoClearInitializing?: boolean } = {}) {
  const { result, results, events } = boot({ ...options, drivers, threads: [{ name: 'app', body }] });
  expect(result.outcome).toBe('completed');
  return { app: results['app'] as Record<string, unknown>, events };
}

describe('CREATE (IO-9.4)', () => {
  it('IO-9.4 a CREATE the driver fails gives no handle (ERROR_ACCESS_DENIED) and neither CLEANUP nor CLOSE for that file object', () => {
    const log: Received[] = [];
    const { app } = run({ Foo: recordingDriver({ name: 'Foo', createStatus: () => STATUS.ACCESS_DENIED }, log) }, function* (u) {
      return { opened: yield* open(u, '\\\\.\\Foo') };
    });
    expect(app['opened']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.ACCESS_DENIED });
    expect(majors(log)).toEqual([IRP_MJ.CREATE]);
  });

  it('IO-9.4 a driver with no IRP_MJ_CREATE routine: the I/O manager’s default fails the CREATE (ERROR_INVALID_FUNCTION), and the CLEANUP and CLOSE routines are never called', () => {
    const log: Received[] = [];
    const noCreate: DriverEntry = function* (k, driver, path) {
      const status = yield* recordingDriver({ name: 'Foo' }, log)(k, driver, path);
      driver.MajorFunction[IRP_MJ.CREATE] = null;
      return status;
    };
    const { app } = run({ Foo: noCreate }, function* (u) {
      return { opened: yield* open(u, '\\\\.\\Foo') };
    });
    expect(app['opened']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.INVALID_FUNCTION });
    expect(log).toEqual([]);
  });

  it('IO-9.4 a device whose DO_DEVICE_INITIALIZING is still set cannot be opened: ERROR_FILE_NOT_FOUND and no CREATE IRP', () => {
    const log: Received[] = [];
    const { app, events } = run(
      { Foo: recordingDriver({ name: 'Foo', clearInitializing: false }, log) },
      function* (u) {
        return { opened: yield* open(u, '\\\\.\\Foo') };
      },
      { autoClearInitializing: false },
    );
    expect(app['opened']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(log).toEqual([]);
    expect(events.filter((e) => e.type === 'io.irp.alloc')).toEqual([]);
  });

  it('IO-9.4 autoClearInitializing (default true) clears the flag for devices made in DriverEntry only; a device made later must clear it itself', () => {
    const log: Received[] = [];
    const IOCTL_MAKE_LATE = IOCTL_ANY;
    let self: DriverRef | null = null;
    const makeLate: DispatchRoutine = function* (k, _device, irp) {
      // A device created outside DriverEntry, its flag left set.
      const late = k.IoCreateDevice(self!, { deviceName: '\\Device\\Late' });
      k.IoCreateSymbolicLink('\\DosDevices\\Late', '\\Device\\Late');
      irp.ioStatus.status = late.status;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return late.status;
    };
    const entry: DriverEntry = function* (k, driver, path) {
      self = driver;
      return yield* recordingDriver({ name: 'Foo', clearInitializing: false, other: makeLate }, log)(k, driver, path);
    };
    const { app } = run({ Foo: entry }, function* (u) {
      const early = yield* open(u, '\\\\.\\Foo');
      const made = yield* ioctl(u, early.handle, IOCTL_MAKE_LATE);
      const late = yield* open(u, '\\\\.\\Late');
      return { early, made, late };
    });
    expect(app['early']).toMatchObject({ error: 0 });
    expect(app['made']).toBe(true);
    expect(app['late']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
  });

  it('IO-9.4 after IoDeleteDevice the device cannot be opened, by its DOS or its NT name (2), with no CREATE; the file object opened before still gets CLEANUP and CLOSE', () => {
    const log: Received[] = [];
    const deleteSelf: DispatchRoutine = function* (k, device, irp) {
      k.IoDeleteDevice(device);
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    const { app, events } = run({ Foo: recordingDriver({ name: 'Foo', other: deleteSelf }, log) }, function* (u) {
      const before = yield* open(u, '\\\\.\\Foo');
      const deleted = yield* ioctl(u, before.handle, IOCTL_ANY);
      const dos = yield* open(u, '\\\\.\\Foo');
      const nt = yield* ntOpen(u, '\\Device\\Foo');
      const closed = yield* u.CloseHandle(before.handle);
      return { deleted, dos, nt, closed };
    });
    expect(app['deleted']).toBe(true);
    expect(app['dos']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.FILE_NOT_FOUND });
    expect(app['nt']).toEqual({ status: STATUS.OBJECT_NAME_NOT_FOUND, handle: 0 });
    expect(app['closed']).toBe(true);
    expect(majors(log)).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
    expect(events.filter((e) => e.type === 'io.irp.alloc')).toHaveLength(4);
  });

  it('IO-9.4 the CREATE carries the mapped DesiredAccess, Options = (Disposition << 24) | CreateOptions and ShareAccess, and is waited for even on an overlapped open', () => {
    const seen: { access: number; options: number; share: number }[] = [];
    let completedAt = -1;
    const pendingCreate: DriverEntry = function* (k, driver) {
      const { device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Slow' });
      k.IoCreateSymbolicLink('\\DosDevices\\Slow', '\\Device\\Slow');
      const complete: DispatchRoutine = function* (k, _d, irp) {
        irp.ioStatus.status = STATUS.SUCCESS;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS.SUCCESS;
      };
      driver.MajorFunction[IRP_MJ.CLEANUP] = complete;
      driver.MajorFunction[IRP_MJ.CLOSE] = complete;
      // CREATE pends and a work item completes it 1 ms later.
      driver.MajorFunction[IRP_MJ.CREATE] = function* (k, _d, irp) {
        const p = k.IoGetCurrentIrpStackLocation(irp).parameters.create;
        seen.push({ access: p.desiredAccess, options: p.options, share: p.shareAccess });
        k.IoMarkIrpPending(irp);
        k.IoQueueWorkItem('complete the create', function* () {
          yield* k.KeDelayExecutionThread('KernelMode', false, -10_000);
          completedAt = k._machine.now;
          irp.ioStatus.status = STATUS.SUCCESS;
          yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        });
        return STATUS.PENDING;
      };
      if (device !== null) device.flags &= ~DO.DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    };
    const { app } = run({ Slow: pendingCreate }, function* (u) {
      const handle = yield* u.CreateFile('\\\\.\\Slow', GENERIC_READ, 3, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
      return { handle, returnedAt: u._io.machine.now };
    });
    expect(app['handle']).not.toBe(INVALID_HANDLE_VALUE);
    expect(completedAt).toBeGreaterThanOrEqual(1_000_000);
    expect(app['returnedAt'] as number).toBeGreaterThanOrEqual(completedAt);
    const FILE_OPEN = 1;
    const FILE_NON_DIRECTORY_FILE = 0x40;
    expect(seen).toEqual([{ access: FILE_GENERIC_READ | FILE.READ_ATTRIBUTES | SYNCHRONIZE, options: ((FILE_OPEN << 24) | FILE_NON_DIRECTORY_FILE) >>> 0, share: 3 }]);
  });
});

describe('outputs that vanish during a CREATE (IO-9.4, POLICY)', () => {
  it('IO-9.4 the caller frees the memory of its handle while the CREATE pends: NtCreateFile returns STATUS_ACCESS_VIOLATION, no bug check, and the opened file object is closed with the process (CLEANUP, CLOSE)', () => {
    const log: Received[] = [];
    const slowCreate: DriverEntry = function* (k, driver, path) {
      const status = yield* recordingDriver({ name: 'Slow' }, log)(k, driver, path);
      const record = driver.MajorFunction[IRP_MJ.CREATE]!;
      driver.MajorFunction[IRP_MJ.CREATE] = function* (k, device, irp) {
        k.IoMarkIrpPending(irp);
        k.IoQueueWorkItem('complete the create later', function* () {
          yield* k.KeDelayExecutionThread('KernelMode', false, -10_000);
          yield* record(k, device, irp);
        });
        return STATUS.PENDING;
      };
      return status;
    };
    const { result, results } = boot({
      drivers: { Slow: slowCreate },
      threads: [
        {
          name: 'app',
          *body(u) {
            const outputs = yield* u.VirtualAlloc(4096);
            yield* u.CreateThread('freer', function* (v) {
              yield* v.Sleep(0);
              yield* v.VirtualFree(outputs);
            });
            return yield* u.NtCreateFile(outputs, 0x80100080, '\\??\\Slow', outputs + 8, 0, 1, 0x60);
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toBe(STATUS.ACCESS_VIOLATION);
    expect(majors(log)).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
  });
});

describe('CLEANUP and CLOSE (IO-9.5)', () => {
  it('IO-9.5 open → DuplicateHandle → close the original: no CLEANUP; close the duplicate: CLEANUP then CLOSE on the CREATE’s file object, in the closing thread', () => {
    const log: Received[] = [];
    const { app } = run({ Foo: recordingDriver({ name: 'Foo' }, log) }, function* (u) {
      const { handle } = yield* open(u, '\\\\.\\Foo');
      const duplicate = yield* u.DuplicateHandle(handle, 0, DUPLICATE.SAME_ACCESS);
      yield* u.CloseHandle(handle);
      const afterOriginal = majors(log);
      const closed = yield* u.CloseHandle(duplicate);
      return { afterOriginal, closed, tid: u.thread.id };
    });
    expect(app['afterOriginal']).toEqual([IRP_MJ.CREATE]);
    expect(app['closed']).toBe(true);
    expect(majors(log)).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
    expect(new Set(log.map((r) => r.file)).size).toBe(1);
    expect(log[1]!.tid).toBe(app['tid']);
  });

  it('IO-9.5 CloseHandle succeeds whatever status the driver gives CLEANUP and CLOSE', () => {
    const log: Received[] = [];
    const failing: DispatchRoutine = function* (k, _d, irp) {
      irp.ioStatus.status = STATUS.UNSUCCESSFUL;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.UNSUCCESSFUL;
    };
    const entry: DriverEntry = function* (k, driver, path) {
      const status = yield* recordingDriver({ name: 'Foo' }, log)(k, driver, path);
      driver.MajorFunction[IRP_MJ.CLEANUP] = failing;
      driver.MajorFunction[IRP_MJ.CLOSE] = failing;
      return status;
    };
    const { app } = run({ Foo: entry }, function* (u) {
      const { handle } = yield* open(u, '\\\\.\\Foo');
      return { closed: yield* u.CloseHandle(handle) };
    });
    expect(app['closed']).toBe(true);
  });

  it('IO-9.5 random opens, duplicates and closes (the rest closed at process exit): exactly CREATE, CLEANUP, CLOSE per file object, CLEANUP and CLOSE at the close of its last handle', () => {
    type Op = { kind: 'open' } | { kind: 'duplicate'; pick: number } | { kind: 'close'; pick: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'open' }),
      fc.nat(50).map<Op>((pick) => ({ kind: 'duplicate', pick })),
      fc.nat(50).map<Op>((pick) => ({ kind: 'close', pick })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const log: Received[] = [];
        const violations: string[] = [];
        const { result } = boot({
          drivers: { Foo: recordingDriver({ name: 'Foo' }, log) },
          threads: [
            {
              name: 'app',
              *body(u) {
                // Open handles, each with the index of the open (and so the CREATE) it came from.
                const handles: { handle: number; open: number }[] = [];
                let opens = 0;
                for (const o of ops) {
                  if (o.kind === 'open') {
                    const { handle } = yield* open(u, '\\\\.\\Foo');
                    handles.push({ handle, open: opens++ });
                  } else if (handles.length > 0) {
                    const i = o.pick % handles.length;
                    const h = handles[i]!;
                    if (o.kind === 'duplicate') {
                      handles.push({ handle: yield* u.DuplicateHandle(h.handle, 0, DUPLICATE.SAME_ACCESS), open: h.open });
                    } else {
                      handles.splice(i, 1);
                      const before = log.length;
                      yield* u.CloseHandle(h.handle);
                      const last = !handles.some((x) => x.open === h.open);
                      const added = majors(log.slice(before));
                      if (JSON.stringify(added) !== JSON.stringify(last ? [IRP_MJ.CLEANUP, IRP_MJ.CLOSE] : [])) violations.push(`close of open ${h.open}: ${JSON.stringify(added)}`);
                    }
                  }
                }
              },
            },
          ],
        });
        expect(result.outcome).toBe('completed');
        expect(violations).toEqual([]);
        const byFile = new Map<number, number[]>();
        for (const r of log) byFile.set(r.file!, [...(byFile.get(r.file!) ?? []), r.major]);
        expect(byFile.size).toBe(ops.filter((o) => o.kind === 'open').length);
        for (const sequence of byFile.values()) expect(sequence).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('CLEANUP and CLOSE under concurrent closes (IO-9.5)', () => {
  it('IO-9.5 two threads closing handles of the same file objects, under random schedules: exactly one CLEANUP, then one CLOSE, per file object', () => {
    const cleanupBy: boolean[] = [];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (files, copies, seed) => {
        const log: Received[] = [];
        const { result } = boot({
          strategy: seededRandom(seed),
          drivers: { Foo: recordingDriver({ name: 'Foo' }, log) },
          threads: [
            {
              name: 'app',
              *body(u) {
                const handles: number[] = [];
                for (let f = 0; f < files; f++) {
                  const { handle } = yield* open(u, '\\\\.\\Foo');
                  handles.push(handle);
                  for (let c = 0; c < copies; c++) handles.push(yield* u.DuplicateHandle(handle, 0, DUPLICATE.SAME_ACCESS));
                }
                // The other thread closes every second handle while this one closes the rest;
                // both wait for one event first, so they start together and the schedule decides.
                const go = yield* u.CreateEvent(true, false);
                const helper = yield* u.CreateThread('closer', function* (v) {
                  yield* v.WaitForSingleObject(go, 0xffffffff);
                  for (let i = 1; i < handles.length; i += 2) yield* v.CloseHandle(handles[i]!);
                });
                yield* u.CreateThread('starter', function* (v) {
                  yield* v.Sleep(1);
                  yield* v.SetEvent(go);
                });
                yield* u.WaitForSingleObject(go, 0xffffffff);
                for (let i = 0; i < handles.length; i += 2) yield* u.CloseHandle(handles[i]!);
                yield* u.WaitForSingleObject(helper, 0xffffffff);
                cleanupBy.push(...log.filter((r) => r.major === IRP_MJ.CLEANUP).map((r) => r.tid === u.thread.id));
              },
            },
          ],
        });
        expect(result.outcome).toBe('completed');
        const byFile = new Map<number, number[]>();
        for (const r of log) byFile.set(r.file!, [...(byFile.get(r.file!) ?? []), r.major]);
        expect(byFile.size).toBe(files);
        for (const sequence of byFile.values()) expect(sequence).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
      }),
      { numRuns: 40 },
    );
    // Both threads sent CLEANUPs over the runs: the closes did interleave.
    expect(new Set(cleanupBy)).toEqual(new Set([true, false]));
  });
});

describe('access and exclusivity (IO-9.7, IO-9.8)', () => {
  it('IO-9.7 the access granted at open — generic rights mapped, plus SYNCHRONIZE | FILE_READ_ATTRIBUTES — is what the IOCTL check uses, per handle (DuplicateHandle with less access)', () => {
    const log: Received[] = [];
    const calls: number[] = [];
    const count: DispatchRoutine = function* (k, _d, irp) {
      calls.push(k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode);
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    const { app, events } = run({ Foo: recordingDriver({ name: 'Foo', other: count }, log) }, function* (u) {
      const { handle } = yield* open(u, '\\\\.\\Foo', GENERIC_READ);
      const reader = [yield* ioctl(u, handle, IOCTL_READ), yield* ioctl(u, handle, IOCTL_WRITE), yield* ioctl(u, handle, IOCTL_ANY)];
      const weaker = yield* u.DuplicateHandle(handle, SYNCHRONIZE | FILE.READ_ATTRIBUTES, 0);
      const weak = [yield* ioctl(u, weaker, IOCTL_READ), yield* ioctl(u, weaker, IOCTL_ANY)];
      const none = (yield* open(u, '\\\\.\\Foo', 0)).handle;
      const zero = [yield* ioctl(u, none, IOCTL_READ), yield* ioctl(u, none, IOCTL_ANY)];
      const both = (yield* open(u, '\\\\.\\Foo', GENERIC_READ | GENERIC_WRITE)).handle;
      const readOnly = yield* u.DuplicateHandle(both, GENERIC_READ, 0);
      const generic = [yield* ioctl(u, readOnly, IOCTL_READ), yield* ioctl(u, readOnly, IOCTL_WRITE), yield* ioctl(u, both, IOCTL_WRITE)];
      return { reader, weak, zero, generic };
    });
    expect(app['reader']).toEqual([true, ERROR.ACCESS_DENIED, true]);
    expect(app['weak']).toEqual([ERROR.ACCESS_DENIED, true]);
    expect(app['zero']).toEqual([ERROR.ACCESS_DENIED, true]);
    expect(app['generic']).toEqual([true, ERROR.ACCESS_DENIED, true]);
    expect(calls).toEqual([IOCTL_READ, IOCTL_ANY, IOCTL_ANY, IOCTL_ANY, IOCTL_READ, IOCTL_WRITE]);
    const granted = events.flatMap((e) => (e.type === 'handle.open' && e.objectType === 'File' ? [e.access] : []));
    const readWrite = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    expect(granted).toEqual([FILE_GENERIC_READ, SYNCHRONIZE | FILE.READ_ATTRIBUTES, SYNCHRONIZE | FILE.READ_ATTRIBUTES, readWrite, FILE_GENERIC_READ]);
    expect(log.filter((r) => r.major === IRP_MJ.CREATE).map((r) => r.desiredAccess)).toEqual([FILE_GENERIC_READ, SYNCHRONIZE | FILE.READ_ATTRIBUTES, readWrite]);
  });

  it('IO-9.8 an exclusive device: open #1 ok; open #2 (any trailing name) ERROR_ACCESS_DENIED with no CREATE; close #1 → open #3 ok', () => {
    const log: Received[] = [];
    const { app } = run({ Excl: recordingDriver({ name: 'Excl', exclusive: true }, log) }, function* (u) {
      const first = yield* open(u, '\\\\.\\Excl');
      const second = yield* open(u, '\\\\.\\Excl');
      const named = yield* open(u, '\\\\.\\Excl\\other');
      yield* u.CloseHandle(first.handle);
      const third = yield* open(u, '\\\\.\\Excl');
      return { first, second, named, third };
    });
    expect(app['first']).toMatchObject({ error: 0 });
    expect(app['second']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.ACCESS_DENIED });
    expect(app['named']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.ACCESS_DENIED });
    expect(app['third']).toMatchObject({ error: 0 });
    expect(majors(log)).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
  });

  it('IO-9.8 exclusivity is the named device’s flag: DO_EXCLUSIVE on a device attached above it has no effect', () => {
    const log: Received[] = [];
    const exclusiveFilter: DriverEntry = function* (k, driver) {
      const { device } = k.IoCreateDevice(driver, { exclusive: true });
      const { attachedTo } = k.IoAttachDevice(device!, '\\Device\\Foo');
      device!.flags &= ~DO.DEVICE_INITIALIZING;
      for (let major = 0; major < driver.MajorFunction.length; major++) {
        driver.MajorFunction[major] = function* (k, _dev, irp) {
          k.IoSkipCurrentIrpStackLocation(irp);
          return yield* k.IoCallDriver(attachedTo!, irp);
        };
      }
      return STATUS.SUCCESS;
    };
    const { app } = run({ Foo: recordingDriver({ name: 'Foo' }, log), Filter: exclusiveFilter }, function* (u) {
      return { first: yield* open(u, '\\\\.\\Foo'), second: yield* open(u, '\\\\.\\Foo') };
    });
    expect(app['first']).toMatchObject({ error: 0 });
    expect(app['second']).toMatchObject({ error: 0 });
    expect(majors(log)).toEqual([IRP_MJ.CREATE, IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
  });

  it('IO-9.8 the device stays taken from CloseHandle until CLOSE: an open while an IRP still holds the file object fails with ERROR_ACCESS_DENIED', () => {
    const log: Received[] = [];
    // IOCTLs pend; a work item completes each 2 ms later. CLEANUP leaves them alone.
    const slowIoctl: DispatchRoutine = function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.IoQueueWorkItem('complete later', function* () {
        yield* k.KeDelayExecutionThread('KernelMode', false, -20_000);
        irp.ioStatus.status = STATUS.SUCCESS;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      });
      return STATUS.PENDING;
    };
    const { app } = run({ Excl: recordingDriver({ name: 'Excl', exclusive: true, other: slowIoctl }, log) }, function* (u) {
      const first = yield* open(u, '\\\\.\\Excl', GENERIC_READ, FILE_FLAG_OVERLAPPED);
      const iosb = u.scratch(8);
      const sent = yield* u._io.machine.systemCall('NtDeviceIoControlFile', {
        handle: first.handle, event: 0, apcRoutine: 0, apcContext: 0, iosb, ioControlCode: IOCTL_ANY, inputBuffer: 0, inputLength: 0, outputBuffer: 0, outputLength: 0,
      });
      yield* u.CloseHandle(first.handle);
      const afterCleanup = majors(log);
      const whilePending = yield* open(u, '\\\\.\\Excl');
      yield* u.Sleep(5);
      const afterCompletion = yield* open(u, '\\\\.\\Excl');
      return { sent, afterCleanup, whilePending, afterCompletion };
    });
    expect(app['sent']).toBe(STATUS.PENDING);
    expect(app['afterCleanup']).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP]);
    expect(app['whilePending']).toEqual({ handle: INVALID_HANDLE_VALUE, error: ERROR.ACCESS_DENIED });
    expect(app['afterCompletion']).toMatchObject({ error: 0 });
    expect(majors(log).slice(0, 4)).toEqual([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.CREATE]);
  });
});

describe('the device a file object names (IO-9.9)', () => {
  it('IO-9.9 with a filter over \\Device\\Foo, CREATE, IOCTL, CLEANUP and CLOSE are dispatched to the filter, yet FileObject->DeviceObject is the named device', () => {
    const log: Received[] = [];
    const filterSaw: { major: number; device: number; fileDevice: number | null; fileName: string | null }[] = [];
    let filterId = -1;
    const filter: DriverEntry = function* (k, driver) {
      const { device } = k.IoCreateDevice(driver, {});
      if (device === null) return STATUS.UNSUCCESSFUL;
      filterId = device.id;
      const { attachedTo } = k.IoAttachDevice(device, '\\Device\\Foo');
      if (attachedTo === null) return STATUS.UNSUCCESSFUL;
      device.flags &= ~DO.DEVICE_INITIALIZING;
      const pass: DispatchRoutine = function* (k, dev, irp) {
        const sl = k.IoGetCurrentIrpStackLocation(irp);
        filterSaw.push({ major: sl.majorFunction, device: dev.id, fileDevice: sl.fileObject?.deviceObject.id ?? null, fileName: sl.fileObject?.fileName ?? null });
        k.IoSkipCurrentIrpStackLocation(irp);
        return yield* k.IoCallDriver(attachedTo, irp);
      };
      for (let major = 0; major < driver.MajorFunction.length; major++) driver.MajorFunction[major] = pass;
      return STATUS.SUCCESS;
    };
    const { app } = run({ Foo: recordingDriver({ name: 'Foo' }, log), Filter: filter }, function* (u) {
      const { handle } = yield* open(u, '\\\\.\\Foo\\sub');
      const sent = yield* ioctl(u, handle, IOCTL_ANY);
      yield* u.CloseHandle(handle);
      return { sent };
    });
    expect(app['sent']).toBe(true);
    const named = log[0]!.device;
    expect(filterSaw.map((s) => s.major)).toEqual([IRP_MJ.CREATE, IRP_MJ.DEVICE_CONTROL, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]);
    for (const s of filterSaw) expect(s).toMatchObject({ device: filterId, fileDevice: named, fileName: '\\sub' });
    expect(log.map((r) => [r.device, r.fileDevice])).toEqual([
      [named, named],
      [named, named],
      [named, named],
    ]);
    expect(filterId).not.toBe(named);
  });
});
