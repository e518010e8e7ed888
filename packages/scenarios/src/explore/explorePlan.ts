import { firstCome, pct, seededRandom, type Strategy } from '@irpsim/core';
import { resolveAdversaries, type AdversarySettings } from '@irpsim/io-manager';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { runSchedule } from './runSchedule.ts';
import { runSeed } from './runSeed.ts';

/** One slice of the runs: shard `index` (1-based) of `count` takes runs index, index + count, … */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Everything that fixes which schedule each run index gets. */
export interface ExplorePlan {
  /** Runs in the whole exploration (all shards together). */
  readonly runs: number;
  readonly strategy: 'random' | 'pct';
  /** PCT's depth d, or null for random. */
  readonly depth: number | null;
  readonly seed: number;
  /** PCT's k, the expected number of choices per run (0 for random). */
  readonly steps: number;
  readonly maxEvents: number | null;
  readonly all: boolean;
  readonly shard: Shard | null;
  /** The adversary modes every run has on (the option, else the scenario's `machine.adversaries`); empty: none. */
  readonly adversaries: AdversarySettings;
}

/** Runs done to estimate PCT's k, besides the first-come run. */
const CALIBRATION_RUNS = 4;

export interface PlanOptions {
  readonly runs?: number;
  readonly strategy?: 'random' | 'pct';
  readonly depth?: number;
  readonly seed?: number;
  readonly maxEvents?: number;
  readonly all?: boolean;
  readonly shard?: Shard;
  /** Adversary modes: `true` all, `false` none, or a list; default the scenario's `machine.adversaries`. */
  readonly adversaries?: boolean | AdversarySettings;
}

/** The scenario with exactly these adversary modes on: what every run of an exploration runs. */
export function withAdversaries(spec: ScenarioSpec, adversaries: AdversarySettings): ScenarioSpec {
  const current = spec.machine.adversaries ?? [];
  if (current.length === adversaries.length && current.every((m) => adversaries.includes(m))) return spec;
  return { ...spec, machine: { ...spec.machine, adversaries } };
}

/**
 * Fixes the plan of an exploration. PCT's k is the most choices among the first-come run
 * and a few random runs of calibration seeds — a function of the scenario and the seed
 * alone, never of the runs explored so far, so that every slice of the runs (shards,
 * workers) gives each run the same schedule as one exploration of all of them.
 */
export function planExploration(scenario: ScenarioSpec, options: PlanOptions = {}): ExplorePlan {
  const adversaries = options.adversaries !== undefined ? resolveAdversaries(options.adversaries) : (scenario.machine.adversaries ?? []);
  const spec = withAdversaries(scenario, adversaries);
  const runs = Math.max(1, Math.floor(options.runs ?? 100));
  const strategy = options.strategy ?? 'random';
  const seed = (options.seed ?? 1) >>> 0;
  const maxEvents = options.maxEvents ?? null;
  let steps = 0;
  if (strategy === 'pct') {
    steps = runSchedule(spec, firstCome(), maxEvents ?? undefined).choices.length;
    for (let i = 1; i <= CALIBRATION_RUNS; i++) {
      steps = Math.max(steps, runSchedule(spec, seededRandom(runSeed(seed ^ 0xca11b8a7, i)), maxEvents ?? undefined).choices.length);
    }
    steps = Math.max(1, steps);
  }
  const shard = options.shard ?? null;
  if (shard !== null && !(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new RangeError(`not a shard: ${shard.index}/${shard.count}`);
  }
  return {
    runs,
    strategy,
    depth: strategy === 'pct' ? Math.max(1, Math.floor(options.depth ?? 2)) : null,
    seed,
    steps,
    maxEvents,
    all: options.all === true,
    shard,
    adversaries,
  };
}

/** The strategy of run `index` (1-based). */
export function strategyFor(plan: ExplorePlan, index: number): Strategy {
  const seed = runSeed(plan.seed, index);
  return plan.strategy === 'pct' ? pct({ seed, depth: plan.depth ?? 2, steps: plan.steps }) : seededRandom(seed);
}

/** How many runs the plan's slice holds (all of them without a shard). */
export function sliceLength(plan: ExplorePlan): number {
  if (plan.shard === null) return plan.runs;
  return plan.shard.index > plan.runs ? 0 : Math.floor((plan.runs - plan.shard.index) / plan.shard.count) + 1;
}

/** The run index at `position` (0-based) of the plan's slice. */
export function runIndexAt(plan: ExplorePlan, position: number): number {
  return plan.shard === null ? position + 1 : plan.shard.index + position * plan.shard.count;
}
