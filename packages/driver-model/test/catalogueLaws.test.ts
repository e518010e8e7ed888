import { Machine, decodeUtf8, encodeUtf8, seededRandom, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, FILE_MAP, IoManager, Win32 } from '@irpsim/io-manager';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadDriver,
  sampler,
  serial,
  sharedRing,
  IOCTL_RING_START,
  IOCTL_SAMPLER_READ,
  IOCTL_SAMPLER_START,
  IOCTL_SAMPLER_STATS,
  RING_DATA,
  RING_READ,
  RING_RECORD,
  RING_RECORDS,
  RING_SLOTS,
  RING_WRITE,
  type DriverDefinition,
} from '../src/index.ts';

const GENERIC_READ_WRITE = 0xc0000000;

/** Boots a machine on a seeded schedule, loads `driver`, then runs each body in a thread of one process. */
function boot(seed: number, driver: DriverDefinition, bodies: readonly ((u: Win32) => Routine<unknown>)[]) {
  const machine = new Machine({ strategy: seededRandom(seed) });
  const io = new IoManager(machine);
  let loaded: NtStatus | null = null;
  const returned: unknown[] = [];
  machine.createSystemThread('boot', function* () {
    loaded = yield* loadDriver(io, driver);
    const app = machine.createProcess('app');
    bodies.forEach((body, i) =>
      machine.createThread(app, `t${i}`, function* (thread) {
        returned[i] = yield* body(new Win32(io, thread));
      }),
    );
  });
  const result = machine.engine.run();
  return { result, loaded: () => loaded, returned };
}

/** A synchronous write of `text` on a handle of its own; returns the order in which the writes finished. */
function writer(text: string, finished: string[]) {
  return function* (u: Win32): Routine<boolean> {
    const h = yield* u.CreateFile('\\\\.\\Serial', GENERIC_READ_WRITE, 0, CREATION.OPEN_EXISTING, 0);
    const buffer = u.scratch(16);
    u.write(buffer, encodeUtf8(text));
    const ok = yield* u.WriteFile(h, buffer, text.length, u.scratch(4));
    finished.push(text);
    return ok && (yield* u.CloseHandle(h));
  };
}

describe('serial: StartIo serialises the device (C33, C34)', () => {
  it('C34 two threads writing at once: the wire carries one write, then the other - never interleaved, in completion order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const finished: string[] = [];
        let wire = '';
        const run = boot(seed, serial, [
          writer('aaaa', finished),
          writer('bbbbbb', finished),
          function* (u) {
            // A third thread reads what was looped back once both writers are done.
            const h = yield* u.CreateFile('\\\\.\\Serial', GENERIC_READ_WRITE, 0, CREATION.OPEN_EXISTING, 0);
            while (finished.length < 2) yield* u.SleepEx(1, false);
            const buffer = u.scratch(16);
            const count = u.scratch(4);
            yield* u.ReadFile(h, buffer, 16, count);
            wire = decodeUtf8(u.read(buffer, u.readU32(count)));
            return yield* u.CloseHandle(h);
          },
        ]);
        expect(run.result.outcome).toBe('completed');
        expect(run.returned).toEqual([true, true, true]);
        // Whichever write StartIo got first went out whole, and its IRP completed first.
        expect(wire).toBe(finished.join(''));
      }),
      { numRuns: 12 },
    );
  });
});

describe('sampler: interrupts coalesce into fewer DPC runs (C30)', () => {
  it('C30 under any schedule: every sample delivered once and in order, and each interrupt either queued a DPC run or found it queued', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const run = boot(seed, sampler, [
          function* (u) {
            const h = yield* u.CreateFile('\\\\.\\Sampler', GENERIC_READ_WRITE, 0, CREATION.OPEN_EXISTING, 0);
            const event = yield* u.CreateEvent(false, false);
            const args = u.scratch(4);
            u.writeU32(args, event);
            const out = u.scratch(64);
            const count = u.scratch(4);
            yield* u.DeviceIoControl(h, IOCTL_SAMPLER_START, args, 4, 0, 0, count);
            yield* u.WaitForSingleObjectEx(event, 0xffffffff, false);
            yield* u.DeviceIoControl(h, IOCTL_SAMPLER_READ, 0, 0, out, 64, count);
            const samples = decodeUtf8(u.read(out, u.readU32(count)));
            yield* u.DeviceIoControl(h, IOCTL_SAMPLER_STATS, 0, 0, out, 64, count);
            const stats = decodeUtf8(u.read(out, u.readU32(count)));
            yield* u.CloseHandle(h);
            return [samples, stats];
          },
        ]);
        expect(run.result.outcome).toBe('completed');
        const [samples, stats] = run.returned[0] as [string, string];
        expect(samples).toBe('ABCDEFGH');
        const [interrupts, runs, coalesced] = (stats.match(/\d+/g) ?? []).map(Number);
        expect(interrupts).toBe(8);
        expect(runs! + coalesced!).toBe(interrupts);
        expect(runs).toBeLessThan(interrupts!);
      }),
      { numRuns: 12 },
    );
  });
});

describe('shared-ring: a ring in a section, an event for "new records" (C7, IO-10.4)', () => {
  /** The consumer: maps SharedRing, and on each wake-up drains every published record, then advances its read count. */
  function consumer(pauseMs: number) {
    return function* (u: Win32): Routine<{ got: string[]; batches: number[] }> {
      const h = yield* u.CreateFile('\\\\.\\SharedRing', GENERIC_READ_WRITE, 0, CREATION.OPEN_EXISTING, 0);
      const section = yield* u.OpenFileMapping(FILE_MAP.ALL_ACCESS, 'SharedRing');
      const view = yield* u.MapViewOfFile(section, FILE_MAP.WRITE);
      const event = yield* u.CreateEvent(false, false);
      const args = u.scratch(4);
      u.writeU32(args, event);
      yield* u.DeviceIoControl(h, IOCTL_RING_START, args, 4, 0, 0, u.scratch(4));
      const got: string[] = [];
      const batches: number[] = [];
      let read = 0;
      while (got.length < RING_RECORDS) {
        if (pauseMs > 0) yield* u.SleepEx(pauseMs, false); // a slow consumer: the ring fills up
        yield* u.WaitForSingleObjectEx(event, 0xffffffff, false);
        batches.push(u.readU32(view + RING_WRITE) - read);
        for (; read < u.readU32(view + RING_WRITE); read++) {
          const record = u.read(view + RING_DATA + (read % RING_SLOTS) * RING_RECORD, RING_RECORD);
          got.push(decodeUtf8(record.subarray(0, record.indexOf(0))));
          u.writeU32(view + RING_READ, read + 1);
        }
      }
      yield* u.CloseHandle(h);
      return { got, batches };
    };
  }
  const all = Array.from({ length: RING_RECORDS }, (_, n) => `record ${String(n).padStart(2, '0')}`);

  for (const pauseMs of [0, 1]) {
    it(`every record once and in order, through wrap-around, with a ${pauseMs === 0 ? 'fast' : 'slow'} consumer, under any schedule`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
          const run = boot(seed, sharedRing, [consumer(pauseMs)]);
          expect(run.loaded()).toBe(0);
          expect(run.result.outcome).toBe('completed');
          const { got, batches } = run.returned[0] as { got: string[]; batches: number[] };
          expect(got).toEqual(all);
          // Never more than the ring holds; a consumer asleep for 1 ms finds it full: the producer waited for room.
          expect(Math.max(...batches)).toBeLessThanOrEqual(RING_SLOTS);
          if (pauseMs > 0) expect(batches[0]).toBe(RING_SLOTS);
        }),
        { numRuns: 8 },
      );
    });
  }
});
