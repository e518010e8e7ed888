import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@irpsim/core';
import { createSimulation, explore, loadScenario, runSeed, type ScenarioSpec } from '@irpsim/scenarios';
import type { Environment } from './environment.ts';
import { collectGarbage, sig, spread } from './stats.ts';

export interface W7Options {
  /** Schedules per exploration (K). */
  readonly schedules: number;
  /** Timed explorations per variant, interleaved across variants; medians are quoted. */
  readonly reps: number;
  /** Bare runs (no explore bookkeeping) for the overhead figure. */
  readonly bareRuns: number;
  /** W1's events/s at the default verifier level from this invocation, or null. */
  readonly w1EventsPerSec: number | null;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

interface Variant {
  readonly lesson: string;
  readonly strategy: 'random' | 'pct';
}

/**
 * The budget's variant first: ipc-sync (566 trace events, 10 choices per run, every
 * schedule passes) under random schedules; then PCT on the same lesson, and the
 * exploration lesson bug-cancel-race (100 events; some schedules fail).
 */
const VARIANTS: readonly Variant[] = [
  { lesson: 'ipc-sync', strategy: 'random' },
  { lesson: 'ipc-sync', strategy: 'pct' },
  { lesson: 'bug-cancel-race', strategy: 'random' },
];

function lesson(name: string): ScenarioSpec {
  const file = join(import.meta.dirname, '..', 'packages', 'scenarios', 'lessons', `${name}.yaml`);
  const loaded = loadScenario(readFileSync(file, 'utf8'), { file });
  if (!loaded.ok) throw new Error(`W7: lesson ${name} does not load`);
  return loaded.scenario;
}

/**
 * W7 schedule exploration: `explore(spec, { runs: K, all: true })` — K seeded schedules of
 * one lesson, each run recorded, hashed and added to the coverage, as `irpsim explore`
 * does — with shrinking off (`shrinkBudget: 0`) so that only the exploration is timed.
 * Schedules/s, distinct traces per 1,000 schedules (explore's coverage: a hash of each
 * run's whole trace), and the same runs bare (a Simulation per seed, nothing recorded),
 * which shows what explore's recording, hashing and coverage add. One line per variant.
 */
export function measureW7(o: W7Options): Record<string, unknown>[] {
  const specs = new Map(VARIANTS.map((v) => [v.lesson, lesson(v.lesson)]));
  const explored = (v: Variant, runs: number) =>
    explore(specs.get(v.lesson)!, { runs, strategy: v.strategy, seed: 1, all: true, shrinkBudget: 0, shrinkScenario: false });
  o.progress('W7: warm-up');
  for (const v of VARIANTS) explored(v, Math.min(50, o.schedules));

  const rates = VARIANTS.map(() => [] as number[]);
  const reports = VARIANTS.map(() => null as ReturnType<typeof explored> | null);
  for (let rep = 0; rep < o.reps; rep++) {
    o.progress(`W7: round ${rep + 1}/${o.reps} (${o.schedules} schedules per variant)`);
    const order = rep % 2 === 0 ? VARIANTS.map((_, i) => i) : VARIANTS.map((_, i) => VARIANTS.length - 1 - i);
    for (const i of order) {
      collectGarbage();
      const t0 = performance.now();
      const report = explored(VARIANTS[i]!, o.schedules);
      rates[i]!.push(report.runs / ((performance.now() - t0) / 1000));
      reports[i] = report;
    }
  }

  return VARIANTS.map((v, i) => {
    const spec = specs.get(v.lesson)!;
    const report = reports[i]!;
    const sample = createSimulation(spec, { strategy: 'first-come' }).run();
    const eventsPerSchedule = sample.stats.events;
    // The same schedules without explore: a Simulation per run seed, nothing recorded.
    collectGarbage();
    const t0 = performance.now();
    for (let run = 1; run <= o.bareRuns; run++) createSimulation(spec, { strategy: seededRandom(runSeed(1, run)), record: false }).run();
    const bareRunsPerSec = o.bareRuns / ((performance.now() - t0) / 1000);
    const rate = spread(rates[i]!);
    const eventsPerSec = rate.median * eventsPerSchedule;
    return {
      workload: 'W7',
      name: 'schedule-exploration',
      variant: `${v.lesson} ${v.strategy}`,
      lesson: v.lesson,
      strategy: v.strategy,
      depth: report.depth,
      schedules: report.runs,
      reps: o.reps,
      verifier: spec.machine.verifier,
      schedulesPerSec: sig(rate.median),
      schedulesPerSecMin: sig(rate.min),
      schedulesPerSecMax: sig(rate.max),
      msPerSchedule: sig(1000 / rate.median, 3),
      distinctTraces: report.coverage.distinctTraces,
      distinctTracesPer1000: report.coverage.distinctTracesPer1000,
      choicesPerRun: report.coverage.choicesPerRun,
      failingRuns: report.failingRuns,
      eventsPerSchedule,
      eventsPerSec: sig(eventsPerSec),
      w1EventsPerSec: o.w1EventsPerSec,
      ratioToW1EventsPerSec: o.w1EventsPerSec === null ? null : sig(eventsPerSec / o.w1EventsPerSec, 3),
      bareRunsPerSec: sig(bareRunsPerSec),
      exploreOverhead: sig(1 - rate.median / bareRunsPerSec, 3),
      env: o.env,
    };
  });
}
