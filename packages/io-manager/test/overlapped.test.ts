import { STATUS, encodeUtf8, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CTL_CODE,
  DO,
  ERROR,
  FILE_ACCESS,
  FILE_DISPOSITION,
  FILE_OPTION,
  INFINITE,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  WAIT,
  type DispatchRoutine,
  type DriverEntry,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { MS, open, overlappedFor, runApp, scriptedDevice, type Reply, type Seen } from './__helpers__/scriptedDevice.ts';

const IOCTL_BUFFERED = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
const IOCTL_READ_ACCESS = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, FILE_ACCESS.READ);

/** NtDeviceIoControlFile called from user mode (ntdll), for the cases kernel32 cannot express. */
function* ntIoctl(u: Win32, a: { handle: number; event?: number; apcRoutine?: number; iosb: number; code: number; output: number; outputLength: number }): Routine<NtStatus> {
  return yield* u._io.machine.systemCall('NtDeviceIoControlFile', {
    handle: a.handle,
    event: a.event ?? 0,
    apcRoutine: a.apcRoutine ?? 0,
    apcContext: 0,
    iosb: a.iosb,
    ioControlCode: a.code,
    inputBuffer: 0,
    inputLength: 0,
    outputBuffer: a.output,
    outputLength: a.outputLength,
  });
}

/** The OVERLAPPED's Internal and InternalHigh. */
const iosbOf = (u: Win32, ov: number) => ({ internal: u.readU32(ov), high: u.readU32(ov + 4) });

describe('synchronous handles (IO-7.1, IO-7.2)', () => {
  it('IO-7.1 a synchronous DeviceIoControl blocks until the pended IRP completes; a second thread reaches the driver only after it', () => {
    const log: Seen[] = [];
    let handle = 0;
    const { result, results, events } = boot({
      drivers: { Dev: scriptedDevice({ log, reply: () => ({ status: STATUS.SUCCESS, information: 4, pendMs: 10 }) }) },
      threads: [
        {
          name: 'first',
          process: 'app',
          *body(u) {
            handle = yield* open(u);
            const count = u.scratch(4);
            const ok = yield* u.DeviceIoControl(handle, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, count);
            return { ok, count: u.readU32(count), at: u._io.machine.now };
          },
        },
        {
          name: 'second',
          process: 'app',
          *body(u) {
            yield* u.Sleep(1);
            return yield* u.DeviceIoControl(handle, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, u.scratch(4));
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(results['first']).toMatchObject({ ok: true, count: 4 });
    expect((results['first'] as { at: number }).at).toBeGreaterThanOrEqual(10 * MS);
    const calls = events.filter((e) => e.type === 'io.irp.call' && e.major === IRP_MJ.DEVICE_CONTROL);
    const completes = events.filter((e) => e.type === 'io.irp.complete');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.seq).toBeGreaterThan(completes.find((e) => e.type === 'io.irp.complete' && e.irp === log[0]!.irp)!.seq);
  });

  it('IO-7.1 ReadFile on a synchronous handle uses the OVERLAPPED for the offset and as the IOSB: a warning is written into it, a synchronous error leaves Internal at 0x103', () => {
    let n = 0;
    const replies: Reply[] = [{ status: STATUS.BUFFER_OVERFLOW, information: 1, pendMs: 2 }, { status: STATUS.INVALID_PARAMETER, information: 9 }];
    const { log, app } = runApp({ reply: () => replies[n++]! }, function* (u) {
      const h = yield* open(u);
      const ov = overlappedFor(u, 0x10);
      const warned = yield* u.ReadFile(h, u.scratch(8), 8, u.scratch(4), ov);
      const warning = { ok: warned, error: u.GetLastError(), ...iosbOf(u, ov), at: u._io.machine.now };
      const ov2 = overlappedFor(u);
      u.writeU32(ov2 + 4, 0x5555);
      const failed = yield* u.ReadFile(h, u.scratch(8), 8, u.scratch(4), ov2);
      return { warning, failure: { ok: failed, error: u.GetLastError(), ...iosbOf(u, ov2) } };
    });
    expect(log[0]!.byteOffset).toBe(0x10);
    expect(app.warning).toMatchObject({ ok: false, error: ERROR.MORE_DATA, internal: STATUS.BUFFER_OVERFLOW, high: 1 });
    expect(app.warning.at).toBeGreaterThanOrEqual(2 * MS);
    expect(app.failure).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER, internal: STATUS.PENDING, high: 0x5555 });
  });

  it('IO-7.1 DeviceIoControl on a synchronous handle ignores lpOverlapped', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, information: 2 }) }, function* (u) {
      const h = yield* open(u);
      const ov = overlappedFor(u);
      u.writeU32(ov, 0x1111);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, count, ov);
      return { ok, count: u.readU32(count), ...iosbOf(u, ov) };
    });
    expect(app).toEqual({ ok: true, count: 2, internal: 0x1111, high: 0 });
  });

  it('IO-7.2 *lpBytesReturned is Information for success and warnings and is not written for errors, pended or not', () => {
    const cases: [Reply, boolean, number, number][] = [
      [{ status: STATUS.SUCCESS, information: 3 }, true, 4321, 3],
      [{ status: STATUS.BUFFER_OVERFLOW, information: 3 }, false, ERROR.MORE_DATA, 3],
      [{ status: STATUS.BUFFER_TOO_SMALL, information: 3 }, false, ERROR.INSUFFICIENT_BUFFER, 0xdeadf00d],
      [{ status: STATUS.INVALID_PARAMETER, information: 3, pendMs: 1 }, false, ERROR.INVALID_PARAMETER, 0xdeadf00d],
    ];
    for (const [reply, ok, error, count] of cases) {
      const { app } = runApp({ reply: () => reply }, function* (u) {
        const h = yield* open(u);
        const returned = u.scratch(4);
        u.writeU32(returned, 0xdeadf00d);
        u.SetLastError(4321);
        const result = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, returned);
        return { ok: result, error: u.GetLastError(), count: u.readU32(returned) };
      });
      expect(app).toEqual({ ok, error, count });
    }
  });
});

describe('overlapped handles (IO-7.3 – IO-7.8, IO-7.11, IO-7.13)', () => {
  it('IO-7.3 kernel32 sets Internal to STATUS_PENDING and the service resets a pre-signalled hEvent before the IRP pends', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, pendMs: 5 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, true);
      const ov = overlappedFor(u, 0, 0, event);
      u.writeU32(ov, 0x7777);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      return { internal: u.readU32(ov), wait: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ internal: STATUS.PENDING, wait: WAIT.TIMEOUT });
  });

  it('IO-7.4 a pended overlapped call returns FALSE/997; Internal stays 0x103 until completion writes {St, Info} and signals hEvent', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, information: 4, pendMs: 5 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, false);
      const ov = overlappedFor(u, 0, 0, event);
      const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, u.scratch(4), ov);
      const error = u.GetLastError();
      const before = { ...iosbOf(u, ov), wait: yield* u.WaitForSingleObject(event, 0) };
      const woke = yield* u.WaitForSingleObject(event, INFINITE);
      return { ok, error, before, woke, after: iosbOf(u, ov) };
    });
    expect(app).toEqual({
      ok: false,
      error: ERROR.IO_PENDING,
      before: { internal: STATUS.PENDING, high: 0, wait: WAIT.TIMEOUT },
      woke: WAIT.OBJECT_0,
      after: { internal: STATUS.SUCCESS, high: 4 },
    });
  });

  it('IO-7.5 a synchronous success on an overlapped handle: TRUE, the count, the OVERLAPPED written and hEvent signalled', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, information: 3 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, false);
      const ov = overlappedFor(u, 0, 0, event);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, count, ov);
      return { ok, count: u.readU32(count), ...iosbOf(u, ov), wait: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ ok: true, count: 3, internal: STATUS.SUCCESS, high: 3, wait: WAIT.OBJECT_0 });
  });

  it('IO-7.6 a synchronous error on an overlapped handle: FALSE/87, Internal stays 0x103, hEvent not signalled', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.INVALID_PARAMETER, information: 3 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, false);
      const ov = overlappedFor(u, 0, 0, event);
      const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, u.scratch(4), ov);
      return { ok, error: u.GetLastError(), ...iosbOf(u, ov), wait: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER, internal: STATUS.PENDING, high: 0, wait: WAIT.TIMEOUT });
  });

  it('IO-7.6 pitfall: GetOverlappedResult(wait) after a synchronous error blocks forever — the run ends in deadlock', () => {
    const { result } = runApp({ reply: () => ({ status: STATUS.INVALID_PARAMETER }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, u.scratch(4), ov);
      return yield* u.GetOverlappedResult(h, ov, u.scratch(4), true);
    });
    expect(result.outcome).toBe('deadlock');
  });

  for (const windows of ['current', 'legacy'] as const) {
    it(`IO-7.6 a synchronous warning on an overlapped METHOD_BUFFERED IOCTL is written, copied and signalled (${windows} Windows)`, () => {
      const { app } = runApp(
        { reply: () => ({ status: STATUS.BUFFER_OVERFLOW, information: 3, data: encodeUtf8('xyz!') }) },
        function* (u) {
          const h = yield* open(u, { overlapped: true });
          const event = yield* u.CreateEvent(true, false);
          const ov = overlappedFor(u, 0, 0, event);
          const out = u.scratch(8);
          u.write(out, new Uint8Array(8).fill(0xee));
          const count = u.scratch(4);
          const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, out, 8, count, ov);
          const call = { ok, error: u.GetLastError(), count: u.readU32(count) };
          const signalled = yield* u.WaitForSingleObject(event, 0);
          const transferred = u.scratch(4);
          const gor = yield* u.GetOverlappedResult(h, ov, transferred, false);
          return { call, signalled, ...iosbOf(u, ov), bytes: [...u.read(out, 4)], gor: { ok: gor, error: u.GetLastError(), count: u.readU32(transferred) } };
        },
        { windows },
      );
      expect(app.call).toEqual(windows === 'current' ? { ok: false, error: ERROR.IO_PENDING, count: 3 } : { ok: false, error: ERROR.MORE_DATA, count: 3 });
      expect(app).toMatchObject({ signalled: WAIT.OBJECT_0, internal: STATUS.BUFFER_OVERFLOW, high: 3, bytes: [0x78, 0x79, 0x7a, 0xee] });
      expect(app.gor).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 3 });
    });
  }

  it('IO-7.6 the same warning through NtDeviceIoControlFile with an APC routine comes back as the warning itself', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.BUFFER_OVERFLOW, information: 3 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      return yield* ntIoctl(u, { handle: h, apcRoutine: 0x401000, iosb: u.scratch(8), code: IOCTL_BUFFERED, output: u.scratch(8), outputLength: 8 });
    });
    expect(app).toBe(STATUS.BUFFER_OVERFLOW);
  });

  it('IO-7.7 pended then STATUS_CANCELLED on an overlapped handle: GetOverlappedResult FALSE, 995, 0 bytes', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.CANCELLED, pendMs: 3 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      const count = u.scratch(4);
      u.writeU32(count, 99);
      const ok = yield* u.GetOverlappedResult(h, ov, count, true);
      return { ok, error: u.GetLastError(), count: u.readU32(count) };
    });
    expect(app).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED, count: 0 });
  });

  for (const windows of ['current', 'legacy'] as const) {
    it(`IO-7.7 a synchronous handle, pended then STATUS_DEVICE_NOT_READY with Information 3 (${windows} Windows)`, () => {
      const { app } = runApp(
        { flags: DO.BUFFERED_IO, reply: () => ({ status: STATUS.DEVICE_NOT_READY, information: 3, data: encodeUtf8('abc'), pendMs: 2 }) },
        function* (u) {
          const h = yield* open(u);
          const iosb = u.scratch(8);
          u.writeU32(iosb, 0x1111);
          u.writeU32(iosb + 4, 0x2222);
          const event = yield* u.CreateEvent(true, false);
          const out = u.scratch(8);
          u.write(out, new Uint8Array(8).fill(0xee));
          const status = yield* ntIoctl(u, { handle: h, event, iosb, code: IOCTL_BUFFERED, output: out, outputLength: 8 });
          const native = { status, iosb: [u.readU32(iosb), u.readU32(iosb + 4)], event: yield* u.WaitForSingleObject(event, 0) };
          const returned = u.scratch(4);
          u.writeU32(returned, 0xdeadf00d);
          const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, out, 8, returned);
          return { native, win32: { ok, error: u.GetLastError(), count: u.readU32(returned), bytes: [...u.read(out, 3)] } };
        },
        { windows },
      );
      expect(app.native).toEqual(
        windows === 'current'
          ? { status: STATUS.DEVICE_NOT_READY, iosb: [STATUS.DEVICE_NOT_READY, 3], event: WAIT.OBJECT_0 }
          : { status: STATUS.DEVICE_NOT_READY, iosb: [0x1111, 0x2222], event: WAIT.TIMEOUT },
      );
      expect(app.win32).toEqual({ ok: false, error: ERROR.NOT_READY, count: 0xdeadf00d, bytes: [0xee, 0xee, 0xee] });
    });
  }

  it('IO-7.8 without hEvent the file object is signalled: the handle is signalled after the first of two reads completes, while the second is pending', () => {
    let n = 0;
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, information: 1, pendMs: n++ === 0 ? 2 : 50 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov1 = overlappedFor(u);
      const ov2 = overlappedFor(u);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov1);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov2);
      const before = yield* u.WaitForSingleObject(h, 0);
      yield* u.Sleep(5);
      const after = yield* u.WaitForSingleObject(h, 0);
      return { before, after, first: u.readU32(ov1), second: u.readU32(ov2) };
    });
    expect(app).toEqual({ before: WAIT.TIMEOUT, after: WAIT.OBJECT_0, first: STATUS.SUCCESS, second: STATUS.PENDING });
  });

  it('IO-7.8 with hEvent on an overlapped handle, the event is signalled and the file object is not', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, pendMs: 2 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, false);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, overlappedFor(u, 0, 0, event));
      yield* u.Sleep(5);
      return { event: yield* u.WaitForSingleObject(event, 0), file: yield* u.WaitForSingleObject(h, 0) };
    });
    expect(app).toEqual({ event: WAIT.OBJECT_0, file: WAIT.TIMEOUT });
  });

  it('IO-7.8 on a synchronous handle both the caller\'s event and the file object are signalled', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u);
      const event = yield* u.CreateEvent(true, false);
      yield* ntIoctl(u, { handle: h, event, iosb: u.scratch(8), code: IOCTL_BUFFERED, output: 0, outputLength: 0 });
      return { event: yield* u.WaitForSingleObject(event, 0), file: yield* u.WaitForSingleObject(h, 0) };
    });
    expect(app).toEqual({ event: WAIT.OBJECT_0, file: WAIT.OBJECT_0 });
  });

  it('IO-7.11 GetOverlappedResult polls from Internal alone: 996 before completion (even with hEvent set by hand), then TRUE with the count', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, information: 7, pendMs: 4 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, false);
      const ov = overlappedFor(u, 0, 0, event);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      const count = u.scratch(4);
      const early = yield* u.GetOverlappedResult(h, ov, count, false);
      const earlyError = u.GetLastError();
      yield* u.SetEvent(event);
      const stillEarly = yield* u.GetOverlappedResult(h, ov, count, false);
      const stillError = u.GetLastError();
      yield* u.Sleep(10);
      const late = yield* u.GetOverlappedResult(h, ov, count, false);
      return { early, earlyError, stillEarly, stillError, late, count: u.readU32(count) };
    });
    expect(app).toEqual({ early: false, earlyError: ERROR.IO_INCOMPLETE, stillEarly: false, stillError: ERROR.IO_INCOMPLETE, late: true, count: 7 });
  });

  it('IO-7.11 after a pended completion with STATUS_INVALID_PARAMETER and Information 5: FALSE, 87, count 5; waiting on the file handle when hEvent is NULL', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.INVALID_PARAMETER, information: 5, pendMs: 4 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u);
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      const count = u.scratch(4);
      const ok = yield* u.GetOverlappedResult(h, ov, count, true);
      return { ok, error: u.GetLastError(), count: u.readU32(count), at: u._io.machine.now };
    });
    expect(app).toMatchObject({ ok: false, error: ERROR.INVALID_PARAMETER, count: 5 });
    expect(app.at).toBeGreaterThanOrEqual(4 * MS);
  });

  it('IO-7.11 GetOverlappedResultEx times out with WAIT_TIMEOUT', () => {
    const { app } = runApp({ reply: () => ({ status: STATUS.SUCCESS, pendMs: 50 }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ov = overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false));
      yield* u.ReadFile(h, u.scratch(8), 8, 0, ov);
      const ok = yield* u.GetOverlappedResultEx(h, ov, u.scratch(4), 5, false);
      return { ok, error: u.GetLastError() };
    });
    expect(app).toEqual({ ok: false, error: WAIT.TIMEOUT });
  });

  it('IO-7.13 an overlapped handle used without an OVERLAPPED is refused with ERROR_INVALID_PARAMETER and a diagnostic; the driver is not called', () => {
    const { app, log, events } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const ioctl = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, u.scratch(8), 8, u.scratch(4));
      const ioctlError = u.GetLastError();
      const read = yield* u.ReadFile(h, u.scratch(8), 8, u.scratch(4));
      return { ioctl, ioctlError, read, readError: u.GetLastError() };
    });
    expect(app).toEqual({ ioctl: false, ioctlError: ERROR.INVALID_PARAMETER, read: false, readError: ERROR.INVALID_PARAMETER });
    expect(log).toHaveLength(0);
    expect(events.filter((e) => e.type === 'win32.misuse').map((e) => (e.type === 'win32.misuse' ? e.api : ''))).toEqual(['DeviceIoControl', 'ReadFile']);
  });
});

describe('the early checks and invalid buffers (IO-2.5, IO-3.9)', () => {
  it('IO-2.5 an invalid output pointer and insufficient access on a METHOD_BUFFERED IOCTL: the probe wins, ERROR_NOACCESS (998) not 5', () => {
    const { app, log } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u, { access: 0 });
      const ok = yield* u.DeviceIoControl(h, IOCTL_READ_ACCESS, 0, 0, 0x1000, 8, u.scratch(4));
      return { ok, error: u.GetLastError() };
    });
    expect(app).toEqual({ ok: false, error: ERROR.NOACCESS });
    expect(log).toHaveLength(0);
  });

  it('IO-2.5 a pre-signalled event and an unmapped BUFFERED output: STATUS_ACCESS_VIOLATION, IOSB untouched, event still signalled, driver not called', () => {
    const { app, log } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, true);
      const iosb = u.scratch(8);
      u.writeU32(iosb, 0xabababab);
      const status = yield* ntIoctl(u, { handle: h, event, iosb, code: IOCTL_BUFFERED, output: 0x1000, outputLength: 8 });
      return { status, iosb: u.readU32(iosb), event: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ status: STATUS.ACCESS_VIOLATION, iosb: 0xabababab, event: WAIT.OBJECT_0 });
    expect(log).toHaveLength(0);
  });

  it('IO-3.9 an overlapped BUFFERED IOCTL with an unmapped output: FALSE, 998, Internal stays 0x103, hEvent still signalled', () => {
    const { app, log } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, true);
      const ov = overlappedFor(u, 0, 0, event);
      const ok = yield* u.DeviceIoControl(h, IOCTL_BUFFERED, 0, 0, 0x1000, 8, u.scratch(4), ov);
      return { ok, error: u.GetLastError(), internal: u.readU32(ov), event: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ ok: false, error: ERROR.NOACCESS, internal: STATUS.PENDING, event: WAIT.OBJECT_0 });
    expect(log).toHaveLength(0);
  });

  it('IO-3.9 an MDL probe failure comes after the event reset: the event is left non-signalled', () => {
    const IOCTL_OUT_DIRECT = CTL_CODE(0x22, 0x802, METHOD.OUT_DIRECT, FILE_ACCESS.ANY);
    const { app, log } = runApp({ reply: () => ({ status: STATUS.SUCCESS }) }, function* (u) {
      const h = yield* open(u, { overlapped: true });
      const event = yield* u.CreateEvent(true, true);
      const ov = overlappedFor(u, 0, 0, event);
      const ok = yield* u.DeviceIoControl(h, IOCTL_OUT_DIRECT, 0, 0, 0x1000, 8, u.scratch(4), ov);
      return { ok, error: u.GetLastError(), internal: u.readU32(ov), event: yield* u.WaitForSingleObject(event, 0) };
    });
    expect(app).toEqual({ ok: false, error: ERROR.NOACCESS, internal: STATUS.PENDING, event: WAIT.TIMEOUT });
    expect(log).toHaveLength(0);
  });
});

describe('alertable and non-alertable synchronous waits (IO-7.14)', () => {
  /** Opens `\Device\Dev` with NtCreateFile and the given synchronous option. */
  function* ntOpenSync(u: Win32, option: number): Routine<number> {
    const out = u.scratch(16);
    yield* u._io.machine.systemCall('NtCreateFile', {
      handleOut: out,
      desiredAccess: 0xc0100080,
      name: '\\Device\\Dev',
      iosb: out + 8,
      shareAccess: 0,
      disposition: FILE_DISPOSITION.OPEN,
      options: option | FILE_OPTION.NON_DIRECTORY_FILE,
    });
    return u.readU32(out);
  }

  /** A reader thread blocked in a synchronous NtReadFile that the driver completes after 20 ms; at 5 ms the main thread queues it a user APC. */
  function run(option: number, driver: DriverEntry = scriptedDevice({ log: [], reply: () => ({ status: STATUS.SUCCESS, information: 2, pendMs: 20 }) })) {
    const order: string[] = [];
    const reader: { status?: number; slept?: number; at?: number; iosb?: number[] } = {};
    const { result, events } = boot({
      drivers: { Dev: driver },
      threads: [
        {
          name: 'app',
          *body(u) {
            const thread = yield* u.CreateThread('reader', function* (r) {
              const h = yield* ntOpenSync(r, option);
              const args = { handle: h, event: 0, apcRoutine: 0, apcContext: 0, iosb: r.scratch(8), buffer: r.scratch(8), length: 8, byteOffset: 0, key: 0 };
              r.writeU32(args.iosb, 0x1111);
              r.writeU32(args.iosb + 4, 0x2222);
              reader.status = yield* r._io.machine.systemCall('NtReadFile', args);
              reader.iosb = [r.readU32(args.iosb), r.readU32(args.iosb + 4)];
              reader.at = r._io.machine.now;
              order.push(`returned 0x${reader.status.toString(16)}`);
              reader.slept = yield* r.SleepEx(0, true);
            });
            yield* u.Sleep(5);
            yield* u.QueueUserAPC(function* () {
              order.push('apc');
            }, thread);
          },
        },
      ],
    });
    return { result, reader, order, events };
  }

  it('IO-7.14 FILE_SYNCHRONOUS_IO_NONALERT: the user APC stays queued, the read returns the driver\'s status on completion, the APC runs at the next alertable wait', () => {
    const { result, reader, order } = run(FILE_OPTION.SYNCHRONOUS_IO_NONALERT);
    expect(result.outcome).toBe('completed');
    expect(reader.status).toBe(STATUS.SUCCESS);
    expect(reader.at).toBeGreaterThanOrEqual(20 * MS);
    expect(order).toEqual(['returned 0x0', 'apc']);
    expect(reader.slept).toBe(WAIT.IO_COMPLETION);
  });

  /** A device whose reads pend forever under a cancel routine that completes them with STATUS_CANCELLED (IO-6.2). */
  const cancellableReads: DriverEntry = function* (k, driver) {
    k.IoCreateDevice(driver, { deviceName: '\\Device\\Dev' });
    const succeed: DispatchRoutine = function* (k, _d, irp) {
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    driver.MajorFunction[IRP_MJ.READ] = function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.IoSetCancelRoutine(irp, function* (k, _device, irp) {
        yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
        irp.ioStatus.status = STATUS.CANCELLED;
        irp.ioStatus.information = 0;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      });
      return STATUS.PENDING;
    };
    return STATUS.SUCCESS;
  };

  it('IO-7.14 FILE_SYNCHRONOUS_IO_ALERT: a user APC ends the wait, the I/O manager cancels the read, NtReadFile returns STATUS_CANCELLED, then the APC runs', () => {
    const { result, reader, order, events } = run(FILE_OPTION.SYNCHRONOUS_IO_ALERT, cancellableReads);
    expect(result.outcome).toBe('completed');
    expect(reader.status).toBe(STATUS.CANCELLED);
    expect(reader.iosb).toEqual([STATUS.CANCELLED, 0]);
    expect(order).toEqual(['apc', 'returned 0xc0000120']);
    expect(events.some((e) => e.type === 'io.irp.abort')).toBe(true);
  });
});
