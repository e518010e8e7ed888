import type { TraceEvent } from '@irpsim/core';
import { adversaryMask, type AdversarySettings } from '@irpsim/io-manager';
import { renderText } from '../render/renderText.ts';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { IRPSIM_VERSION } from '../version.ts';
import { Coverage, type CoverageData, type CoverageSummary } from './Coverage.ts';
import { planExploration, sliceLength, withAdversaries, type ExplorePlan, type Shard } from './explorePlan.ts';
import { exploreSlice, type ExploreSlice } from './exploreSlice.ts';
import type { FailedCheck } from './failedCheck.ts';
import { lenientChoices } from './lenientChoices.ts';
import { actionsLeft, actionUnits, NO_REDUCTION, reductionUnits, type Reduction } from './reduceScenario.ts';
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
  /** Also shrink the scenario: drop the threads and actions the failure does not need (default true). */
  readonly shrinkScenario?: boolean;
  /**
   * Adversary modes (docs/verifier.md "Adversaries"): `true` all, `false` none, or a list;
   * default the scenario's `machine.adversaries`. Their injections are choices like the others.
   */
  readonly adversaries?: boolean | AdversarySettings;
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
  /** The scenario reduction: the threads dropped and the actions skipped (reduceScenario.ts). */
  readonly reduction: Reduction;
  /** The threads dropped, `process/thread`. */
  readonly droppedThreads: readonly string[];
  /** The actions skipped, `process/thread #3 ioctl … (line 14)`. */
  readonly droppedActions: readonly string[];
  /** Top-level actions of the declared YAML threads left after the reduction. */
  readonly actionsLeft: number;
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
  /** The adversary modes every run had on (empty: none). */
  readonly adversaries: AdversarySettings;
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
export function finishExploration(scenario: ScenarioSpec, plan: ExplorePlan, slice: ExploreSlice, options: Pick<ExploreOptions, 'shrinkBudget' | 'shrinkScenario' | 'onProgress'> = {}): ExploreReport {
  const spec = withAdversaries(scenario, plan.adversaries);
  const budget = options.shrinkBudget ?? 1000;
  const onProgress = options.onProgress;
  const maxEvents = plan.maxEvents ?? undefined;
  const names = new Map([...spec.values].map(([k, v]) => [v, k] as const));
  const units = reductionUnits(spec);
  const actionLabels = actionUnits(spec);
  const failures: ExploreFailure[] = [];
  for (const found of slice.failures) {
    let tries = 0;
    const onTry = onProgress === undefined ? undefined : () => onProgress('shrink', ++tries, 2 * budget + 400);
    const shrinkOptions = { budget, ...(maxEvents !== undefined ? { maxEvents } : {}), ...(onTry !== undefined ? { onTry } : {}) };
    const first = runSchedule(spec, lenientChoices(found.choices), maxEvents);
    let best = shrinkSchedule(spec, first, shrinkOptions).run;
    let reduced = spec;
    let reduction: Reduction = NO_REDUCTION;
    if (options.shrinkScenario !== false && budget > 0) {
      const scenario = shrinkScenario(spec, best, { ...(maxEvents !== undefined ? { maxEvents } : {}), ...(onTry !== undefined ? { onTry } : {}) });
      if (scenario.reduction !== NO_REDUCTION) {
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
        adversaries: adversaryMask(plan.adversaries),
        choices: best.choices,
      }),
      choices: best.choices,
      reduction,
      droppedThreads: reduction.threads.map((u) => units[u]!),
      droppedActions: reduction.actions.map(([u, a]) => `${units[u]!} ${actionLabels[u]![a]!}`),
      actionsLeft: actionsLeft(spec, reduction),
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
    adversaries: plan.adversaries,
    runs: slice.runs,
    failingRuns: slice.failingRuns,
    cutRuns: slice.cutRuns,
    nothingToExplore: !slice.anyChoice,
    failures,
    coverage: Coverage.from(slice.coverage).summary(),
    coverageData: slice.coverage,
  };
}
