import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, pct, seededRandom, type Routine, type Strategy } from '../src/index.ts';
import { runWorkload, workload } from './__helpers__/workload.ts';

/** Runs tasks that each take `steps` zero-time steps; returns the order of the steps by task name. */
function interleave(strategy: Strategy, steps: Record<string, number>): string[] {
  const engine = new Engine({ strategy });
  const order: string[] = [];
  for (const [name, count] of Object.entries(steps)) {
    engine.spawn(
      (function* (): Routine<void> {
        for (let i = 0; i < count; i++) {
          order.push(name);
          yield 0;
        }
      })(),
      { kind: 'thread', name, keepAlive: true },
    );
  }
  engine.run();
  return order;
}

/** How often the run switches from one task to another. */
const switches = (order: readonly string[]): number => order.filter((name, i) => i > 0 && name !== order[i - 1]).length;

/**
 * An ordering bug of depth 2: the reader's read-modify-write loses an update only when the
 * worker runs its whole work, then its own read-modify-write, between the reader's read
 * and its write. True when the run lost the update.
 */
function lostUpdate(strategy: Strategy, workSteps: number): boolean {
  const engine = new Engine({ strategy });
  let counter = 0;
  engine.spawn(
    (function* (): Routine<void> {
      const seen = counter;
      yield 0;
      counter = seen + 1;
    })(),
    { kind: 'thread', name: 'reader', keepAlive: true },
  );
  engine.spawn(
    (function* (): Routine<void> {
      for (let i = 0; i < workSteps; i++) yield 0;
      const seen = counter;
      yield 0;
      counter = seen + 1;
    })(),
    { kind: 'thread', name: 'worker', keepAlive: true },
  );
  engine.run();
  return counter !== 2;
}

/** Runs until the bug shows (at most `limit` runs); each run gets the next seed of `seed`'s sequence. */
function runsToFind(make: (seed: number) => Strategy, seed: number, limit: number): number {
  for (let run = 1; run <= limit; run++) if (lostUpdate(make(seed * 100_003 + run), 10)) return run;
  return limit;
}

describe('pct (the PCT strategy)', () => {
  it('is deterministic: the same seed gives the same choices', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), fc.integer({ min: 1, max: 4 }), (specs, seed, depth) => {
        const a = runWorkload(specs, pct({ seed, depth, steps: 20 }));
        const b = runWorkload(specs, pct({ seed, depth, steps: 20 }));
        expect(b.result.choices).toEqual(a.result.choices);
        expect(b.traceJson).toBe(a.traceJson);
      }),
      { numRuns: 50 },
    );
  });

  it('depth 1 runs the highest-priority task until it cannot run: no preemption at all', () => {
    for (let seed = 0; seed < 20; seed++) {
      const order = interleave(pct({ seed, depth: 1, steps: 30 }), { a: 10, b: 10, c: 10 });
      expect(switches(order)).toBe(2);
    }
  });

  it('depth d preempts at most d − 1 times, and some seeds do use every change point', () => {
    for (const depth of [2, 3, 4]) {
      const counts = Array.from({ length: 40 }, (_, seed) => switches(interleave(pct({ seed, depth, steps: 20 }), { a: 10, b: 10 })));
      // Two tasks: each switch is either a change point or the end of a task (one).
      expect(Math.max(...counts)).toBeLessThanOrEqual(depth);
      expect(counts).toContain(depth);
    }
  });

  it('answers non-schedule choices from its generator, in range', () => {
    const strategy = pct({ seed: 3, depth: 2, steps: 10 });
    const answers = Array.from({ length: 200 }, () => strategy.choose(5, 'latency'));
    expect(answers.every((a) => a >= 0 && a < 5)).toBe(true);
    expect(new Set(answers).size).toBe(5);
  });

  it('finds a depth-2 ordering bug in fewer runs than random, as a mean over 20 exploration seeds', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const mean = (make: (seed: number) => Strategy) => seeds.reduce((sum, seed) => sum + runsToFind(make, seed, 5_000), 0) / seeds.length;
    const random = mean((s) => seededRandom(s));
    const withPct = mean((s) => pct({ seed: s, depth: 2, steps: 14 }));
    expect(withPct * 4).toBeLessThan(random);
  });
});
