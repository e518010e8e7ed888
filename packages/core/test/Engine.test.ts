import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK, Engine, firstCome, replayChoices, seededRandom, type Routine } from '../src/index.ts';
import { runWorkload, workload } from './__helpers__/workload.ts';

const OUTCOMES = ['completed', 'bugcheck', 'deadlock', 'budget-exhausted'];

describe('Engine laws (property tests over workloads with real choices)', () => {
  it('the generated workloads really contain choices', () => {
    const seen = fc.sample(workload(), { numRuns: 50, seed: 7 }).map((w) => runWorkload(w, seededRandom(1)).result.stats.choices);
    expect(seen.filter((n) => n > 0).length).toBeGreaterThan(25);
  });

  it('time never decreases', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), (specs, seed) => {
        const { steps } = runWorkload(specs, seededRandom(seed));
        for (let i = 1; i < steps.length; i++) expect(steps[i]!.t).toBeGreaterThanOrEqual(steps[i - 1]!.t);
      }),
    );
  });

  it('at equal time, a lower priority number always runs first', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), (specs, seed) => {
        const { steps } = runWorkload(specs, seededRandom(seed));
        // Only task starts are queue pops; consecutive notes of one task belong to one step.
        const pops = steps.filter((s, i) => i === 0 || s.seq !== steps[i - 1]!.seq || s.task !== steps[i - 1]!.task);
        for (let i = 1; i < pops.length; i++) {
          const [a, b] = [pops[i - 1]!, pops[i]!];
          // A more urgent task can only follow a less urgent one at equal time if it was
          // queued during that step (higher seq); it can never have been waiting.
          if (a.t === b.t && b.prio < a.prio) expect(b.seq).toBeGreaterThan(a.seq);
        }
      }),
    );
  });

  it('first-come runs equal-time events in (priority, seq) order', () => {
    fc.assert(
      fc.property(workload(), (specs) => {
        const { steps } = runWorkload(specs, firstCome());
        for (let i = 1; i < steps.length; i++) {
          const [a, b] = [steps[i - 1]!, steps[i]!];
          if (a.t === b.t && a.prio === b.prio && a.seq !== b.seq) expect(b.seq).toBeGreaterThan(a.seq);
        }
      }),
    );
  });

  it('the same seed gives the same trace', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), (specs, seed) => {
        const a = runWorkload(specs, seededRandom(seed));
        const b = runWorkload(specs, seededRandom(seed));
        expect(b.traceJson).toBe(a.traceJson);
        expect(b.steps).toEqual(a.steps);
      }),
    );
  });

  it('replaying the recorded choice sequence reproduces the run exactly', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), (specs, seed) => {
        const original = runWorkload(specs, seededRandom(seed));
        const replay = replayChoices(original.result.choices);
        const again = runWorkload(specs, replay);
        expect(replay.divergence).toBeNull();
        expect(again.traceJson).toBe(original.traceJson);
        expect(again.result.choices).toEqual(original.result.choices);
      }),
    );
  });

  it('every run ends with one of the four outcomes', () => {
    fc.assert(
      fc.property(workload(), fc.nat(), fc.integer({ min: 1, max: 200 }), (specs, seed, maxSteps) => {
        const { result } = runWorkload(specs, seededRandom(seed), maxSteps);
        expect(OUTCOMES).toContain(result.outcome);
        expect(result.stats.steps).toBeLessThanOrEqual(maxSteps);
      }),
    );
  });
});

describe('Engine outcomes', () => {
  const engine = (maxSteps = 1000) => new Engine({ strategy: firstCome(), budget: { maxSteps } });

  it('completes when every keep-alive task has finished, even with background work left', () => {
    const e = engine();
    e.spawn(
      (function* (): Routine<void> {
        for (;;) yield 1_000;
      })(),
      { kind: 'timer', name: 'tick', background: true },
    );
    e.spawn(
      (function* (): Routine<void> {
        yield 10;
      })(),
      { kind: 'thread', name: 'user', keepAlive: true },
    );
    const r = e.run();
    expect(r.outcome).toBe('completed');
    expect(r.stats.simTimeNs).toBe(10);
  });

  it('is a deadlock when a user task blocks and nothing is scheduled', () => {
    const e = engine();
    e.spawn(
      (function* (): Routine<void> {
        yield BLOCK;
      })(),
      { kind: 'thread', name: 'user', keepAlive: true },
    );
    expect(e.run().outcome).toBe('deadlock');
  });

  it('is a deadlock when user tasks stay blocked while only background work runs', () => {
    const e = new Engine({ strategy: firstCome(), budget: { idleNs: 5_000 } });
    e.spawn(
      (function* (): Routine<void> {
        for (;;) yield 1_000;
      })(),
      { kind: 'timer', name: 'tick', background: true },
    );
    e.spawn(
      (function* (): Routine<void> {
        yield BLOCK;
      })(),
      { kind: 'thread', name: 'user', keepAlive: true },
    );
    const r = e.run();
    expect(r.outcome).toBe('deadlock');
    expect(r.stats.simTimeNs).toBeLessThanOrEqual(7_000);
  });

  it('stops at the step budget and at the time budget', () => {
    const spin = function* (): Routine<void> {
      for (;;) yield 1;
    };
    const a = engine(50);
    a.spawn(spin(), { kind: 'thread', name: 'spin', keepAlive: true });
    expect(a.run()).toMatchObject({ outcome: 'budget-exhausted', stats: { steps: 50 } });
    const b = new Engine({ strategy: firstCome(), budget: { maxTimeNs: 100 } });
    b.spawn(spin(), { kind: 'thread', name: 'spin', keepAlive: true });
    const r = b.run();
    expect(r.outcome).toBe('budget-exhausted');
    expect(r.stats.simTimeNs).toBeLessThanOrEqual(100);
  });

  it('records only real choices', () => {
    const e = engine();
    for (const name of ['a', 'b', 'c']) {
      e.spawn(
        (function* (): Routine<void> {
          yield 5;
        })(),
        { kind: 'thread', name, keepAlive: true },
      );
    }
    const r = e.run();
    // t=0: 3 options, then 2; t=5: 3, then 2. Single-option picks are not choices.
    expect(r.stats.choices).toBe(4);
  });

  it('a monitor can stop the run with a bug check at the offending event', () => {
    const e = new Engine({ strategy: firstCome() });
    e.addMonitor({
      name: 'no-choices',
      onEvent(event) {
        if (event.type === 'sched.choice') {
          e.bugcheck({ code: 0xdead, name: 'TEST', params: [1, 2, 3, 4], message: 'a choice happened' });
        }
      },
    });
    for (const name of ['a', 'b']) {
      e.spawn(
        (function* (): Routine<void> {
          yield 0;
        })(),
        { kind: 'thread', name, keepAlive: true },
      );
    }
    const r = e.run();
    expect(r.outcome).toBe('bugcheck');
    expect(r.bugcheck?.code).toBe(0xdead);
  });

  it('observers see every event after its step, and their errors do not change the run', () => {
    const run = (observe: boolean) => {
      const e = new Engine({ strategy: seededRandom(3) });
      e.trace.record();
      const seen: number[] = [];
      if (observe) {
        e.trace.subscribe((event) => {
          seen.push(event.seq);
          throw new Error('observer bug');
        });
      }
      for (const name of ['a', 'b', 'c']) {
        e.spawn(
          (function* (): Routine<void> {
            yield 1;
            yield 0;
          })(),
          { kind: 'thread', name, keepAlive: true },
        );
      }
      return { result: e.run(), events: JSON.stringify(e.trace.events), seen, errors: e.trace.errors.length };
    };
    const quiet = run(false);
    const watched = run(true);
    expect(watched.events).toBe(quiet.events);
    expect(watched.seen).toEqual(JSON.parse(quiet.events).map((e: { seq: number }) => e.seq));
    expect(watched.errors).toBe(watched.seen.length);
  });
});

describe('engine calls', () => {
  /** Two threads interleaving: the first delegates to a callee that takes steps, returns or throws. */
  const run = (how: 'yield*' | 'called', fails: boolean) => {
    const e = new Engine({ strategy: seededRandom(11) });
    e.trace.record();
    const log: string[] = [];
    function* callee(): Routine<number> {
      for (let i = 0; i < 3; i++) {
        yield i;
        log.push(`callee ${i} at ${e.now}`);
      }
      if (fails) throw new Error('callee failed');
      return 42;
    }
    e.spawn(
      (function* (): Routine<void> {
        try {
          const value = how === 'yield*' ? yield* callee() : yield* e.called(callee());
          log.push(`caller got ${value} at ${e.now}`);
        } catch (error) {
          log.push(`caller caught ${(error as Error).message} at ${e.now}`);
        }
      })(),
      { kind: 'thread', name: 'caller', keepAlive: true },
    );
    e.spawn(
      (function* (): Routine<void> {
        for (let i = 0; i < 4; i++) {
          yield 1;
          log.push(`other ${i} at ${e.now}`);
        }
      })(),
      { kind: 'thread', name: 'other', keepAlive: true },
    );
    const result = e.run();
    return { log, steps: result.stats.steps, choices: result.choices, outcome: result.outcome };
  };

  it('yield* engine.called(routine) takes the same steps and gives the same value or exception as yield* routine', () => {
    for (const fails of [false, true]) {
      const plain = run('yield*', fails);
      expect(run('called', fails)).toEqual(plain);
      expect(plain.log.filter((line) => line.startsWith('caller'))).toEqual([fails ? 'caller caught callee failed at 3' : 'caller got 42 at 3']);
      expect(plain.log.filter((line) => line.startsWith('callee'))).toHaveLength(3);
    }
  });
});
