import { STATUS } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { IRP_MJ, OVERLAPPED } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { IOCTL, cancelDriver, ms, newLog, open, runApp } from './__helpers__/cancelDriver.ts';

// CloseHandle does not cancel (IO-9.6); closing a synchronous file object waits (IO-9.11).

describe('CloseHandle and cancellation (IO-9.6, IO-9.11)', () => {
  it('IO-9.6 CloseHandle with a read pending: CLEANUP comes at once and the driver cancels the read (995, event set); CLOSE only after it completed', () => {
    const log = newLog();
    const { result, results, events } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      const event = yield* u.CreateEvent(true, false);
      const ov = u.scratch(OVERLAPPED.size);
      u.writeU32(ov + OVERLAPPED.hEvent, event);
      yield* u.ReadFile(h, u.scratch(16), 16, 0, ov);
      const closed = yield* u.CloseHandle(h);
      const signalled = yield* u.WaitForSingleObject(event, 0);
      return { closed, signalled, internal: u.readU32(ov + OVERLAPPED.Internal), information: u.readU32(ov + OVERLAPPED.InternalHigh) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ closed: true, signalled: 0, internal: STATUS.CANCELLED, information: 0 });
    // CloseHandle itself cancelled nothing: the driver's CLEANUP did.
    expect(events.some((e) => e.type === 'io.irp.cancel')).toBe(false);
    expect(log.completions).toEqual([{ irp: expect.any(Number), status: STATUS.CANCELLED, by: 'cleanup' }]);
    const order = events
      .filter((e) => (e.type === 'io.irp.call' && (e.major === IRP_MJ.CLEANUP || e.major === IRP_MJ.CLOSE)) || (e.type === 'io.irp.finish' && e.irp === log.completions[0]!.irp))
      .map((e) => (e.type === 'io.irp.call' ? (e.major === IRP_MJ.CLEANUP ? 'CLEANUP' : 'CLOSE') : 'read finished'));
    expect(order).toEqual(['CLEANUP', 'read finished', 'CLOSE']);
  });

  it('IO-9.6 a driver that ignores CLEANUP: the read stays pending and CLOSE never comes', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log, { cleanup: 'ignore' }) }, function* (u) {
      const h = yield* open(u, true);
      const ov = u.scratch(OVERLAPPED.size);
      yield* u.ReadFile(h, u.scratch(16), 16, 0, ov);
      yield* u.CloseHandle(h);
      yield* u.Sleep(1000);
      return { internal: u.readU32(ov + OVERLAPPED.Internal), cleanups: log.events.filter((e) => e.startsWith('CLEANUP')).length, closed: log.events.some((e) => e.startsWith('CLOSE')) };
    });
    // A second later: CLEANUP came, the read is still pending, no CLOSE.
    expect(results['app']).toEqual({ internal: STATUS.PENDING, cleanups: 1, closed: false });
    // When the thread exits, its read is cancelled (IO-6.5): the cancel routine completes it and CLOSE follows.
    expect(result.outcome).toBe('completed');
    expect(log.completions).toEqual([{ irp: expect.any(Number), status: STATUS.CANCELLED, by: 'cancel routine' }]);
  });

  it('IO-9.11 closing a synchronous file object from another thread waits for the call in progress: CLEANUP after its IRP completed', () => {
    const log = newLog();
    const shared = { h: 0, callReturnedAt: 0, closeReturnedAt: 0 };
    const { result, events } = boot({
      drivers: { Cancel: cancelDriver(log, { completeAfterMs: 500 }) },
      threads: [
        {
          name: 'A',
          process: 'app',
          *body(u) {
            shared.h = yield* open(u, false);
            const ok = yield* u.DeviceIoControl(shared.h, IOCTL.PEND_NO_ROUTINE, 0, 0, 0, 0, u.scratch(4));
            shared.callReturnedAt = ms(u);
            return ok;
          },
        },
        {
          name: 'B',
          process: 'app',
          *body(u) {
            yield* u.Sleep(100);
            yield* u.CloseHandle(shared.h);
            shared.closeReturnedAt = ms(u);
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(shared.callReturnedAt).toBeGreaterThanOrEqual(500);
    expect(shared.closeReturnedAt).toBeGreaterThanOrEqual(shared.callReturnedAt);
    const ioctl = log.completions[0]!.irp;
    const finished = events.findIndex((e) => e.type === 'io.irp.finish' && e.irp === ioctl);
    const cleanup = events.findIndex((e) => e.type === 'io.irp.call' && e.major === IRP_MJ.CLEANUP);
    expect(finished).toBeGreaterThanOrEqual(0);
    expect(cleanup).toBeGreaterThan(finished);
  });
});
