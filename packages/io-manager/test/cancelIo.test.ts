import { IRQL, STATUS, seededRandom } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANCEL_IO_POLL_NS, ERROR, OVERLAPPED, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { IOCTL, cancelDriver, ms, newLog, open, pendIoctl, runApp } from './__helpers__/cancelDriver.ts';

// Who cancels (IO-6.5, IO-6.6): CancelIo, CancelIoEx, CancelSynchronousIo and thread exit.

describe('IO-6.5 who triggers cancellation', () => {
  it('IO-6.5 CancelIoEx with nothing outstanding fails with ERROR_NOT_FOUND (1168); CancelIo on the same handle succeeds', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      const ex = yield* u.CancelIoEx(h, 0);
      const exError = u.GetLastError();
      const io = yield* u.CancelIo(h);
      const bad = yield* u.CancelIoEx(0x1234, 0);
      return { ex, exError, io, bad, badError: u.GetLastError() };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ ex: false, exError: ERROR.NOT_FOUND, io: true, bad: false, badError: ERROR.INVALID_HANDLE });
    expect(log.cancels).toEqual([]);
  });

  it('IO-6.5 the NT services: NtCancelIoFile gives STATUS_SUCCESS and IOSB {0, 0}; NtCancelSynchronousIoFile with nothing to cancel STATUS_NOT_FOUND and IOSB {STATUS_NOT_FOUND, 0}; a bad thread handle STATUS_INVALID_HANDLE', () => {
    const { result, results } = runApp({ Cancel: cancelDriver(newLog()) }, function* (u) {
      const h = yield* open(u, true);
      const iosb = u.scratch(8);
      const read = () => [u.readU32(iosb), u.readU32(iosb + 4)];
      const fill = () => (u.writeU32(iosb, 0xffffffff), u.writeU32(iosb + 4, 0xffffffff));
      const machine = u._io.machine;
      fill();
      const cancelIo = yield* machine.systemCall('NtCancelIoFile', { handle: h, iosb });
      const cancelIoIosb = read();
      fill();
      const sync = yield* machine.systemCall('NtCancelSynchronousIoFile', { thread: u.GetCurrentThread(), request: 0, iosb });
      const syncIosb = read();
      const bad = yield* machine.systemCall('NtCancelSynchronousIoFile', { thread: 0x1234, request: 0, iosb });
      return { cancelIo, cancelIoIosb, sync, syncIosb, bad };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({
      cancelIo: STATUS.SUCCESS,
      cancelIoIosb: [0, 0],
      sync: STATUS.NOT_FOUND,
      syncIosb: [STATUS.NOT_FOUND, 0],
      bad: STATUS.INVALID_HANDLE,
    });
  });

  it('IO-6.5 CancelIo cancels the calling thread\'s requests through any handle to the file object and returns after they completed; CancelIoEx(h, &ov1) cancels only that one', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      const dup = yield* u.DuplicateHandle(h, 0);
      const ov1 = yield* pendIoctl(u, h);
      const ov2 = yield* pendIoctl(u, dup);
      const all = yield* u.CancelIo(h);
      // Read straight after CancelIo returned: both have completed.
      const afterCancelIo = [u.readU32(ov1 + OVERLAPPED.Internal), u.readU32(ov2 + OVERLAPPED.Internal)];
      const cancelsAfterCancelIo = log.cancels.length;
      const ov3 = yield* pendIoctl(u, h);
      const ov4 = yield* pendIoctl(u, h);
      const one = yield* u.CancelIoEx(h, ov3);
      const afterCancelIoEx = [u.readU32(ov3 + OVERLAPPED.Internal), u.readU32(ov4 + OVERLAPPED.Internal)];
      yield* u.CancelIoEx(h, 0);
      return { all, afterCancelIo, cancelsAfterCancelIo, one, afterCancelIoEx };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({
      all: true,
      afterCancelIo: [STATUS.CANCELLED, STATUS.CANCELLED],
      cancelsAfterCancelIo: 2,
      one: true,
      afterCancelIoEx: [STATUS.CANCELLED, STATUS.PENDING],
    });
    // Every cancelled IRP completed exactly once, with STATUS_CANCELLED.
    expect(log.completions.map((c) => c.status)).toEqual([STATUS.CANCELLED, STATUS.CANCELLED, STATUS.CANCELLED, STATUS.CANCELLED]);
    expect(new Set(log.completions.map((c) => c.irp)).size).toBe(4);
  });

  it('IO-6.5 CancelIo matches only the calling thread\'s requests; CancelIoEx those of every thread of the process', () => {
    const log = newLog();
    const shared: { h: number; ov: number } = { h: 0, ov: 0 };
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      shared.h = yield* open(u, true);
      const other = yield* u.CreateThread('issuer', function* (v) {
        shared.ov = yield* pendIoctl(v, shared.h);
      });
      yield* u.WaitForSingleObject(other, 0xffffffff);
      // The issuing thread has exited: its IRP was cancelled at its exit (IO-6.5 thread exit).
      const afterExit = u.readU32(shared.ov + OVERLAPPED.Internal);
      const worker = yield* u.CreateThread('worker', function* (v) {
        shared.ov = yield* pendIoctl(v, shared.h);
        yield* v.Sleep(1000);
      });
      yield* u.Sleep(10);
      const mine = yield* u.CancelIo(shared.h);
      const afterCancelIo = u.readU32(shared.ov + OVERLAPPED.Internal);
      const any = yield* u.CancelIoEx(shared.h, 0);
      const afterCancelIoEx = u.readU32(shared.ov + OVERLAPPED.Internal);
      yield* u.WaitForSingleObject(worker, 0xffffffff);
      return { afterExit, mine, afterCancelIo, any, afterCancelIoEx };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ afterExit: STATUS.CANCELLED, mine: true, afterCancelIo: STATUS.PENDING, any: true, afterCancelIoEx: STATUS.CANCELLED });
  });

  it('IO-6.5, IO-6.6 a request without a cancel routine: CancelIoEx returns TRUE at once, CancelIo waits until the driver completes it (500 ms), and it succeeds', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log, { completeAfterMs: 500 }) }, function* (u) {
      const h = yield* open(u, true);
      const ov = yield* pendIoctl(u, h, IOCTL.PEND_NO_ROUTINE);
      const t0 = ms(u);
      const ex = yield* u.CancelIoEx(h, 0);
      const exTook = ms(u) - t0;
      const io = yield* u.CancelIo(h);
      const ioReturnedAt = ms(u);
      const count = u.scratch(4);
      const got = yield* u.GetOverlappedResult(h, ov, count, false);
      return { ex, exTook, io, ioReturnedAt, got, internal: u.readU32(ov + OVERLAPPED.Internal) };
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as { ex: boolean; exTook: number; io: boolean; ioReturnedAt: number; got: boolean; internal: number };
    expect(app.ex).toBe(true);
    expect(app.exTook).toBeLessThan(0.1);
    expect(app.io).toBe(true);
    expect(app.ioReturnedAt).toBeGreaterThanOrEqual(500);
    expect(app.ioReturnedAt).toBeLessThan(500 + CANCEL_IO_POLL_NS / 1e6); // the first 100-ms poll after the completion
    // IO-6.6: cancellation was only a request; the driver completed it normally.
    expect(app).toMatchObject({ got: true, internal: STATUS.SUCCESS });
    expect(log.completions).toEqual([{ irp: expect.any(Number), status: STATUS.SUCCESS, by: 'timer' }]);
  });

  it('IO-6.6 a driver that ignores cancellation completes with success after CancelIoEx: TRUE from CancelIoEx, success and a completion packet for the caller', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log, { completeAfterMs: 100 }) }, function* (u) {
      const h = yield* open(u, true);
      const port = yield* u.CreateIoCompletionPort(h, 0, 0x77, 1);
      const ov = yield* pendIoctl(u, h, IOCTL.PEND_NO_ROUTINE);
      const cancelled = yield* u.CancelIoEx(h, ov);
      const [bytes, key, overlapped] = [u.scratch(4), u.scratch(4), u.scratch(4)];
      const dequeued = yield* u.GetQueuedCompletionStatus(port, bytes, key, overlapped, 0xffffffff);
      return { cancelled, dequeued, key: u.readU32(key), packetFor: u.readU32(overlapped) === ov, internal: u.readU32(ov + OVERLAPPED.Internal), at: ms(u) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toMatchObject({ cancelled: true, dequeued: true, key: 0x77, packetFor: true, internal: STATUS.SUCCESS });
    expect((results['app'] as { at: number }).at).toBeGreaterThanOrEqual(100);
    expect(log.completions).toEqual([{ irp: expect.any(Number), status: STATUS.SUCCESS, by: 'timer' }]);
  });

  it('IO-6.5 CancelSynchronousIo cancels the request a thread is blocked in (its cancel routine runs in that thread); with only overlapped I/O it fails with 1168', () => {
    const log = newLog();
    const shared = { tid: 0, ov: 0, blocked: null as unknown };
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const blocked = yield* u.CreateThread('blocked', function* (v) {
        shared.tid = v.thread.id;
        const h = yield* open(v, false);
        const ok = yield* v.DeviceIoControl(h, IOCTL.PEND, 0, 0, 0, 0, v.scratch(4));
        shared.blocked = { ok, error: v.GetLastError() };
      });
      yield* u.Sleep(10);
      // THREAD_TERMINATE is needed: a handle with SYNCHRONIZE only is refused.
      const weak = yield* u.DuplicateHandle(blocked, 0x00100000, 0);
      const refused = yield* u.CancelSynchronousIo(weak);
      const refusedError = u.GetLastError();
      const cancelled = yield* u.CancelSynchronousIo(blocked);
      yield* u.WaitForSingleObject(blocked, 0xffffffff);
      const again = yield* u.CancelSynchronousIo(blocked);
      const againError = u.GetLastError();
      const overlappedOnly = yield* u.CreateThread('overlapped', function* (v) {
        const h = yield* open(v, true);
        shared.ov = yield* pendIoctl(v, h);
        yield* v.Sleep(50);
        const still = v.readU32(shared.ov + OVERLAPPED.Internal);
        yield* v.CancelIo(h);
        return still;
      });
      yield* u.Sleep(10);
      const none = yield* u.CancelSynchronousIo(overlappedOnly);
      const noneError = u.GetLastError();
      yield* u.WaitForSingleObject(overlappedOnly, 0xffffffff);
      return { refused, refusedError, cancelled, again, againError, none, noneError };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ refused: false, refusedError: ERROR.ACCESS_DENIED, cancelled: true, again: false, againError: ERROR.NOT_FOUND, none: false, noneError: ERROR.NOT_FOUND });
    expect(shared.blocked).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED });
    expect(log.cancels[0]).toMatchObject({ tid: shared.tid, irql: IRQL.DISPATCH });
    expect(log.cancels).toHaveLength(2); // the blocked request, then the overlapped one by its own CancelIo
    expect(log.completions.map((c) => c.status)).toEqual([STATUS.CANCELLED, STATUS.CANCELLED]);
  });
});

describe('IO-6.5 thread exit cancels the thread\'s IRPs', () => {
  it('IO-6.5 a thread that exits with an overlapped read pending: its exit runs the cancel routine (in that thread) and the read completes once with STATUS_CANCELLED', () => {
    const log = newLog();
    const shared = { tid: 0, ov: 0, event: 0 };
    const { result, results, events } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      shared.event = yield* u.CreateEvent(true, false);
      const reader = yield* u.CreateThread('reader', function* (v) {
        shared.tid = v.thread.id;
        shared.ov = v.scratch(OVERLAPPED.size);
        v.writeU32(shared.ov + OVERLAPPED.hEvent, shared.event);
        yield* v.ReadFile(h, v.scratch(16), 16, 0, shared.ov);
        // returns: the thread exits with the read outstanding
      });
      yield* u.WaitForSingleObject(reader, 0xffffffff);
      const signalled = yield* u.WaitForSingleObject(shared.event, 0);
      const count = u.scratch(4);
      const got = yield* u.GetOverlappedResult(h, shared.ov, count, false);
      return { signalled, got, error: u.GetLastError(), internal: u.readU32(shared.ov + OVERLAPPED.Internal) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ signalled: 0, got: false, error: ERROR.OPERATION_ABORTED, internal: STATUS.CANCELLED });
    expect(log.cancels).toHaveLength(1);
    expect(log.cancels[0]!.tid).toBe(shared.tid);
    expect(log.completions).toEqual([{ irp: log.cancels[0]!.irp, status: STATUS.CANCELLED, by: 'cancel routine' }]);
    // The cancel came from the exiting thread, before its exit.
    const request = events.findIndex((e) => e.type === 'io.cancel.request' && e.api === 'IoCancelThreadIo');
    const exit = events.findIndex((e) => e.type === 'thread.exit' && e.tid === shared.tid);
    expect(request).toBeGreaterThanOrEqual(0);
    expect(request).toBeLessThan(exit);
  });

  it('IO-6.5 TerminateThread on a thread waiting with two reads pending: both are cancelled at its exit, each completes once with STATUS_CANCELLED', () => {
    const log = newLog();
    const shared = { ovs: [] as number[] };
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      const victim = yield* u.CreateThread('victim', function* (v) {
        for (let i = 0; i < 2; i++) {
          const ov = v.scratch(OVERLAPPED.size);
          shared.ovs.push(ov);
          yield* v.ReadFile(h, v.scratch(16), 16, 0, ov);
        }
        yield* v.Sleep(0xffffffff);
      });
      yield* u.Sleep(10);
      const terminated = yield* u.TerminateThread(victim, 7);
      yield* u.WaitForSingleObject(victim, 0xffffffff);
      return { terminated, statuses: shared.ovs.map((ov) => u.readU32(ov + OVERLAPPED.Internal)) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ terminated: true, statuses: [STATUS.CANCELLED, STATUS.CANCELLED] });
    expect(log.completions.map((c) => [c.status, c.by])).toEqual([
      [STATUS.CANCELLED, 'cancel routine'],
      [STATUS.CANCELLED, 'cancel routine'],
    ]);
    expect(new Set(log.completions.map((c) => c.irp)).size).toBe(2);
  });

  it('IO-6.5 thread exit waits, in 100-ms rounds, for a request without a cancel routine that the driver completes at 250 ms', () => {
    const log = newLog();
    const shared = { tid: 0, ov: 0 };
    const { result, events } = runApp({ Cancel: cancelDriver(log, { completeAfterMs: 250 }) }, function* (u) {
      const h = yield* open(u, true);
      const worker = yield* u.CreateThread('worker', function* (v) {
        shared.tid = v.thread.id;
        shared.ov = yield* pendIoctl(v, h, IOCTL.PEND_NO_ROUTINE);
      });
      yield* u.WaitForSingleObject(worker, 0xffffffff);
      return u.readU32(shared.ov + OVERLAPPED.Internal);
    });
    expect(result.outcome).toBe('completed');
    const exit = events.find((e) => e.type === 'thread.exit' && e.tid === shared.tid)!;
    const finish = events.find((e) => e.type === 'io.irp.finish' && e.tid === shared.tid)!;
    expect(finish.t / 1e6).toBeGreaterThanOrEqual(250);
    // The first 100-ms round after the completion: exit at about 300 ms.
    expect(exit.t / 1e6).toBeGreaterThanOrEqual(300);
    expect(exit.t / 1e6).toBeLessThan(301);
    expect(log.completions.map((c) => c.status)).toEqual([STATUS.SUCCESS]);
  });

  it('IO-6.5 a cancelled IRP not completed within 5 minutes is disassociated from the exiting thread and later freed without notification', () => {
    const log = newLog();
    const shared = { ov: 0 };
    const { result, results, events, io } = runApp({ Cancel: cancelDriver(log, { completeAfterMs: 400_000 }) }, function* (u) {
      const h = yield* open(u, true);
      const worker = yield* u.CreateThread('worker', function* (v) {
        shared.ov = yield* pendIoctl(v, h, IOCTL.PEND_NO_ROUTINE);
      });
      yield* u.WaitForSingleObject(worker, 0xffffffff);
      const exitedAt = ms(u);
      yield* u.Sleep(200_000); // past the driver's completion at 400 s
      return { exitedAt, internal: u.readU32(shared.ov + OVERLAPPED.Internal) };
    });
    expect(result.outcome).toBe('completed');
    const app = results['app'] as { exitedAt: number; internal: number };
    expect(app.exitedAt).toBeGreaterThanOrEqual(300_000);
    expect(app.exitedAt).toBeLessThan(300_200);
    // Completed at 400 s, but its thread was gone: no IOSB write, no event.
    expect(app.internal).toBe(STATUS.PENDING);
    expect(events.some((e) => e.type === 'io.irp.disassociate')).toBe(true);
    expect(log.completions.map((c) => c.status)).toEqual([STATUS.SUCCESS]);
    const irp = log.completions[0]!.irp;
    expect(events.some((e) => e.type === 'io.irp.disassociate' && e.irp === irp)).toBe(true);
    expect(events.some((e) => e.type === 'io.irp.finish' && e.irp === irp)).toBe(false);
    expect(events.some((e) => e.type === 'io.irp.free' && e.irp === irp)).toBe(true);
    expect(io.irps.size).toBe(0);
    // The IRP's file-object reference went with it: CLOSE came after the completion at 400 s.
    const close = log.events.find((e) => e.startsWith('CLOSE'))!;
    expect(Number(close.split(' ')[2])).toBeGreaterThanOrEqual(400_000);
  });
});

describe('cancellation under random programs', () => {
  type Op = { kind: 'pend' | 'pend-no-routine' | 'read' | 'cancel-io' | 'cancel-io-ex' | 'close' } | { kind: 'cancel-one'; pick: number } | { kind: 'sleep'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constantFrom<Op>({ kind: 'pend' }, { kind: 'pend-no-routine' }, { kind: 'read' }, { kind: 'cancel-io' }, { kind: 'cancel-io-ex' }, { kind: 'close' }),
    fc.nat(20).map<Op>((pick) => ({ kind: 'cancel-one', pick })),
    fc.integer({ min: 0, max: 5 }).map<Op>((ms) => ({ kind: 'sleep', ms })),
  );

  it('IO-6.5, IO-6.6, IO-9.6 two threads issue, cancel and close at random: every request completes exactly once, its OVERLAPPED holds the status the driver chose, CLOSE comes last', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.array(op, { maxLength: 12 }), fc.nat(1000), (first, second, seed) => {
        const log = newLog();
        const shared = { h: 0, ovs: [] as number[] };
        const program = (ops: Op[]) =>
          function* (u: Win32) {
            for (const o of ops) {
              if (o.kind === 'sleep') yield* u.Sleep(o.ms);
              else if (o.kind === 'cancel-io') yield* u.CancelIo(shared.h);
              else if (o.kind === 'cancel-io-ex') yield* u.CancelIoEx(shared.h, 0);
              else if (o.kind === 'cancel-one') yield* u.CancelIoEx(shared.h, shared.ovs[o.pick % Math.max(1, shared.ovs.length)] ?? 0);
              else if (o.kind === 'close') yield* u.CloseHandle(shared.h);
              else {
                const ov = u.scratch(OVERLAPPED.size);
                const ok =
                  o.kind === 'read'
                    ? yield* u.ReadFile(shared.h, u.scratch(8), 8, 0, ov)
                    : yield* u.DeviceIoControl(shared.h, o.kind === 'pend' ? IOCTL.PEND : IOCTL.PEND_NO_ROUTINE, 0, 0, 0, 0, 0, ov);
                if (!ok && u.GetLastError() === ERROR.IO_PENDING) shared.ovs.push(ov);
              }
            }
          };
        const { result, io, machine } = boot({
          strategy: seededRandom(seed),
          drivers: { Cancel: cancelDriver(log, { completeAfterMs: 3 }) },
          threads: [
            {
              name: 'one',
              process: 'app',
              *body(u) {
                shared.h = yield* open(u, true);
                const other = yield* u.CreateThread('two', program(second));
                yield* program(first)(u);
                yield* u.WaitForSingleObject(other, 0xffffffff);
              },
            },
          ],
        });
        // Read once every thread has exited (and its requests were cancelled at its exit).
        const space = machine.processes.find((p) => p.name === 'app')!.space;
        const statuses = shared.ovs.map((ov) => machine.memory.readU32(space, ov + OVERLAPPED.Internal, 'kernel'));
        expect(result.outcome).toBe('completed');
        expect(result.violations).toEqual([]);
        // Exactly one completion per request, and what each caller sees is what its driver chose.
        expect(new Set(log.completions.map((c) => c.irp)).size).toBe(log.completions.length);
        expect(log.completions).toHaveLength(shared.ovs.length);
        const byDriver = log.completions.map((c) => c.status).sort();
        expect(statuses.slice().sort()).toEqual(byDriver);
        expect(io.irps.size).toBe(0);
        expect(log.events.filter((e) => e.startsWith('CLOSE'))).toHaveLength(1);
        expect(log.events[log.events.length - 1]!.startsWith('CLOSE')).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
