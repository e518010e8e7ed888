import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { Coverage, type CoverageData } from './Coverage.ts';
import { runIndexAt, sliceLength, strategyFor, withAdversaries, type ExplorePlan } from './explorePlan.ts';
import type { FailedCheck } from './failedCheck.ts';
import { runSchedule } from './runSchedule.ts';

/** The first failing run of one check, before shrinking. */
export interface SliceFailure {
  readonly check: FailedCheck;
  /** Its run index (1-based, in the whole exploration). */
  readonly run: number;
  /** Runs of the slice that failed this check. */
  readonly count: number;
  /** The choices that run made: replaying them gives the run again. */
  readonly choices: readonly number[];
}

/**
 * What exploring some of a plan's runs found, as plain data: slices merge exactly
 * (mergeSlices), so shards and workers each explore a slice and one merge gives the
 * result of exploring all of their runs at once.
 */
export interface ExploreSlice {
  /** Runs done. */
  readonly runs: number;
  readonly failingRuns: number;
  /** Runs stopped by maxEvents. */
  readonly cutRuns: number;
  /** Some run made a real choice. */
  readonly anyChoice: boolean;
  /** The first failure of each distinct check, by run index. */
  readonly failures: readonly SliceFailure[];
  readonly coverage: CoverageData;
}

/**
 * Explores positions [from, to) of the plan's slice (its shard, or all runs), in order.
 * Without `all` it stops at the first failing run; it stops after a run without any real
 * choice too, since every run is then that same run.
 */
export function exploreSlice(scenario: ScenarioSpec, plan: ExplorePlan, from = 0, to = sliceLength(plan), onRun?: () => void): ExploreSlice {
  const spec = withAdversaries(scenario, plan.adversaries);
  const coverage = new Coverage();
  const failures = new Map<string, { check: FailedCheck; run: number; count: number; choices: readonly number[] }>();
  let runs = 0;
  let failingRuns = 0;
  let cutRuns = 0;
  let anyChoice = false;
  for (let position = from; position < to; position++) {
    const index = runIndexAt(plan, position);
    // Streamed, not recorded: the coverage is all a run is kept for (a failure keeps its choices).
    const run = runSchedule(spec, strategyFor(plan, index), plan.maxEvents ?? undefined, coverage.begin());
    runs++;
    coverage.end(run.choices.length, run.traceHash);
    onRun?.();
    if (run.choices.length > 0) anyChoice = true;
    if (run.cut) cutRuns++;
    if (run.failure !== null) {
      failingRuns++;
      const seen = failures.get(run.failure.key);
      if (seen === undefined) failures.set(run.failure.key, { check: run.failure, run: index, count: 1, choices: run.choices });
      else seen.count++;
      if (!plan.all) break;
    }
    // Without a real choice every schedule is this same run: nothing to explore.
    if (!anyChoice) break;
  }
  return { runs, failingRuns, cutRuns, anyChoice, failures: [...failures.values()], coverage: coverage.data() };
}

/**
 * Merges the slices of one plan. Without `all`, give them in run order with nothing after
 * the first slice that failed (as a worker pool does): the merge is then exactly the
 * exploration up to its first failure. Per check, the failure of the smallest run index
 * is kept and the counts add up.
 */
export function mergeSlices(slices: readonly ExploreSlice[]): ExploreSlice {
  const coverage = new Coverage();
  const failures = new Map<string, SliceFailure>();
  let runs = 0;
  let failingRuns = 0;
  let cutRuns = 0;
  let anyChoice = false;
  for (const slice of slices) {
    runs += slice.runs;
    failingRuns += slice.failingRuns;
    cutRuns += slice.cutRuns;
    anyChoice ||= slice.anyChoice;
    coverage.merge(slice.coverage);
    for (const f of slice.failures) {
      const seen = failures.get(f.check.key);
      if (seen === undefined) failures.set(f.check.key, f);
      else failures.set(f.check.key, { ...(f.run < seen.run ? f : seen), count: seen.count + f.count });
    }
  }
  const ordered = [...failures.values()].sort((a, b) => a.run - b.run);
  return { runs, failingRuns, cutRuns, anyChoice, failures: ordered, coverage: coverage.data() };
}
