import type { TraceEvent } from '@irpsim/core';
import { renderText } from '../render/renderText.ts';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { IRPSIM_VERSION } from '../version.ts';
import { Coverage, type CoverageData, type CoverageSummary } from './Coverage.ts';
import { planExploration, sliceLength, type ExplorePlan, type Shard } from './explorePlan.ts';
import { exploreSlice, type ExploreSlice } from './exploreSlice.ts';
import type { FailedCheck } from './failedCheck.ts';
import { lenientChoices } from './lenientChoices.ts';
import { reductionUnits } from './reduceScenario.ts';
import { runSchedule } from './runSchedule.ts';
import { encodeSchedule } from './scheduleToken.ts';
import { shrinkScenario } from './shrinkScenario.ts';
import { shrinkSchedule } from './shrinkSchedule.ts';

export interface ExploreOptions {
  /** Schedules to try (default 100); with a shard, in all shards together. */
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
  /** Explore only this slice of the runs: shard index (1-based) of count takes runs index, index + count, … */
  readonly shard?: Shard;
  /** Most candidate runs shrinking may try, per failure (default 1000). */
  readonly shrinkBudget?: number;
  /** Also shrink the scenario: drop the threads the failure does not need (default true). */
  readonly shrinkScenario?: boolean;
  /** Told after each run, and after each candidate run while shrinking (a progress bar, a watchdog). */
  readonly onProgress?: (phase: 'explore' | 'shrink', done: number, total: number) => void;
}

/** A failure explore found, shrunk. */
export interface ExploreFailure {
  readonly check: FailedCheck;
  /** The 1-based run that found it first. */
  readonly run: number;
  /** How many runs failed this check (1 without `all`). */
  readonly runsFailing: number;
  /** The shrunk schedule's token (see scheduleToken.ts). */
  readonly schedule: string;
  /** The shrunk run's choice sequence. */
  readonly choices: readonly number[];
  /** The scenario reduction: the threads dropped (reductionUnits indices). */
  readonly reduction: readonly number[];
  /** Their names, `process/thread`. */
  readonly droppedThreads: readonly string[];
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
  /** Runs asked for (all shards together). */
  readonly runsAsked: number;
  readonly maxEvents: number | null;
  readonly all: boolean;
  readonly shard: Shard | null;
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
  /** The coverage as data that merges exactly (for shards). */
  readonly coverageData: CoverageData;
}

/**
 * Runs a scenario under many schedules, stops at the first run that fails (or, with
 * `all`, goes on and keeps the first failure of each distinct check), and shrinks each
 * failure to its shortest story. Deterministic: the same options give the same report.
 */
export function explore(spec: ScenarioSpec, options: ExploreOptions = {}): ExploreReport {
  const plan = planExploration(spec, options);
  const onProgress = options.onProgress;
  let done = 0;
  const total = sliceLength(plan);
  const slice = exploreSlice(spec, plan, undefined, undefined, onProgress === undefined ? undefined : () => onProgress('explore', ++done, total));
  return finishExploration(spec, plan, slice, options);
}

/**
 * Shrinks the failures of explored runs (one slice, or the merge of many) and makes the
 * report: per failure, the schedule is shrunk, then the scenario (threads the failure
 * does not need are dropped), then the schedule again on the reduced scenario.
 */
export function finishExploration(spec: ScenarioSpec, plan: ExplorePlan, slice: ExploreSlice, options: Pick<ExploreOptions, 'shrinkBudget' | 'shrinkScenario' | 'onProgress'> = {}): ExploreReport {
  const budget = options.shrinkBudget ?? 1000;
  const onProgress = options.onProgress;
  const maxEvents = plan.maxEvents ?? undefined;
  const names = new Map([...spec.values].map(([k, v]) => [v, k] as const));
  const units = reductionUnits(spec);
  const failures: ExploreFailure[] = [];
  for (const found of slice.failures) {
    let tries = 0;
    const onTry = onProgress === undefined ? undefined : () => onProgress('shrink', ++tries, 2 * budget + 200);
    const shrinkOptions = { budget, ...(maxEvents !== undefined ? { maxEvents } : {}), ...(onTry !== undefined ? { onTry } : {}) };
    const first = runSchedule(spec, lenientChoices(found.choices), maxEvents);
    let best = shrinkSchedule(spec, first, shrinkOptions).run;
    let reduced = spec;
    let reduction: readonly number[] = [];
    if (options.shrinkScenario !== false && budget > 0) {
      const scenario = shrinkScenario(spec, best, { ...(maxEvents !== undefined ? { maxEvents } : {}), ...(onTry !== undefined ? { onTry } : {}) });
      if (scenario.reduction.length > 0) {
        reduced = scenario.spec;
        reduction = scenario.reduction;
        best = shrinkSchedule(reduced, scenario.run, shrinkOptions).run;
      }
    }
    const nonDefaultChoices = best.choices.filter((c) => c !== 0).length;
    const userActions = best.events.filter((e) => e.type === 'win32.call').length;
    failures.push({
      check: best.failure ?? found.check,
      run: found.run,
      runsFailing: found.count,
      schedule: encodeSchedule({
        version: IRPSIM_VERSION,
        scenarioHash: spec.hash,
        reduction,
        verifier: spec.machine.verifier,
        adversaries: 0,
        choices: best.choices,
      }),
      choices: best.choices,
      reduction,
      droppedThreads: reduction.map((u) => units[u]!),
      nonDefaultChoices,
      userActions,
      storySize: nonDefaultChoices + userActions,
      foundChoices: found.choices.length,
      shrinkTries: tries,
      story: renderText(best.result, best.events, { names }),
      result: best.result,
      events: best.events,
    });
  }
  return {
    scenario: spec.name,
    scenarioHash: spec.hash,
    strategy: plan.strategy,
    depth: plan.depth,
    seed: plan.seed,
    runsAsked: plan.runs,
    maxEvents: plan.maxEvents,
    all: plan.all,
    shard: plan.shard,
    runs: slice.runs,
    failingRuns: slice.failingRuns,
    cutRuns: slice.cutRuns,
    nothingToExplore: !slice.anyChoice,
    failures,
    coverage: Coverage.from(slice.coverage).summary(),
    coverageData: slice.coverage,
  };
}
