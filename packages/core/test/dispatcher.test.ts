import { describe, expect, it } from 'vitest';
import { STATUS, type Machine, type Thread } from '../src/index.ts';
import { out, runThreads } from './__helpers__/machine.ts';

const MS = 1_000_000;

function* createEvent(m: Machine, t: Thread, p: number, type: 'notification' | 'synchronization', name: string | null = null, initialState = false) {
  const status = yield* m.systemCall('NtCreateEvent', { handleOut: p, access: 0x1f0003, name, eventType: type, initialState });
  return { status, handle: out(m, t, p) };
}

describe('events (verifier-and-objects.md C10, C12; io-semantics.md IO-10.3)', () => {
  for (const [type, woken] of [['notification', 2], ['synchronization', 1]] as const) {
    it(`VO-C10 IO-10.3 a ${type} event set once releases ${woken} of two waiters`, () => {
      const log: string[] = [];
      const { result } = runThreads(
        ['a', 'b'].map((name) => ({
          name,
          process: 'p',
          *body(m: Machine, t: Thread, scratch: (n: number) => number) {
            const h = (yield* createEvent(m, t, scratch(4), type, '\\BaseNamedObjects\\E')).handle;
            const status = yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 10 * MS });
            log.push(`${name}:${status === STATUS.TIMEOUT ? 'timeout' : 'woken'}`);
          },
        })).concat({
          name: 'setter',
          process: 'p',
          *body(m, t, scratch) {
            yield* m.systemCall('NtDelayExecution', { alertable: false, intervalNs: MS });
            const h = (yield* createEvent(m, t, scratch(4), type, '\\BaseNamedObjects\\E')).handle;
            const prev = scratch(4);
            yield* m.systemCall('NtSetEvent', { handle: h, previousStateOut: prev });
            log.push(`set:prev=${out(m, t, prev)}`);
          },
        }),
      );
      expect(result.outcome).toBe('completed');
      expect(log.filter((l) => l.endsWith('woken'))).toHaveLength(woken);
      expect(log).toContain('set:prev=0');
    });
  }

  it('VO-C12 KeSetEvent returns the previous state: non-zero when it was already signalled', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const h = (yield* createEvent(m, t, scratch(4), 'synchronization')).handle;
          const prev = scratch(4);
          yield* m.systemCall('NtSetEvent', { handle: h, previousStateOut: prev });
          const first = out(m, t, prev);
          yield* m.systemCall('NtSetEvent', { handle: h, previousStateOut: prev });
          return [first, out(m, t, prev)];
        },
      },
    ]);
    expect(results['a']).toEqual([0, 1]);
  });

  it('C8 a named object that exists is opened (STATUS_OBJECT_NAME_EXISTS); a name of another type fails', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const first = yield* createEvent(m, t, scratch(4), 'notification', '\\BaseNamedObjects\\X');
          const second = yield* createEvent(m, t, scratch(4), 'notification', '\\BaseNamedObjects\\X');
          const semaphore = yield* m.systemCall('NtCreateSemaphore', { handleOut: scratch(4), access: 0x1f0003, name: '\\BaseNamedObjects\\X', initialCount: 0, maximumCount: 1 });
          return [first.status, second.status, semaphore, first.handle !== second.handle];
        },
      },
    ]);
    expect(results['a']).toEqual([STATUS.SUCCESS, STATUS.OBJECT_NAME_EXISTS, STATUS.OBJECT_TYPE_MISMATCH, true]);
  });
});

describe('waits (verifier-and-objects.md C13)', () => {
  it('VO-C13 a zero timeout tests and returns STATUS_TIMEOUT; a relative timeout expires at its time', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const h = (yield* createEvent(m, t, scratch(4), 'notification')).handle;
          const poll = yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 0 });
          const before = m.now;
          const timed = yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 5 * MS });
          return [poll, timed, m.now - before >= 5 * MS];
        },
      },
    ]);
    expect(results['a']).toEqual([STATUS.TIMEOUT, STATUS.TIMEOUT, true]);
  });

  it('VO-C13 wait-any returns STATUS_WAIT_0 + the index of the signalled object; wait-all needs all', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const e1 = (yield* createEvent(m, t, scratch(4), 'notification')).handle;
          const e2 = (yield* createEvent(m, t, scratch(4), 'notification', null, true)).handle;
          const array = scratch(8);
          m.memory.writeU32(t.process.space, array, e1, 'user');
          m.memory.writeU32(t.process.space, array + 4, e2, 'user');
          const any = yield* m.systemCall('NtWaitForMultipleObjects', { count: 2, handles: array, waitAll: false, alertable: false, timeoutNs: 0 });
          const all = yield* m.systemCall('NtWaitForMultipleObjects', { count: 2, handles: array, waitAll: true, alertable: false, timeoutNs: 0 });
          yield* m.systemCall('NtSetEvent', { handle: e1, previousStateOut: 0 });
          const both = yield* m.systemCall('NtWaitForMultipleObjects', { count: 2, handles: array, waitAll: true, alertable: false, timeoutNs: 0 });
          return [any, all, both];
        },
      },
    ]);
    expect(results['a']).toEqual([STATUS.WAIT_1, STATUS.TIMEOUT, STATUS.WAIT_0]);
  });

  it('waiting on a handle needs SYNCHRONIZE access, and on a waitable object', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const p = scratch(4);
          yield* m.systemCall('NtCreateEvent', { handleOut: p, access: 0x0002, name: null, eventType: 'notification', initialState: true });
          const noSync = yield* m.systemCall('NtWaitForSingleObject', { handle: out(m, t, p), alertable: false, timeoutNs: 0 });
          const bad = yield* m.systemCall('NtWaitForSingleObject', { handle: 0x1234, alertable: false, timeoutNs: 0 });
          return [noSync, bad];
        },
      },
    ]);
    expect(results['a']).toEqual([STATUS.ACCESS_DENIED, STATUS.INVALID_HANDLE]);
  });
});

describe('semaphores and mutexes', () => {
  it('a semaphore counts: each wait takes one, release adds, past the maximum fails', () => {
    const { results } = runThreads([
      {
        name: 'a',
        *body(m, t, scratch) {
          const p = scratch(4);
          yield* m.systemCall('NtCreateSemaphore', { handleOut: p, access: 0x1f0003, name: null, initialCount: 1, maximumCount: 2 });
          const h = out(m, t, p);
          const w1 = yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 0 });
          const w2 = yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 0 });
          const prev = scratch(4);
          const r1 = yield* m.systemCall('NtReleaseSemaphore', { handle: h, releaseCount: 2, previousCountOut: prev });
          const r2 = yield* m.systemCall('NtReleaseSemaphore', { handle: h, releaseCount: 1, previousCountOut: 0 });
          return [w1, w2, r1, out(m, t, prev), r2];
        },
      },
    ]);
    expect(results['a']).toEqual([STATUS.WAIT_0, STATUS.TIMEOUT, STATUS.SUCCESS, 0, STATUS.SEMAPHORE_LIMIT_EXCEEDED]);
  });

  it('a mutex is recursive for its owner, refuses release by another thread, and is abandoned when its owner exits', () => {
    const log: unknown[] = [];
    const { result } = runThreads([
      {
        name: 'owner',
        process: 'p',
        *body(m, t, scratch) {
          const p = scratch(4);
          yield* m.systemCall('NtCreateMutant', { handleOut: p, access: 0x1f0001, name: '\\BaseNamedObjects\\M', initialOwner: true });
          const h = out(m, t, p);
          log.push(['recursive', yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: 0 })]);
          yield* m.systemCall('NtReleaseMutant', { handle: h, previousCountOut: 0 });
          // Exits still owning it once.
        },
      },
      {
        name: 'other',
        process: 'p',
        delay: 1000,
        *body(m, t, scratch) {
          const p = scratch(4);
          yield* m.systemCall('NtOpenMutant', { handleOut: p, access: 0x1f0001, name: '\\BaseNamedObjects\\M' });
          const h = out(m, t, p);
          log.push(['wait', yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: null })]);
          log.push(['again', yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: null })]);
          yield* m.systemCall('NtReleaseMutant', { handle: h, previousCountOut: 0 });
          log.push(['release-twice', yield* m.systemCall('NtReleaseMutant', { handle: h, previousCountOut: 0 })]);
          log.push(['not-owner', yield* m.systemCall('NtReleaseMutant', { handle: h, previousCountOut: 0 })]);
        },
      },
    ]);
    expect(result.outcome).toBe('completed');
    expect(log).toEqual([
      ['recursive', STATUS.WAIT_0],
      ['wait', STATUS.ABANDONED_WAIT_0],
      ['again', STATUS.WAIT_0],
      ['release-twice', STATUS.SUCCESS],
      ['not-owner', STATUS.MUTANT_NOT_OWNED],
    ]);
  });
});

describe('user APCs and alertable waits (IO-7.12, IO-7.14 background)', () => {
  it('a user APC runs only at an alertable wait, which then returns STATUS_USER_APC', () => {
    const log: string[] = [];
    runThreads([
      {
        name: 'waiter',
        process: 'p',
        *body(m) {
          log.push(`sleep:${yield* m.systemCall('NtDelayExecution', { alertable: false, intervalNs: 5 * MS })}`);
          log.push(`sleepex:${yield* m.systemCall('NtDelayExecution', { alertable: true, intervalNs: 50 * MS })}`);
        },
      },
      {
        name: 'queuer',
        process: 'p',
        delay: 1 * MS,
        *body(m, t) {
          const target = t.process.threads[0]!;
          m.queueUserApc(target, {
            label: 'apc',
            routine: function* () {
              log.push(`apc-ran-at:${Math.round(m.now / MS)}`);
            },
          });
        },
      },
    ]);
    // The non-alertable sleep ends at 5 ms; the APC runs at the alertable one.
    expect(log).toEqual([`sleep:${STATUS.SUCCESS}`, 'apc-ran-at:5', `sleepex:${STATUS.USER_APC}`]);
  });
});

describe('termination', () => {
  it('terminating a process ends a thread blocked in a UserMode wait; the process exits with the status', () => {
    const { machine, result, threads } = runThreads([
      {
        name: 'blocked',
        process: 'victim',
        *body(m, t, scratch) {
          const h = (yield* createEvent(m, t, scratch(4), 'notification')).handle;
          yield* m.systemCall('NtWaitForSingleObject', { handle: h, alertable: false, timeoutNs: null });
          return 'never';
        },
      },
      {
        name: 'killer',
        delay: 1 * MS,
        *body(m) {
          m.terminateProcess(m.processes.find((p) => p.name === 'victim')!, 0xdead);
        },
      },
    ]);
    expect(result.outcome).toBe('completed');
    expect(threads['blocked']!.exitStatus).toBe(0xdead);
    expect(machine.processes.find((p) => p.name === 'victim')!.exitStatus).toBe(0xdead);
  });
});
