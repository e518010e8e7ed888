import { array, nat } from 'fast-check';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { shrinkIdentity } from './failedCheck.ts';
import { lenientChoices } from './lenientChoices.ts';
import { runSchedule, type ScheduleRun } from './runSchedule.ts';

export interface ShrinkOptions {
  /** Most candidate runs to try (default 1000). */
  readonly budget?: number;
  readonly maxEvents?: number;
  /** Told after each candidate run. */
  readonly onTry?: (tries: number) => void;
}

export interface Shrunk {
  /** The shortest failing run found; its `choices` are what it really did. */
  readonly run: ScheduleRun;
  /** Candidate runs tried. */
  readonly tries: number;
}

/**
 * Shrinks a failing run's schedule with fast-check's shrinker for arrays of naturals:
 * shorter sequences (past the end every choice takes the default), smaller answers, and
 * 0 — the default — per answer. A candidate is kept only if it still fails the same check
 * the same way (shrinkIdentity);
 * the run it gave (its real choices, trailing defaults dropped) becomes the next starting
 * point, so every step is at most as long and as large as the last and the search ends.
 */
export function shrinkSchedule(spec: ScenarioSpec, failing: ScheduleRun, options: ShrinkOptions = {}): Shrunk {
  const key = shrinkIdentity(failing.failure);
  if (key === undefined) return { run: failing, tries: 0 };
  const budget = options.budget ?? 1000;
  const arbitrary = array(nat());
  let best = failing;
  let current = trimDefaults(failing.choices);
  let tries = 0;
  for (let improved = true; improved && tries < budget; ) {
    improved = false;
    for (const candidate of arbitrary.shrink(current, undefined)) {
      if (tries >= budget) break;
      tries++;
      const run = runSchedule(spec, lenientChoices(candidate.value), options.maxEvents);
      options.onTry?.(tries);
      if (shrinkIdentity(run.failure) !== key) continue;
      best = run;
      current = trimDefaults(run.choices);
      improved = true;
      break;
    }
  }
  return { run: best, tries };
}

/** The sequence without its trailing zeros: past the end, every choice is the default. */
export function trimDefaults(choices: readonly number[]): number[] {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return choices.slice(0, end);
}
