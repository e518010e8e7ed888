import { seededRandom } from '@irpsim/core';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { shrinkIdentity } from './failedCheck.ts';
import { lenientChoices } from './lenientChoices.ts';
import { actionUnits, NO_REDUCTION, reduceScenario, type Reduction } from './reduceScenario.ts';
import { runSchedule, type ScheduleRun } from './runSchedule.ts';
import { runSeed } from './runSeed.ts';

export interface ScenarioShrinkOptions {
  /** Most candidate runs to try (default 400). */
  readonly budget?: number;
  /** Schedules tried per candidate thread drop besides the current one (default 16). */
  readonly retries?: number;
  /** Schedules tried per candidate action skip besides the current one (default 4). */
  readonly actionRetries?: number;
  readonly maxEvents?: number;
  readonly onTry?: (tries: number) => void;
}

export interface ScenarioShrunk {
  /** The threads dropped and actions skipped; NO_REDUCTION when nothing could go. */
  readonly reduction: Reduction;
  readonly spec: ScenarioSpec;
  /** A run of the reduced scenario failing the same check. */
  readonly run: ScheduleRun;
  readonly tries: number;
}

/**
 * Shrinks the scenario while the same check still fails: drops its declared threads one
 * at a time, then skips the top-level actions of the threads left one at a time, last
 * first (a later action often uses what an earlier one made, so it must go first). Each
 * candidate is tried under the current schedule (followed leniently, since the choices
 * now offer fewer options), then under a few seeded random schedules.
 */
export function shrinkScenario(spec: ScenarioSpec, failing: ScheduleRun, options: ScenarioShrinkOptions = {}): ScenarioShrunk {
  const key = shrinkIdentity(failing.failure);
  const unchanged: ScenarioShrunk = { reduction: NO_REDUCTION, spec, run: failing, tries: 0 };
  if (key === undefined) return unchanged;
  const budget = options.budget ?? 400;
  let best = unchanged;
  let tries = 0;
  const attempt = (reduction: Reduction, retries: number, salt: number): void => {
    const reduced = reduceScenario(spec, reduction);
    for (let a = 0; a <= retries && tries < budget; a++) {
      tries++;
      const strategy = a === 0 ? lenientChoices(best.run.choices) : seededRandom(runSeed(a, salt));
      const run = runSchedule(reduced, strategy, options.maxEvents);
      options.onTry?.(tries);
      if (shrinkIdentity(run.failure) !== key) continue;
      best = { reduction, spec: reduced, run, tries };
      return;
    }
  };
  const actions = actionUnits(spec);
  const units = actions.length;
  // Never every thread: a scenario without threads tells no story.
  for (let unit = 0; unit < units && tries < budget && best.reduction.threads.length < units - 1; unit++) {
    const threads = [...best.reduction.threads, unit].sort((a, b) => a - b);
    attempt({ threads, actions: [] }, options.retries ?? 16, unit + 1);
  }
  const dropped = new Set(best.reduction.threads);
  for (let unit = 0; unit < units && tries < budget; unit++) {
    if (dropped.has(unit)) continue;
    for (let action = actions[unit]!.length - 1; action >= 0 && tries < budget; action--) {
      const skipped: (readonly [number, number])[] = [...best.reduction.actions, [unit, action]];
      skipped.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      attempt({ threads: best.reduction.threads, actions: skipped }, options.actionRetries ?? 4, units + 1 + unit * 1009 + action);
    }
  }
  return { ...best, tries };
}
