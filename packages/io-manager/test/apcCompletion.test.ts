import { STATUS, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CTL_CODE, ERROR, FILE_ACCESS, METHOD, OVERLAPPED, WAIT, type FileIoCompletionRoutine, type IoApcRoutine, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { newOverlapped, openPend, pendingDevice, type Answer, type Request } from './__helpers__/pendingDevice.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);

/** Boots the pending device and the given threads, all in one process `app`. */
function run(answer: (request: Request) => Answer, threads: { name: string; body: (u: Win32) => Routine<unknown> }[]) {
  const log: Request[] = [];
  const booted = boot({ drivers: { Pend: pendingDevice(answer, log) }, threads: threads.map((t) => ({ ...t, process: 'app' })) });
  expect(booted.result.outcome).toBe('completed');
  return { ...booted, log };
}

function runApp<T>(answer: (request: Request) => Answer, body: (u: Win32) => Routine<T>) {
  const booted = run(answer, [{ name: 'app', body }]);
  return { ...booted, app: booted.results['app'] as T };
}

/** A completion routine that records its calls: (thread, errorCode, bytes, overlapped). */
function recorder(calls: { tid: number; error: number; bytes: number; overlapped: number }[]): FileIoCompletionRoutine {
  return function* (u, error, bytes, overlapped) {
    calls.push({ tid: u.thread.id, error, bytes, overlapped });
  };
}

describe('APC completion: ReadFileEx / WriteFileEx (IO-7.12)', () => {
  it('IO-7.12 the completion routine runs only at an alertable wait of the issuing thread: not during Sleep, once at SleepEx(0, TRUE), which returns WAIT_IO_COMPLETION', () => {
    const calls: { tid: number; error: number; bytes: number; overlapped: number }[] = [];
    const { app } = runApp(
      () => ({ status: STATUS.SUCCESS, information: 6, pendMs: 5 }),
      function* (u) {
        const h = yield* openPend(u);
        const ov = newOverlapped(u, 0);
        const buffer = u.scratch(16);
        const ok = yield* u.ReadFileEx(h, buffer, 16, ov, recorder(calls));
        const pendingInternal = u.readU32(ov + OVERLAPPED.Internal);
        yield* u.Sleep(100);
        const afterSleep = calls.length;
        const internal = u.readU32(ov + OVERLAPPED.Internal);
        const alertable = yield* u.SleepEx(0, true);
        const again = yield* u.SleepEx(0, true);
        return { ok, pendingInternal, afterSleep, internal, alertable, again, ov, tid: u.thread.id, data: [...u.read(buffer, 6)] };
      },
    );
    expect(app.ok).toBe(true);
    expect(app.pendingInternal).toBe(STATUS.PENDING);
    expect(app.afterSleep).toBe(0);
    // The OVERLAPPED is the IOSB: written at completion, before the APC runs.
    expect(app.internal).toBe(STATUS.SUCCESS);
    expect(app.alertable).toBe(WAIT.IO_COMPLETION);
    expect(app.again).toBe(0);
    expect(calls).toEqual([{ tid: app.tid, error: ERROR.SUCCESS, bytes: 6, overlapped: app.ov }]);
    expect(app.data).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('IO-7.12 an alertable wait with no time limit is ended by the completion: the APC is queued to the issuing thread, never to another one', () => {
    const calls: { tid: number; error: number; bytes: number; overlapped: number }[] = [];
    const booted = run(() => ({ status: STATUS.SUCCESS, information: 2, pendMs: 5 }), [
      {
        name: 'issuer',
        *body(u) {
          const h = yield* openPend(u);
          yield* u.WriteFileEx(h, u.scratch(16), 16, newOverlapped(u, 3), recorder(calls));
          const woke = yield* u.SleepEx(0xffffffff, true);
          return { woke, tid: u.thread.id, at: u._io.machine.now };
        },
      },
      {
        name: 'bystander',
        *body(u) {
          return yield* u.SleepEx(20, true);
        },
      },
    ]);
    const issuer = booted.results['issuer'] as { woke: number; tid: number };
    expect(issuer.woke).toBe(WAIT.IO_COMPLETION);
    expect(booted.results['bystander']).toBe(0);
    expect(calls.map((c) => c.tid)).toEqual([issuer.tid]);
    expect(calls[0]).toMatchObject({ error: ERROR.SUCCESS, bytes: 2 });
  });

  it('IO-7.12 a synchronous error fails the call and queues no APC; a synchronous success or warning still delivers it (the warning as FALSE / ERROR_MORE_DATA)', () => {
    const calls: { tid: number; error: number; bytes: number; overlapped: number }[] = [];
    const answers: Record<number, Answer> = {
      0: { status: STATUS.INVALID_DEVICE_REQUEST },
      1: { status: STATUS.SUCCESS, information: 4 },
      2: { status: STATUS.BUFFER_OVERFLOW, information: 8 },
    };
    const { app } = runApp(
      (r) => answers[r.offset]!,
      function* (u) {
        const h = yield* openPend(u);
        const results = [];
        for (let i = 0; i < 3; i++) {
          const ov = newOverlapped(u, i);
          const ok = yield* u.ReadFileEx(h, u.scratch(16), 16, ov, recorder(calls));
          results.push({ ok, error: ok ? 0 : u.GetLastError(), internal: u.readU32(ov), ov });
          const sleep = yield* u.SleepEx(0, true);
          results.push({ sleep, calls: calls.length });
        }
        return results;
      },
    );
    expect(app).toEqual([
      { ok: false, error: ERROR.INVALID_FUNCTION, internal: STATUS.PENDING, ov: expect.any(Number) },
      { sleep: 0, calls: 0 },
      { ok: true, error: 0, internal: STATUS.SUCCESS, ov: expect.any(Number) },
      { sleep: WAIT.IO_COMPLETION, calls: 1 },
      { ok: false, error: ERROR.MORE_DATA, internal: STATUS.BUFFER_OVERFLOW, ov: expect.any(Number) },
      { sleep: WAIT.IO_COMPLETION, calls: 2 },
    ]);
    expect(calls.map((c) => [c.error, c.bytes])).toEqual([
      [ERROR.SUCCESS, 4],
      [ERROR.MORE_DATA, 8],
    ]);
  });

  it('IO-7.12 ReadFileEx without an OVERLAPPED fails with ERROR_INVALID_PARAMETER and sends nothing', () => {
    const { app, log } = runApp(
      () => ({ status: STATUS.SUCCESS }),
      function* (u) {
        const h = yield* openPend(u);
        const ok = yield* u.ReadFileEx(h, u.scratch(16), 16, 0, function* () {});
        return { ok, error: u.GetLastError() };
      },
    );
    expect(app).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER });
    expect(log).toHaveLength(0);
  });

  it('IO-7.12 NtDeviceIoControlFile with an APC routine: a synchronous warning comes back as itself, and the routine gets (ApcContext, &iosb, 0) at SleepEx(0, TRUE); a synchronous error queues nothing', () => {
    const calls: { context: number; iosb: number; reserved: number }[] = [];
    const routine: IoApcRoutine = function* (_u, context, iosb, reserved) {
      calls.push({ context, iosb, reserved });
    };
    const { app } = runApp(
      (r) => (r.ioControlCode === IOCTL ? { status: STATUS.BUFFER_OVERFLOW, information: 3 } : { status: STATUS.NOT_IMPLEMENTED }),
      function* (u) {
        const h = yield* openPend(u);
        const iosb = u.scratch(8);
        const call = (code: number) =>
          u._io.machine.systemCall('NtDeviceIoControlFile', {
            handle: h,
            event: 0,
            apcRoutine: u._io.userCode.address(routine),
            apcContext: 456,
            iosb,
            ioControlCode: code,
            inputBuffer: 0,
            inputLength: 0,
            outputBuffer: u.scratch(16),
            outputLength: 16,
          });
        const warned = yield* call(IOCTL);
        const warnedIosb = [u.readU32(iosb), u.readU32(iosb + 4)];
        const sleep = yield* u.SleepEx(0, true);
        const callsAfterWarning = calls.length;
        const failed = yield* call(IOCTL + 4);
        const sleepAfterError = yield* u.SleepEx(0, true);
        return { warned, warnedIosb, sleep, callsAfterWarning, failed, sleepAfterError, iosb };
      },
    );
    expect(app.warned).toBe(STATUS.BUFFER_OVERFLOW);
    expect(app.warnedIosb).toEqual([STATUS.BUFFER_OVERFLOW, 3]);
    expect(app.sleep).toBe(WAIT.IO_COMPLETION);
    expect(app.callsAfterWarning).toBe(1);
    expect(app.failed).toBe(STATUS.NOT_IMPLEMENTED);
    expect(app.sleepAfterError).toBe(0);
    expect(calls).toEqual([{ context: 456, iosb: app.iosb, reserved: 0 }]);
  });

  it('IO-7.14 on a FILE_SYNCHRONOUS_IO_NONALERT handle the read is waited for non-alertably; its APC routine and a user APC queued meanwhile run at the next SleepEx(0, TRUE)', () => {
    const order: string[] = [];
    let result: { status: number; iosb: number[]; at: number; sleep: number } | null = null;
    const reader = function* (u: Win32): Routine<void> {
      const h = yield* openPend(u, false);
      const iosb = u.scratch(8);
      const routine: IoApcRoutine = function* () {
        order.push('read APC');
      };
      const status = yield* u._io.machine.systemCall('NtReadFile', {
        handle: h,
        event: 0,
        apcRoutine: u._io.userCode.address(routine),
        apcContext: 1,
        iosb,
        buffer: u.scratch(16),
        length: 16,
        byteOffset: 0,
        key: 0,
      });
      order.push(`returned ${status}`);
      const at = u._io.machine.now;
      const sleep = yield* u.SleepEx(0, true);
      result = { status, iosb: [u.readU32(iosb), u.readU32(iosb + 4)], at, sleep };
    };
    run(() => ({ status: STATUS.SUCCESS, information: 5, pendMs: 10 }), [
      {
        name: 'main',
        *body(u) {
          const thread = yield* u.CreateThread('reader', reader);
          yield* u.Sleep(3);
          yield* u.QueueUserAPC(function* () {
            order.push('user APC');
          }, thread);
          yield* u.WaitForSingleObject(thread, 0xffffffff);
        },
      },
    ]);
    const r = result!;
    expect(r.status).toBe(STATUS.SUCCESS);
    expect(r.iosb).toEqual([STATUS.SUCCESS, 5]);
    expect(r.at).toBeGreaterThanOrEqual(10_000_000);
    expect(r.sleep).toBe(WAIT.IO_COMPLETION);
    expect(order).toEqual([`returned ${STATUS.SUCCESS}`, 'user APC', 'read APC']);
  });

  it('IO-2.5 step (3): an APC routine on a file object bound to a completion port is STATUS_INVALID_PARAMETER before any IRP', () => {
    const { app, log } = runApp(
      () => ({ status: STATUS.SUCCESS }),
      function* (u) {
        const h = yield* openPend(u);
        yield* u.CreateIoCompletionPort(h, 0, 1, 0);
        return yield* u._io.machine.systemCall('NtDeviceIoControlFile', {
          handle: h,
          event: 0,
          apcRoutine: u._io.userCode.address(function* () {}),
          apcContext: 1,
          iosb: u.scratch(8),
          ioControlCode: IOCTL,
          inputBuffer: 0,
          inputLength: 0,
          outputBuffer: 0,
          outputLength: 0,
        });
      },
    );
    expect(app).toBe(STATUS.INVALID_PARAMETER);
    expect(log).toHaveLength(0);
  });
});
