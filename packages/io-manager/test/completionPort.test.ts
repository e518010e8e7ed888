import { STATUS, seededRandom, type Routine, type Strategy } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CTL_CODE,
  ERROR,
  FILE_ACCESS,
  FILE_INFORMATION_CLASS,
  FILE_SKIP,
  INVALID_HANDLE_VALUE,
  METHOD,
  OVERLAPPED,
  WAIT,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { MS, newOverlapped, openPend, pendingDevice, type Answer, type Request } from './__helpers__/pendingDevice.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, FILE_ACCESS.ANY);
const KEY = 0x00c0ffee;
const INFINITE_MS = 0xffffffff;

interface Run {
  readonly answer?: (request: Request) => Answer;
  readonly threads: { name: string; body: (u: Win32) => Routine<unknown> }[];
  readonly windows?: 'current' | 'legacy';
  readonly strategy?: Strategy;
}

/** Boots the pending device and the given threads, all in one process `app`. */
function run(options: Run) {
  const log: Request[] = [];
  const answer = options.answer ?? (() => ({ status: STATUS.SUCCESS }));
  const booted = boot({
    ...(options.windows !== undefined ? { windows: options.windows } : {}),
    ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
    drivers: { Pend: pendingDevice(answer, log) },
    threads: options.threads.map((t) => ({ ...t, process: 'app' })),
  });
  return { ...booted, log };
}

/** Runs one thread `app` and returns what it returned. */
function runApp<T>(body: (u: Win32) => Routine<T>, options: Omit<Run, 'threads'> = {}) {
  const booted = run({ ...options, threads: [{ name: 'app', body }] });
  expect(booted.result.outcome).toBe('completed');
  return { ...booted, app: booted.results['app'] as T };
}

interface Dequeued {
  ok: boolean;
  error: number;
  bytes: number;
  key: number;
  overlapped: number;
}

/** GetQueuedCompletionStatus into a 12-byte scratch area `out`, its outputs preset to garbage so that "not written" shows. */
function* dequeue(u: Win32, port: number, milliseconds: number, out: number): Routine<Dequeued> {
  u.writeU32(out, 0xdeadbeef);
  u.writeU32(out + 4, 0xdeadbeef);
  u.writeU32(out + 8, 0xdeadbeef);
  const ok = yield* u.GetQueuedCompletionStatus(port, out, out + 4, out + 8, milliseconds);
  return { ok, error: ok ? 0 : u.GetLastError(), bytes: u.readU32(out), key: u.readU32(out + 4), overlapped: u.readU32(out + 8) };
}

/** Reads the OVERLAPPED's Internal / InternalHigh. */
function iosbOf(u: Win32, ov: number): { internal: number; internalHigh: number } {
  return { internal: u.readU32(ov + OVERLAPPED.Internal), internalHigh: u.readU32(ov + OVERLAPPED.InternalHigh) };
}

describe('completion ports: creating, posting, removing', () => {
  it('IO-7.17 packets come out FIFO and exactly as posted; GetQueuedCompletionStatusEx removes several at once; an empty port times out', () => {
    const { app } = runApp(function* (u) {
      const port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
      for (let i = 1; i <= 3; i++) yield* u.PostQueuedCompletionStatus(port, 10 * i, 0x100 + i, 0x1000 * i);
      const entries = u.scratch(8 * 16);
      const removed = u.scratch(4);
      const ok = yield* u.GetQueuedCompletionStatusEx(port, entries, 8, removed, 0, false);
      const list = [];
      for (let i = 0; i < u.readU32(removed); i++) {
        const e = entries + 16 * i;
        list.push({ key: u.readU32(e), overlapped: u.readU32(e + 4), internal: u.readU32(e + 8), bytes: u.readU32(e + 12) });
      }
      // NtSetIoCompletion posts any status and a full pointer-width Information.
      const posted = yield* u._io.machine.systemCall('NtSetIoCompletion', { handle: port, key: 7, apcContext: 0x2000, status: STATUS.UNSUCCESSFUL, information: 0xffffffff });
      const out = u.scratch(12);
      const failed = yield* dequeue(u, port, 0, out);
      const empty = yield* dequeue(u, port, 0, out);
      return { port, ok, removed: u.readU32(removed), list, posted, failed, empty };
    });
    expect(app.port).not.toBe(0);
    expect(app.ok).toBe(true);
    expect(app.removed).toBe(3);
    expect(app.list).toEqual([
      { key: 0x101, overlapped: 0x1000, internal: STATUS.SUCCESS, bytes: 10 },
      { key: 0x102, overlapped: 0x2000, internal: STATUS.SUCCESS, bytes: 20 },
      { key: 0x103, overlapped: 0x3000, internal: STATUS.SUCCESS, bytes: 30 },
    ]);
    expect(app.posted).toBe(STATUS.SUCCESS);
    // IO-7.10: a packet with an error status → FALSE with the mapped error, outputs filled.
    expect(app.failed).toEqual({ ok: false, error: ERROR.GEN_FAILURE, bytes: 0xffffffff, key: 7, overlapped: 0x2000 });
    // An empty port with a zero timeout: WAIT_TIMEOUT, *lpOverlapped = NULL, the rest untouched.
    expect(app.empty).toEqual({ ok: false, error: ERROR.WAIT_TIMEOUT, bytes: 0xdeadbeef, key: 0xdeadbeef, overlapped: 0 });
  });

  it('IO-7.17 an alertable removal returns a queued packet without running user APCs, and runs them (WAIT_IO_COMPLETION) when the port is empty', () => {
    const { app } = runApp(function* (u) {
      const port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
      let ran = 0;
      const apc = function* (): Routine<void> {
        ran++;
      };
      const entries = u.scratch(8 * 16);
      const removed = u.scratch(4);
      yield* u.QueueUserAPC(apc, u.GetCurrentThread());
      const emptyOk = yield* u.GetQueuedCompletionStatusEx(port, entries, 8, removed, 0, true);
      const emptyError = u.GetLastError();
      const ranAfterEmpty = ran;
      yield* u.PostQueuedCompletionStatus(port, 5, 1, 0x3000);
      yield* u.QueueUserAPC(apc, u.GetCurrentThread());
      const packetOk = yield* u.GetQueuedCompletionStatusEx(port, entries, 8, removed, INFINITE_MS, true);
      const count = u.readU32(removed);
      const ranAfterPacket = ran;
      const sleep = yield* u.SleepEx(0, true);
      return { emptyOk, emptyError, ranAfterEmpty, packetOk, count, ranAfterPacket, sleep, ran };
    });
    expect(app).toEqual({
      emptyOk: false,
      emptyError: WAIT.IO_COMPLETION,
      ranAfterEmpty: 1,
      packetOk: true,
      count: 1,
      ranAfterPacket: 1,
      sleep: WAIT.IO_COMPLETION,
      ran: 2,
    });
  });

  it('IO-7.10 a removal that times out returns FALSE / WAIT_TIMEOUT (258) with *lpOverlapped = NULL after the timeout', () => {
    const { app } = runApp(function* (u) {
      const port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
      const before = u._io.machine.now;
      const got = yield* dequeue(u, port, 10, u.scratch(12));
      return { got, waited: u._io.machine.now - before };
    });
    expect(app.got).toEqual({ ok: false, error: 258, bytes: 0xdeadbeef, key: 0xdeadbeef, overlapped: 0 });
    expect(app.waited).toBeGreaterThanOrEqual(10 * MS);
  });

  it('IO-7.10 closing the port while a thread waits on it ends the wait: FALSE, *lpOverlapped = NULL, ERROR_ABANDONED_WAIT_0 (735)', () => {
    let port = 0;
    const booted = run({
      threads: [
        {
          name: 'waiter',
          *body(u) {
            port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
            return yield* dequeue(u, port, INFINITE_MS, u.scratch(12));
          },
        },
        {
          name: 'closer',
          *body(u) {
            yield* u.Sleep(5);
            return yield* u.CloseHandle(port);
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect(booted.results['closer']).toBe(true);
    expect(booted.results['waiter']).toEqual({ ok: false, error: ERROR.ABANDONED_WAIT_0, bytes: 0xdeadbeef, key: 0xdeadbeef, overlapped: 0 });
  });

  it('IO-7.9 waiting threads are released LIFO: the newest waiter gets the first packet', () => {
    let port = 0;
    const waiter = (delayMs: number) =>
      function* (u: Win32): Routine<number> {
        if (delayMs === 0) port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 3);
        else yield* u.Sleep(delayMs);
        return (yield* dequeue(u, port, INFINITE_MS, u.scratch(12))).key;
      };
    const booted = run({
      threads: [
        { name: 'first', body: waiter(0) },
        { name: 'second', body: waiter(1) },
        { name: 'third', body: waiter(2) },
        {
          name: 'poster',
          *body(u) {
            yield* u.Sleep(5);
            for (let key = 1; key <= 3; key++) yield* u.PostQueuedCompletionStatus(port, 0, key, 0);
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect([booted.results['third'], booted.results['second'], booted.results['first']]).toEqual([1, 2, 3]);
  });

  it('the concurrency value: with 1, a second packet waits for the running thread rather than waking another', () => {
    let port = 0;
    const booted = run({
      threads: [
        {
          name: 'older',
          *body(u) {
            port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 1);
            return yield* dequeue(u, port, 20, u.scratch(12));
          },
        },
        {
          name: 'newer',
          *body(u) {
            yield* u.Sleep(1);
            const out = u.scratch(12);
            const first = yield* dequeue(u, port, INFINITE_MS, out);
            const second = yield* dequeue(u, port, 0, out);
            return [first.key, second.key];
          },
        },
        {
          name: 'poster',
          *body(u) {
            yield* u.Sleep(5);
            yield* u.PostQueuedCompletionStatus(port, 0, 1, 0);
            yield* u.PostQueuedCompletionStatus(port, 0, 2, 0);
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect(booted.results['newer']).toEqual([1, 2]);
    expect(booted.results['older']).toMatchObject({ ok: false, error: ERROR.WAIT_TIMEOUT, overlapped: 0 });
  });

  it('the concurrency value: a running thread that exits stops counting, so a queued packet goes to a waiter', () => {
    let port = 0;
    const booted = run({
      threads: [
        {
          name: 'older',
          *body(u) {
            port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 1);
            return (yield* dequeue(u, port, INFINITE_MS, u.scratch(12))).key;
          },
        },
        {
          name: 'newer',
          *body(u) {
            yield* u.Sleep(1);
            return (yield* dequeue(u, port, INFINITE_MS, u.scratch(12))).key;
          },
        },
        {
          name: 'poster',
          *body(u) {
            yield* u.Sleep(5);
            yield* u.PostQueuedCompletionStatus(port, 0, 1, 0);
            yield* u.PostQueuedCompletionStatus(port, 0, 2, 0);
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect([booted.results['newer'], booted.results['older']]).toEqual([1, 2]);
  });

  it('a thread waiting on a port can be terminated; the port goes on serving the others', () => {
    let port = 0;
    let victim = 0;
    const booted = run({
      threads: [
        {
          name: 'main',
          *body(u) {
            port = yield* u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
            victim = yield* u.CreateThread('victim', function* (v) {
              yield* dequeue(v, port, INFINITE_MS, v.scratch(12));
              return 1;
            });
            yield* u.Sleep(2);
            yield* u.TerminateThread(victim, 0x55);
            yield* u.WaitForSingleObject(victim, INFINITE_MS);
            yield* u.PostQueuedCompletionStatus(port, 4, 9, 0x900);
            return yield* dequeue(u, port, 0, u.scratch(12));
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect(booted.results['main']).toEqual({ ok: true, error: 0, bytes: 4, key: 9, overlapped: 0x900 });
    const exit = booted.events.find((e) => e.type === 'thread.exit' && e.status === 0x55);
    expect(exit).toBeDefined();
  });
});

/** What one overlapped IOCTL on a port-bound handle left behind. */
interface Outcome {
  ok: boolean;
  error: number;
  internal: number;
  internalHigh: number;
  signalled: boolean;
  packet: Dequeued;
}

/**
 * One overlapped IOCTL on a handle bound to a port (with `modes` set), answered by
 * `answer`; after it has completed: the OVERLAPPED, hEvent, and what GQCS(0) finds.
 */
function ioctlOnPort(answer: Answer, modes: number, options: { windows?: 'current' | 'legacy'; eventTag?: number } = {}): Outcome {
  const { app } = runApp(
    function* (u) {
      const h = yield* openPend(u);
      const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
      if (modes !== 0) yield* u.SetFileCompletionNotificationModes(h, modes);
      const event = yield* u.CreateEvent(true, false);
      const ov = newOverlapped(u, 0, event | (options.eventTag ?? 0));
      const out = u.scratch(64);
      const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, out, 64, u.scratch(4), ov);
      const error = ok ? 0 : u.GetLastError();
      if (answer.pendMs !== undefined) yield* u.Sleep(answer.pendMs + 1);
      const signalled = (yield* u.WaitForSingleObject(event, 0)) === WAIT.OBJECT_0;
      const packet = yield* dequeue(u, port, 0, u.scratch(12));
      return { ok, error, ...iosbOf(u, ov), signalled, packet: { ...packet, overlapped: packet.overlapped === ov ? -1 : packet.overlapped } };
    },
    { answer: () => answer, ...(options.windows !== undefined ? { windows: options.windows } : {}) },
  );
  return app;
}

const noPacket: Dequeued = { ok: false, error: ERROR.WAIT_TIMEOUT, bytes: 0xdeadbeef, key: 0xdeadbeef, overlapped: 0 };

describe('completion packets of I/O requests (IO-7.9)', () => {
  it('IO-7.5, IO-7.9 a synchronous success on a port-bound handle: TRUE, the OVERLAPPED written and the event set on return, and a packet queued', () => {
    const o = ioctlOnPort({ status: STATUS.SUCCESS, information: 3 }, 0);
    expect(o).toEqual({ ok: true, error: 0, internal: STATUS.SUCCESS, internalHigh: 3, signalled: true, packet: { ok: true, error: 0, bytes: 3, key: KEY, overlapped: -1 } });
  });

  it('IO-7.9 a pended request: the OVERLAPPED is written and the event set at completion, before the packet is removed', () => {
    const { app } = runApp(
      function* (u) {
        const h = yield* openPend(u);
        const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
        const event = yield* u.CreateEvent(true, false);
        const ov = newOverlapped(u, 0, event);
        const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(16), 16, u.scratch(4), ov);
        const error = u.GetLastError();
        yield* u.Sleep(10);
        const before = iosbOf(u, ov);
        const signalled = (yield* u.WaitForSingleObject(event, 0)) === WAIT.OBJECT_0;
        const count = u.scratch(4);
        const result = yield* u.GetOverlappedResult(h, ov, count, false);
        const packet = yield* dequeue(u, port, 0, u.scratch(12));
        return { ok, error, before, signalled, result, count: u.readU32(count), packet, ov };
      },
      { answer: () => ({ status: STATUS.SUCCESS, information: 7, pendMs: 5 }) },
    );
    expect(app.ok).toBe(false);
    expect(app.error).toBe(ERROR.IO_PENDING);
    expect(app.before).toEqual({ internal: STATUS.SUCCESS, internalHigh: 7 });
    expect(app.signalled).toBe(true);
    expect(app.result).toBe(true);
    expect(app.count).toBe(7);
    expect(app.packet).toEqual({ ok: true, error: 0, bytes: 7, key: KEY, overlapped: app.ov });
  });

  it('IO-7.6, IO-7.9 a synchronous error queues no packet: FALSE, Internal stays STATUS_PENDING, the event stays reset', () => {
    const o = ioctlOnPort({ status: STATUS.INVALID_PARAMETER, information: 3 }, 0);
    expect(o).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER, internal: STATUS.PENDING, internalHigh: 0, signalled: false, packet: noPacket });
  });

  it('IO-7.7, IO-7.9 a pended request that fails still queues its packet: GQCS FALSE with the mapped error and *lpOverlapped = &ov', () => {
    const o = ioctlOnPort({ status: STATUS.CANCELLED, information: 0, pendMs: 5 }, 0);
    expect(o.packet).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED, bytes: 0, key: KEY, overlapped: -1 });
    expect(o.internal).toBe(STATUS.CANCELLED);
    expect(o.signalled).toBe(true);
  });

  it('IO-7.9 with the low bit of hEvent set the request queues no packet, and its event is still set', () => {
    const o = ioctlOnPort({ status: STATUS.SUCCESS, information: 2 }, 0, { eventTag: 1 });
    expect(o).toEqual({ ok: true, error: 0, internal: STATUS.SUCCESS, internalHigh: 2, signalled: true, packet: noPacket });
  });

  it('IO-7.9 FILE_SKIP_COMPLETION_PORT_ON_SUCCESS skips the packet only for NT_SUCCESS statuses of requests that did not pend; IOSB and event as without it', () => {
    const cases: { answer: Answer; packet: boolean }[] = [
      { answer: { status: STATUS.SUCCESS, information: 3 }, packet: false },
      { answer: { status: STATUS.TIMEOUT, information: 3 }, packet: false },
      { answer: { status: 0x4eadbeef, information: 3 }, packet: false },
      { answer: { status: STATUS.BUFFER_OVERFLOW, information: 3 }, packet: true },
      { answer: { status: STATUS.INVALID_PARAMETER, information: 3 }, packet: false },
      { answer: { status: STATUS.SUCCESS, information: 3, pendMs: 2 }, packet: true },
      { answer: { status: STATUS.INVALID_PARAMETER, information: 3, pendMs: 2 }, packet: true },
    ];
    for (const c of cases) {
      const plain = ioctlOnPort(c.answer, 0);
      const skipping = ioctlOnPort(c.answer, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS);
      const label = `status 0x${c.answer.status.toString(16)}${c.answer.pendMs !== undefined ? ' pended' : ''}`;
      expect({ label, internal: skipping.internal, internalHigh: skipping.internalHigh, signalled: skipping.signalled }).toEqual({
        label,
        internal: plain.internal,
        internalHigh: plain.internalHigh,
        signalled: plain.signalled,
      });
      expect({ label, packet: skipping.packet.overlapped === -1 }).toEqual({ label, packet: c.packet });
      // Without the flag every notified request queues one (not a synchronous error).
      expect({ label, packet: plain.packet.overlapped === -1 }).toEqual({ label, packet: c.answer.status !== STATUS.INVALID_PARAMETER || c.answer.pendMs !== undefined });
    }
    const overflow = ioctlOnPort({ status: STATUS.BUFFER_OVERFLOW, information: 3 }, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS);
    expect(overflow.packet).toEqual({ ok: false, error: ERROR.MORE_DATA, bytes: 3, key: KEY, overlapped: -1 });
  });

  it('IO-7.9 legacy (Windows 7): FILE_SKIP_COMPLETION_PORT_ON_SUCCESS also skips a synchronous warning', () => {
    const o = ioctlOnPort({ status: STATUS.BUFFER_OVERFLOW, information: 3 }, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS, { windows: 'legacy' });
    expect(o.packet).toEqual(noPacket);
    expect(o.internal).toBe(STATUS.BUFFER_OVERFLOW);
    const pended = ioctlOnPort({ status: STATUS.SUCCESS, information: 1, pendMs: 2 }, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS, { windows: 'legacy' });
    expect(pended.packet.overlapped).toBe(-1);
  });

  it('IO-7.10 a synchronous STATUS_BUFFER_OVERFLOW completion: GQCS FALSE, ERROR_MORE_DATA, *lpOverlapped = &ov, bytes = Information', () => {
    const o = ioctlOnPort({ status: STATUS.BUFFER_OVERFLOW, information: 3 }, 0);
    expect(o.packet).toEqual({ ok: false, error: ERROR.MORE_DATA, bytes: 3, key: KEY, overlapped: -1 });
    expect({ internal: o.internal, internalHigh: o.internalHigh, signalled: o.signalled }).toEqual({ internal: STATUS.BUFFER_OVERFLOW, internalHigh: 3, signalled: true });
  });

  it('IO-7.9, IO-2.5 ReadFileEx (an APC routine) on a port-bound handle fails with ERROR_INVALID_PARAMETER before the driver is called', () => {
    const { app, log } = runApp(function* (u) {
      const h = yield* openPend(u);
      yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
      let called = 0;
      const ov = newOverlapped(u);
      const ok = yield* u.ReadFileEx(h, u.scratch(16), 16, ov, function* () {
        called++;
      });
      const error = u.GetLastError();
      yield* u.SleepEx(0, true);
      return { ok, error, called };
    });
    expect(app).toEqual({ ok: false, error: ERROR.INVALID_PARAMETER, called: 0 });
    expect(log).toHaveLength(0);
  });
});

describe('associating files with ports', () => {
  it('IO-7.15 the association is read at completion: requests pending when the port is associated post to it; earlier completions and APC requests do not', () => {
    const { app } = runApp(
      function* (u) {
        const h = yield* openPend(u);
        const ovA = newOverlapped(u, 0);
        const ovB = newOverlapped(u, 1);
        const ovC = newOverlapped(u, 2);
        const buffer = u.scratch(64);
        const a = yield* u.ReadFile(h, buffer, 8, 0, ovA);
        const b = yield* u.ReadFile(h, buffer + 16, 8, 0, ovB);
        let calls = 0;
        const c = yield* u.ReadFileEx(h, buffer + 32, 8, ovC, function* () {
          calls++;
        });
        const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
        const out = u.scratch(12);
        const nothingYet = yield* dequeue(u, port, 0, out);
        yield* u.Sleep(20);
        const fromA = yield* dequeue(u, port, 0, out);
        const nothingForC = yield* dequeue(u, port, 0, out);
        const sleep = yield* u.SleepEx(0, true);
        return { a, b, c, port, nothingYet, fromA, ovA, nothingForC, sleep, calls };
      },
      { answer: (r) => (r.offset === 1 ? { status: STATUS.SUCCESS, information: 8 } : { status: STATUS.SUCCESS, information: 4, pendMs: 5 }) },
    );
    expect([app.a, app.b, app.c]).toEqual([false, true, true]);
    expect(app.port).not.toBe(0);
    expect(app.nothingYet).toEqual(noPacket);
    expect(app.fromA).toEqual({ ok: true, error: 0, bytes: 4, key: KEY, overlapped: app.ovA });
    expect(app.nothingForC).toEqual(noPacket);
    expect(app.sleep).toBe(WAIT.IO_COMPLETION);
    expect(app.calls).toBe(1);
  });

  it('IO-7.15 a synchronous handle cannot be associated (NULL, 87), nor can a handle be associated twice', () => {
    const { app } = runApp(function* (u) {
      const sync = yield* openPend(u, false);
      const refused = yield* u.CreateIoCompletionPort(sync, 0, KEY, 0);
      const refusedError = u.GetLastError();
      const h = yield* openPend(u);
      const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
      const again = yield* u.CreateIoCompletionPort(h, port, KEY + 1, 0);
      return { refused, refusedError, port, again, againError: u.GetLastError() };
    });
    expect(app.refused).toBe(0);
    expect(app.refusedError).toBe(ERROR.INVALID_PARAMETER);
    expect(app.port).not.toBe(0);
    expect(app.again).toBe(0);
    expect(app.againError).toBe(ERROR.INVALID_PARAMETER);
  });

  it('IO-7.16 notification modes are sticky and OR-ed; the query returns them with IOSB {0, 4}; a synchronous handle refuses them (87); a short buffer is STATUS_INFO_LENGTH_MISMATCH', () => {
    const { app } = runApp(function* (u) {
      const h = yield* openPend(u);
      const set1 = yield* u.SetFileCompletionNotificationModes(h, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS);
      const set2 = yield* u.SetFileCompletionNotificationModes(h, FILE_SKIP.SET_EVENT_ON_HANDLE);
      const set0 = yield* u.SetFileCompletionNotificationModes(h, 0);
      const info = u.scratch(8);
      const iosb = u.scratch(8);
      const machine = u._io.machine;
      const query = yield* machine.systemCall('NtQueryInformationFile', { handle: h, iosb, info, length: 4, infoClass: FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation });
      const modes = u.readU32(info);
      const queryIosb = [u.readU32(iosb), u.readU32(iosb + 4)];
      const short = yield* machine.systemCall('NtSetInformationFile', { handle: h, iosb, info, length: 3, infoClass: FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation });
      // FILE_SKIP_SET_USER_EVENT_ON_FAST_IO is accepted; unknown bits are ignored.
      const other = yield* openPend(u);
      const set4 = yield* u.SetFileCompletionNotificationModes(other, FILE_SKIP.SET_USER_EVENT_ON_FAST_IO | 0x100);
      yield* machine.systemCall('NtQueryInformationFile', { handle: other, iosb, info, length: 4, infoClass: FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation });
      const otherModes = u.readU32(info);
      const sync = yield* openPend(u, false);
      const refused = yield* u.SetFileCompletionNotificationModes(sync, FILE_SKIP.COMPLETION_PORT_ON_SUCCESS);
      return { set: [set1, set2, set0, set4], query, modes, queryIosb, short, otherModes, refused, error: u.GetLastError() };
    });
    expect(app).toEqual({
      set: [true, true, true, true],
      query: STATUS.SUCCESS,
      modes: 0x3,
      queryIosb: [STATUS.SUCCESS, 4],
      short: STATUS.INFO_LENGTH_MISMATCH,
      otherModes: 0x4,
      refused: false,
      error: ERROR.INVALID_PARAMETER,
    });
  });

  it('IO-7.8, IO-7.16 FILE_SKIP_SET_EVENT_ON_HANDLE: pended reads that succeed leave the file handle unsignalled — also one issued before the flag — and still queue their packets', () => {
    const { app } = runApp(
      function* (u) {
        const h = yield* openPend(u);
        const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
        const ovA = newOverlapped(u, 0);
        const ovB = newOverlapped(u, 1);
        const buffer = u.scratch(32);
        yield* u.ReadFile(h, buffer, 8, 0, ovA);
        const set = yield* u.SetFileCompletionNotificationModes(h, FILE_SKIP.SET_EVENT_ON_HANDLE);
        yield* u.ReadFile(h, buffer + 16, 8, 0, ovB);
        yield* u.Sleep(10);
        const handle = yield* u.WaitForSingleObject(h, 0);
        const out = u.scratch(12);
        const first = yield* dequeue(u, port, 0, out);
        const second = yield* dequeue(u, port, 0, out);
        return { set, handle, packets: [first.overlapped === ovA, second.overlapped === ovB], internals: [u.readU32(ovA), u.readU32(ovB)] };
      },
      { answer: () => ({ status: STATUS.SUCCESS, information: 4, pendMs: 5 }) },
    );
    expect(app).toEqual({ set: true, handle: WAIT.TIMEOUT, packets: [true, true], internals: [STATUS.SUCCESS, STATUS.SUCCESS] });
  });

  it('IO-9.10 a read completed by CLEANUP still posts its packet: after CloseHandle, GQCS FALSE, 995, *lpOverlapped = &ov, Internal = STATUS_CANCELLED', () => {
    const { app } = runApp(
      function* (u) {
        const h = yield* openPend(u);
        const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
        const ov = newOverlapped(u, 0);
        const read = yield* u.ReadFile(h, u.scratch(16), 16, 0, ov);
        const readError = u.GetLastError();
        const closed = yield* u.CloseHandle(h);
        const packet = yield* dequeue(u, port, 0, u.scratch(12));
        return { read, readError, closed, packet, ov, internal: u.readU32(ov) };
      },
      { answer: () => ({ status: STATUS.SUCCESS, untilCleanup: true }) },
    );
    expect(app.read).toBe(false);
    expect(app.readError).toBe(ERROR.IO_PENDING);
    expect(app.closed).toBe(true);
    expect(app.packet).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED, bytes: 0, key: KEY, overlapped: app.ov });
    expect(app.internal).toBe(STATUS.CANCELLED);
  });
});

describe('completions after the handle is closed (IO-9.10)', () => {
  it('IO-9.10 a read that completes after CloseHandle has returned writes its OVERLAPPED and posts its packet; the ReadFileEx one gets its APC', () => {
    const calls: number[] = [];
    const { app } = runApp(
      function* (u) {
        const h = yield* openPend(u);
        const port = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
        const ov = newOverlapped(u, 0);
        yield* u.ReadFile(h, u.scratch(16), 16, 0, ov);
        const other = yield* openPend(u);
        const ovEx = newOverlapped(u, 1);
        yield* u.ReadFileEx(other, u.scratch(16), 16, ovEx, function* (_u, error, bytes) {
          calls.push(error, bytes);
        });
        const closed = [yield* u.CloseHandle(h), yield* u.CloseHandle(other)];
        const early = yield* dequeue(u, port, 0, u.scratch(12));
        yield* u.Sleep(10);
        const internal = u.readU32(ov);
        const packet = yield* dequeue(u, port, 0, u.scratch(12));
        const sleep = yield* u.SleepEx(0, true);
        return { closed, early, internal, packet, ov, sleep };
      },
      { answer: (r) => ({ status: STATUS.SUCCESS, information: 3 + r.offset, pendMs: 5 }) },
    );
    expect(app.closed).toEqual([true, true]);
    expect(app.early).toEqual(noPacket);
    expect(app.internal).toBe(STATUS.SUCCESS);
    expect(app.packet).toEqual({ ok: true, error: 0, bytes: 3, key: KEY, overlapped: app.ov });
    expect(app.sleep).toBe(WAIT.IO_COMPLETION);
    expect(calls).toEqual([ERROR.SUCCESS, 4]);
  });
});

describe('64 outstanding overlapped reads on one port', () => {
  /** Read i completes after 1 + (37·i mod 64) ms with 1 + (i mod 16) bytes: out of issue order. */
  const answer = (r: Request): Answer => ({ status: STATUS.SUCCESS, information: 1 + (r.offset % 16), pendMs: 1 + ((37 * r.offset) % 64) });

  for (const seed of [0, 1, 2]) {
    it(`IO-7.9, IO-7.17 every packet is dequeued exactly once with its key, OVERLAPPED and byte count, in completion order (${seed === 0 ? 'first-come' : `seed ${seed}`})`, () => {
      let port = 0;
      let h = 0;
      const overlapped = new Map<number, number>();
      const buffers = new Map<number, number>();
      const got: { worker: string; key: number; index: number; bytes: number; data: number[] }[] = [];
      const STOP = 0x5709;
      const worker = (name: string) =>
        function* (u: Win32): Routine<void> {
          while (port === 0) yield* u.Sleep(1);
          const out = u.scratch(12);
          for (;;) {
            const d = yield* dequeue(u, port, INFINITE_MS, out);
            if (d.key === STOP) return;
            const index = overlapped.get(d.overlapped) ?? -1;
            const data = index >= 0 ? [...u.read(buffers.get(index)!, d.bytes)] : [];
            got.push({ worker: name, key: d.key, index, bytes: d.ok ? d.bytes : -1, data });
          }
        };
      const booted = run({
        answer,
        ...(seed !== 0 ? { strategy: seededRandom(seed) } : {}),
        threads: [
          {
            name: 'issuer',
            *body(u) {
              h = yield* openPend(u);
              const p = yield* u.CreateIoCompletionPort(h, 0, KEY, 0);
              const results: boolean[] = [];
              for (let i = 0; i < 64; i++) {
                const ov = newOverlapped(u, i);
                const buffer = u.scratch(16);
                overlapped.set(ov, i);
                buffers.set(i, buffer);
                results.push(yield* u.ReadFile(h, buffer, 16, 0, ov));
                if (u.GetLastError() !== ERROR.IO_PENDING) throw new Error(`read ${i}: ${u.GetLastError()}`);
              }
              port = p;
              yield* u.Sleep(100);
              yield* u.PostQueuedCompletionStatus(port, 0, STOP, 0);
              yield* u.PostQueuedCompletionStatus(port, 0, STOP, 0);
              return results;
            },
          },
          { name: 'worker1', body: worker('worker1') },
          { name: 'worker2', body: worker('worker2') },
        ],
      });
      expect(booted.result.outcome).toBe('completed');
      expect(booted.results['issuer']).toEqual(new Array(64).fill(false));
      expect(got).toHaveLength(64);
      expect(new Set(got.map((g) => g.index)).size).toBe(64);
      for (const g of got) {
        expect(g.key).toBe(KEY);
        expect(g.index).toBeGreaterThanOrEqual(0);
        expect(g.bytes).toBe(1 + (g.index % 16));
        expect(g.data).toEqual(new Array(g.bytes).fill(g.index & 0xff));
      }
      // Dequeued in completion order, which is not the issue order.
      const order = got.map((g) => g.index);
      expect(order).toEqual([...order].sort((a, b) => (37 * a) % 64 - (37 * b) % 64));
      expect(order).not.toEqual([...order].sort((a, b) => a - b));
    });
  }
});

describe('completion APCs of one thread are delivered in order (IO-5.19)', () => {
  it('IO-5.19, IO-9.10 two reads of one thread that another thread cancels by CloseHandle post their packets in completion order, under every schedule', () => {
    for (let seed = 1; seed <= 40; seed++) {
      // `b` issues the reads and waits; `a` closes the handle: CLEANUP completes both in `a`'s context.
      const shared = { handle: 0, port: 0, ovs: [] as number[], issued: false };
      const booted = run({
        strategy: seededRandom(seed),
        answer: () => ({ status: STATUS.SUCCESS, untilCleanup: true }),
        threads: [
          {
            name: 'b',
            body: function* (u) {
              shared.handle = yield* openPend(u);
              shared.port = yield* u.CreateIoCompletionPort(shared.handle, 0, KEY, 0);
              for (let i = 0; i < 2; i++) {
                const ov = newOverlapped(u, i);
                shared.ovs.push(ov);
                yield* u.ReadFile(shared.handle, u.scratch(16), 16, 0, ov);
              }
              shared.issued = true;
              yield* u.Sleep(50);
              const out = u.scratch(12);
              return [(yield* dequeue(u, shared.port, 0, out)).overlapped, (yield* dequeue(u, shared.port, 0, out)).overlapped];
            },
          },
          {
            name: 'a',
            body: function* (u) {
              while (!shared.issued) yield* u.Sleep(1);
              return yield* u.CloseHandle(shared.handle);
            },
          },
        ],
      });
      expect(booted.result.outcome).toBe('completed');
      expect({ seed, closed: booted.results['a'], packets: booted.results['b'] }).toEqual({ seed, closed: true, packets: shared.ovs });
    }
  });
});
