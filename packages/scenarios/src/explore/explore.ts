import { Prng, firstCome, pct, seededRandom, type Strategy, type TraceEvent } from '@irpsim/core';
import { renderText } from '../render/renderText.ts';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { IRPSIM_VERSION } from '../version.ts';
import { Coverage, type CoverageSummary } from './Coverage.ts';
import type { FailedCheck } from './failedCheck.ts';
import { runSchedule } from './runSchedule.ts';
import { encodeSchedule } from './scheduleToken.ts';
import { shrinkSchedule } from './shrinkSchedule.ts';

export interface ExploreOptions {
  /** Schedules to try (default 100). */
  readonly runs?: number;
  /** `random` (default) or `pct`. */
  readonly strategy?: 'random' | 'pct';
  /** PCT's bug depth d (default 2). */
  readonly depth?: number;
  /** Seeds the generator of schedules (default 1). */
  readonly seed?: number;
  /** Stop a run after this many trace events; such a run is neither a pass nor a failure. */
  readonly maxEvents?: number;
  /** Go on after the first failure: every failing run is counted, one story per distinct check. */
  readonly all?: boolean;
  /** Most candidate runs shrinking may try, per failure (default 1000). */
  readonly shrinkBudget?: number;
  /** Told after each run, and after each candidate run while shrinking (a progress bar, a watchdog). */
  readonly onProgress?: (phase: 'explore' | 'shrink', done: number, total: number) => void;
}

/** A failure explore found, shrunk. */
export interface ExploreFailure {
  readonly check: FailedCheck;
  /** The 1-based run that found it first; with `all`, how many runs failed this check. */
  readonly run: number;
  readonly runsFailing: number;
  /** The shrunk schedule's token (see scheduleToken.ts). */
  readonly schedule: string;
  /** The shrunk run's choice sequence. */
  readonly choices: readonly number[];
  /** Choices in the shrunk run that did not take the default. */
  readonly nonDefaultChoices: number;
  /** Win32 calls the shrunk run made: the user actions of its story. */
  readonly userActions: number;
  /** nonDefaultChoices + userActions: how long the story is. */
  readonly storySize: number;
  /** Choices of the run as first found, before shrinking. */
  readonly foundChoices: number;
  readonly shrinkTries: number;
  /** The shrunk run, narrated. */
  readonly story: string;
  readonly result: ScenarioResult;
  readonly events: readonly TraceEvent[];
}

export interface ExploreReport {
  readonly scenario: string;
  readonly scenarioHash: string;
  readonly strategy: 'random' | 'pct';
  readonly depth: number | null;
  readonly seed: number;
  /** Runs done (fewer than asked when explore stopped at a failure or found nothing to explore). */
  readonly runs: number;
  /** Runs that failed (without `all`: 0 or 1). */
  readonly failingRuns: number;
  /** Runs stopped by `maxEvents`. */
  readonly cutRuns: number;
  /** No run had a real choice: every schedule is the same run. */
  readonly nothingToExplore: boolean;
  readonly failures: readonly ExploreFailure[];
  readonly coverage: CoverageSummary;
}

/**
 * Runs a scenario under many schedules, stops at the first run that fails (or, with
 * `all`, goes on and keeps the first failure of each distinct check), and shrinks each
 * failure to its shortest story. Deterministic: the same options give the same report.
 */
export function explore(spec: ScenarioSpec, options: ExploreOptions = {}): ExploreReport {
  const total = Math.max(1, Math.floor(options.runs ?? 100));
  const strategyName = options.strategy ?? 'random';
  const depth = Math.max(1, Math.floor(options.depth ?? 2));
  const seed = (options.seed ?? 1) >>> 0;
  const seeds = new Prng(seed);
  const coverage = new Coverage();
  const firstFailures = new Map<string, { run: ReturnType<typeof runSchedule>; index: number; count: number }>();
  // PCT's k, the expected number of choices per run: the most any run so far has made,
  // starting from the first-come run's.
  let steps = strategyName === 'pct' ? Math.max(1, runSchedule(spec, firstCome(), options.maxEvents).choices.length) : 0;
  let runs = 0;
  let failingRuns = 0;
  let cutRuns = 0;
  let anyChoice = false;
  while (runs < total) {
    const runSeed = seeds.nextU32();
    const strategy: Strategy = strategyName === 'pct' ? pct({ seed: runSeed, depth, steps }) : seededRandom(runSeed);
    const run = runSchedule(spec, strategy, options.maxEvents);
    runs++;
    coverage.add(run.events, run.choices.length, run.traceHash);
    options.onProgress?.('explore', runs, total);
    if (run.choices.length > 0) anyChoice = true;
    steps = Math.max(steps, run.choices.length);
    if (run.cut) cutRuns++;
    if (run.failure !== null) {
      failingRuns++;
      const seen = firstFailures.get(run.failure.key);
      if (seen === undefined) firstFailures.set(run.failure.key, { run, index: runs, count: 1 });
      else seen.count++;
      if (options.all !== true) break;
    }
    // Without a real choice every schedule is this same run: nothing to explore.
    if (!anyChoice) break;
  }
  const failures: ExploreFailure[] = [];
  for (const { run, index, count } of firstFailures.values()) {
    const budget = options.shrinkBudget ?? 1000;
    const onProgress = options.onProgress;
    const shrunk = shrinkSchedule(spec, run, {
      budget,
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
      ...(onProgress !== undefined ? { onTry: (tries: number) => onProgress('shrink', tries, budget) } : {}),
    });
    const best = shrunk.run;
    const nonDefaultChoices = best.choices.filter((c) => c !== 0).length;
    const userActions = best.events.filter((e) => e.type === 'win32.call').length;
    const names = new Map([...spec.values].map(([k, v]) => [v, k] as const));
    failures.push({
      check: best.failure ?? run.failure!,
      run: index,
      runsFailing: count,
      schedule: encodeSchedule({
        version: IRPSIM_VERSION,
        scenarioHash: spec.hash,
        reduction: 0,
        verifier: spec.machine.verifier,
        adversaries: 0,
        choices: best.choices,
      }),
      choices: best.choices,
      nonDefaultChoices,
      userActions,
      storySize: nonDefaultChoices + userActions,
      foundChoices: run.choices.length,
      shrinkTries: shrunk.tries,
      story: renderText(best.result, best.events, { names }),
      result: best.result,
      events: best.events,
    });
  }
  return {
    scenario: spec.name,
    scenarioHash: spec.hash,
    strategy: strategyName,
    depth: strategyName === 'pct' ? depth : null,
    seed,
    runs,
    failingRuns,
    cutRuns,
    nothingToExplore: !anyChoice,
    failures,
    coverage: coverage.summary(),
  };
}
