import { STATUS, encodeUtf8, type NtStatus } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CTL_CODE, ERROR, FILE_ACCESS, METHOD, WAIT } from '../src/index.ts';
import { open, overlappedFor, runApp, type Reply } from './__helpers__/scriptedDevice.ts';

/**
 * io-semantics.md §11, row by row: a METHOD_BUFFERED IOCTL whose driver writes "abcd" into
 * the system buffer and reports Information 3, on an asynchronous or a synchronous handle.
 * Each row is observed twice: through NtDeviceIoControlFile (the returned status S, the
 * IO_STATUS_BLOCK, the caller's event, the file object's event, the copy-back) and through
 * DeviceIoControl (the Win32 result, with GetOverlappedResult for a pended call).
 * The APC / completion-packet column belongs to the completion-port and APC tests.
 */
const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
const FILL = 0xee;
const ABC = [0x61, 0x62, 0x63, FILL];
const UNTOUCHED = [FILL, FILL, FILL, FILL];
const IOSB_PRESET = [0x1111, 0x2222];
const COUNT_PRESET = 0xdeadf00d;
const LAST_ERROR = 4321;

interface Row {
  /** What NtDeviceIoControlFile returned. */
  S: NtStatus;
  iosb: number[];
  /** The caller's event (WAIT_OBJECT_0 = signalled), pre-signalled before the call. */
  event: number;
  /** The file handle (its file object's event). */
  file: number;
  /** The first 4 bytes of the caller's output buffer (pre-filled with 0xEE). */
  bytes: number[];
  win32: { ok: boolean; error: number; count: number };
  /** GetOverlappedResult(wait) after a pended overlapped DeviceIoControl. */
  later: { ok: boolean; error: number; count: number } | null;
}

function observe(kind: 'async' | 'sync', reply: Omit<Reply, 'data' | 'information'>, options: { windows?: 'current' | 'legacy'; verifier?: 'off' } = {}): Row {
  const full: Reply = { ...reply, information: 3, data: encodeUtf8('abcd') };
  const { app, result } = runApp(
    { reply: () => full },
    function* (u) {
      const h = yield* open(u, { overlapped: kind === 'async' });
      const out = u.scratch(8);
      u.write(out, new Uint8Array(8).fill(FILL));
      const iosb = u.scratch(8);
      u.writeU32(iosb, IOSB_PRESET[0]!);
      u.writeU32(iosb + 4, IOSB_PRESET[1]!);
      const event = yield* u.CreateEvent(true, true);
      const S = yield* u._io.machine.systemCall('NtDeviceIoControlFile', {
        handle: h,
        event,
        apcRoutine: 0,
        apcContext: 0,
        iosb,
        ioControlCode: IOCTL,
        inputBuffer: 0,
        inputLength: 0,
        outputBuffer: out,
        outputLength: 8,
      });
      if (full.pendMs !== undefined) yield* u.Sleep(full.pendMs + 5);
      const row = {
        S,
        iosb: [u.readU32(iosb), u.readU32(iosb + 4)],
        event: yield* u.WaitForSingleObject(event, 0),
        file: yield* u.WaitForSingleObject(h, 0),
        bytes: [...u.read(out, 4)],
      };
      const count = u.scratch(4);
      u.writeU32(count, COUNT_PRESET);
      const ov = kind === 'async' ? overlappedFor(u, 0, 0, yield* u.CreateEvent(true, false)) : 0;
      u.SetLastError(LAST_ERROR);
      const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count, ov);
      const win32 = { ok, error: u.GetLastError(), count: u.readU32(count) };
      let later: Row['later'] = null;
      if (!ok && win32.error === ERROR.IO_PENDING) {
        const transferred = u.scratch(4);
        const done = yield* u.GetOverlappedResult(h, ov, transferred, true);
        later = { ok: done, error: u.GetLastError(), count: u.readU32(transferred) };
      }
      return { ...row, win32, later } satisfies Row;
    },
    { verifier: 'off', ...options },
  );
  expect(result.outcome).toBe('completed');
  return app;
}

describe('§11 the decision table, asynchronous file object', () => {
  it('IO-7.5, IO-3.2 R = St = success, not pended: copied, written, hEvent set (not the file), S = R, TRUE with Information', () => {
    const row = observe('async', { status: STATUS.SUCCESS });
    expect(row).toMatchObject({ S: STATUS.SUCCESS, iosb: [STATUS.SUCCESS, 3], event: WAIT.OBJECT_0, file: WAIT.TIMEOUT, bytes: ABC });
    expect(row.win32).toEqual({ ok: true, error: LAST_ERROR, count: 3 });
  });

  it('IO-7.6, IO-3.2 R = St = warning, not pended (current): copied, written, set, S = STATUS_PENDING; FALSE/997 then GetOverlappedResult FALSE/234 with Information', () => {
    const row = observe('async', { status: STATUS.BUFFER_OVERFLOW });
    expect(row).toMatchObject({ S: STATUS.PENDING, iosb: [STATUS.BUFFER_OVERFLOW, 3], event: WAIT.OBJECT_0, bytes: ABC });
    expect(row.win32).toEqual({ ok: false, error: ERROR.IO_PENDING, count: 3 });
    expect(row.later).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 3 });
  });

  it('IO-7.6 R = St = warning, not pended (legacy): S = R, FALSE/234 at once with Information', () => {
    const row = observe('async', { status: STATUS.BUFFER_OVERFLOW }, { windows: 'legacy' });
    expect(row).toMatchObject({ S: STATUS.BUFFER_OVERFLOW, iosb: [STATUS.BUFFER_OVERFLOW, 3], event: WAIT.OBJECT_0, bytes: ABC });
    expect(row.win32).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 3 });
    expect(row.later).toBeNull();
  });

  it('IO-7.6, IO-3.2 R = St = error, not pended: nothing copied, IOSB not written, hEvent left reset, S = R, FALSE with the mapped error, count not written', () => {
    const row = observe('async', { status: STATUS.INVALID_PARAMETER });
    expect(row).toMatchObject({ S: STATUS.INVALID_PARAMETER, iosb: IOSB_PRESET, event: WAIT.TIMEOUT, file: WAIT.TIMEOUT, bytes: UNTOUCHED });
    expect(row.win32).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER, count: COUNT_PRESET });
  });

  it('IO-7.4, IO-3.2 pended, then success: copied, written, set, S = STATUS_PENDING; FALSE/997 then TRUE with Information', () => {
    const row = observe('async', { status: STATUS.SUCCESS, pendMs: 2 });
    expect(row).toMatchObject({ S: STATUS.PENDING, iosb: [STATUS.SUCCESS, 3], event: WAIT.OBJECT_0, bytes: ABC });
    expect(row.win32.ok).toBe(false);
    expect(row.win32.error).toBe(ERROR.IO_PENDING);
    expect(row.later).toEqual({ ok: true, error: ERROR.IO_PENDING, count: 3 });
  });

  it('IO-7.4, IO-3.2 pended, then a warning: copied, written, set; later FALSE/234 with Information', () => {
    const row = observe('async', { status: STATUS.BUFFER_OVERFLOW, pendMs: 2 });
    expect(row).toMatchObject({ S: STATUS.PENDING, iosb: [STATUS.BUFFER_OVERFLOW, 3], event: WAIT.OBJECT_0, bytes: ABC });
    expect(row.later).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 3 });
  });

  it('IO-7.7, IO-3.2 pended, then an error: nothing copied but written and set; later FALSE with the mapped error', () => {
    const row = observe('async', { status: STATUS.DEVICE_NOT_READY, pendMs: 2 });
    expect(row).toMatchObject({ S: STATUS.PENDING, iosb: [STATUS.DEVICE_NOT_READY, 3], event: WAIT.OBJECT_0, bytes: UNTOUCHED });
    expect(row.later).toEqual({ ok: false, error: ERROR.NOT_READY, count: 3 });
  });
});

describe('§11 the decision table, synchronous file object', () => {
  for (const status of [STATUS.SUCCESS, 0x4eadbeef, STATUS.BUFFER_OVERFLOW]) {
    it(`IO-7.1, IO-7.2, IO-7.8 R = St = 0x${status.toString(16)}, not pended: copied, written, the file object and the caller's event set, S = R`, () => {
      const row = observe('sync', { status });
      expect(row).toMatchObject({ S: status, iosb: [status, 3], event: WAIT.OBJECT_0, file: WAIT.OBJECT_0, bytes: ABC });
      expect(row.win32).toEqual(status === STATUS.BUFFER_OVERFLOW ? { ok: false, error: ERROR.MORE_DATA, count: 3 } : { ok: true, error: LAST_ERROR, count: 3 });
    });
  }

  it('IO-7.2, IO-3.2 R = St = error, not pended: nothing copied, IOSB not written, the caller\'s event not set, FALSE, count not written', () => {
    const row = observe('sync', { status: STATUS.BUFFER_TOO_SMALL });
    expect(row).toMatchObject({ S: STATUS.BUFFER_TOO_SMALL, iosb: IOSB_PRESET, event: WAIT.TIMEOUT, bytes: UNTOUCHED });
    expect(row.win32).toEqual({ ok: false, error: ERROR.INSUFFICIENT_BUFFER, count: COUNT_PRESET });
  });

  for (const status of [STATUS.SUCCESS, STATUS.BUFFER_OVERFLOW]) {
    it(`IO-7.1, IO-7.8 pended, then 0x${status.toString(16)}: the service waits, S = St; copied, written, both events set`, () => {
      const row = observe('sync', { status, pendMs: 2 });
      expect(row).toMatchObject({ S: status, iosb: [status, 3], event: WAIT.OBJECT_0, file: WAIT.OBJECT_0, bytes: ABC });
      expect(row.win32).toEqual(status === STATUS.SUCCESS ? { ok: true, error: LAST_ERROR, count: 3 } : { ok: false, error: ERROR.MORE_DATA, count: 3 });
    });
  }

  it('IO-7.7 pended, then an error (current): S = St after the wait, IOSB {St, Info}, both events set, nothing copied, FALSE, count not written', () => {
    const row = observe('sync', { status: STATUS.DEVICE_NOT_READY, pendMs: 2 });
    expect(row).toMatchObject({ S: STATUS.DEVICE_NOT_READY, iosb: [STATUS.DEVICE_NOT_READY, 3], event: WAIT.OBJECT_0, file: WAIT.OBJECT_0, bytes: UNTOUCHED });
    expect(row.win32).toEqual({ ok: false, error: ERROR.NOT_READY, count: COUNT_PRESET });
  });

  it('IO-7.7 pended, then an error (legacy): the caller\'s IOSB and event untouched, the file object\'s event set', () => {
    const row = observe('sync', { status: STATUS.DEVICE_NOT_READY, pendMs: 2 }, { windows: 'legacy' });
    expect(row).toMatchObject({ S: STATUS.DEVICE_NOT_READY, iosb: IOSB_PRESET, event: WAIT.TIMEOUT, file: WAIT.OBJECT_0, bytes: UNTOUCHED });
  });
});

describe('§11 the decision table, a dispatch return that disagrees with the final status (IO-5.14, verifier off)', () => {
  for (const kind of ['async', 'sync'] as const) {
    it(`IO-5.14, IO-8.2 R = success, St = error (${kind}): nothing copied, written or set; S = R and DeviceIoControl returns TRUE`, () => {
      const row = observe(kind, { status: STATUS.NOT_IMPLEMENTED, returns: STATUS.SUCCESS });
      expect(row).toMatchObject({ S: STATUS.SUCCESS, iosb: IOSB_PRESET, event: WAIT.TIMEOUT, bytes: UNTOUCHED });
      expect(row.win32.ok).toBe(true);
      expect(row.win32.error).toBe(LAST_ERROR);
    });

    it(`IO-5.14, IO-8.2 R = error, St = success (${kind}): copied, written, set; S = R and FALSE with R's error, count not written`, () => {
      const row = observe(kind, { status: STATUS.SUCCESS, returns: STATUS.NOT_IMPLEMENTED });
      expect(row).toMatchObject({ S: STATUS.NOT_IMPLEMENTED, iosb: [STATUS.SUCCESS, 3], event: WAIT.OBJECT_0, bytes: ABC });
      expect(row.win32).toEqual({ ok: false, error: ERROR.INVALID_FUNCTION, count: COUNT_PRESET });
    });
  }
});
