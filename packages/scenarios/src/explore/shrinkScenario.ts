import { seededRandom } from '@irpsim/core';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { lenientChoices } from './lenientChoices.ts';
import { reduceScenario, reductionUnits } from './reduceScenario.ts';
import { runSchedule, type ScheduleRun } from './runSchedule.ts';
import { runSeed } from './runSeed.ts';

export interface ScenarioShrinkOptions {
  /** Most candidate runs to try (default 200). */
  readonly budget?: number;
  /** Schedules tried per candidate reduction besides the current one (default 16). */
  readonly retries?: number;
  readonly maxEvents?: number;
  readonly onTry?: (tries: number) => void;
}

export interface ScenarioShrunk {
  /** The units dropped (reductionUnits), sorted; [] when none could go. */
  readonly reduction: readonly number[];
  readonly spec: ScenarioSpec;
  /** A run of the reduced scenario failing the same check. */
  readonly run: ScheduleRun;
  readonly tries: number;
}

/**
 * Drops the scenario's threads one at a time, keeping each drop under which the same
 * check still fails: first under the current schedule (followed leniently, since the
 * choices now offer fewer options), then under a few seeded random schedules.
 */
export function shrinkScenario(spec: ScenarioSpec, failing: ScheduleRun, options: ScenarioShrinkOptions = {}): ScenarioShrunk {
  const key = failing.failure?.key;
  const unchanged = { reduction: [], spec, run: failing, tries: 0 };
  if (key === undefined) return unchanged;
  const budget = options.budget ?? 200;
  const retries = options.retries ?? 16;
  const units = reductionUnits(spec).length;
  let dropped: number[] = [];
  let best = unchanged as ScenarioShrunk;
  let tries = 0;
  // Never every unit: a scenario without threads tells no story.
  for (let unit = 0; unit < units && tries < budget && dropped.length < units - 1; unit++) {
    const candidate = [...dropped, unit].sort((a, b) => a - b);
    const reduced = reduceScenario(spec, candidate);
    for (let attempt = 0; attempt <= retries && tries < budget; attempt++) {
      tries++;
      const strategy = attempt === 0 ? lenientChoices(best.run.choices) : seededRandom(runSeed(attempt, unit + 1));
      const run = runSchedule(reduced, strategy, options.maxEvents);
      options.onTry?.(tries);
      if (run.failure?.key !== key) continue;
      dropped = candidate;
      best = { reduction: candidate, spec: reduced, run, tries };
      break;
    }
  }
  return { ...best, tries };
}
