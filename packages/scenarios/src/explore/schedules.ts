import { array, nat, type Arbitrary } from 'fast-check';
import { seededRandom, type TraceEvent } from '@irpsim/core';
import { adversaryMask } from '@irpsim/io-manager';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { IRPSIM_VERSION } from '../version.ts';
import { lenientChoices } from './lenientChoices.ts';
import { runSchedule, type ScheduleRun } from './runSchedule.ts';
import { NO_REDUCTION } from './reduceScenario.ts';
import { encodeSchedule } from './scheduleToken.ts';

export interface SchedulesOptions {
  /** Longest choice sequence generated (default: twice the choices of a random run, plus 8). */
  readonly maxLength?: number;
  /** Largest answer generated; larger than the options offered wraps round (default 7). */
  readonly maxAnswer?: number;
}

/**
 * One schedule of a scenario, run on first use. fast-check prints it as its choice
 * sequence and replay token, so a failing property says how to reproduce it.
 */
export class ScheduledRun {
  readonly spec: ScenarioSpec;
  /** The generated sequence (answers wrap round; past the end, the default). */
  readonly generated: readonly number[];
  private done: ScheduleRun | null = null;

  constructor(spec: ScenarioSpec, generated: readonly number[]) {
    this.spec = spec;
    this.generated = generated;
  }

  private get run(): ScheduleRun {
    this.done ??= runSchedule(this.spec, lenientChoices(this.generated));
    return this.done;
  }

  get result(): ScenarioResult {
    return this.run.result;
  }

  get events(): readonly TraceEvent[] {
    return this.run.events;
  }

  /** The choices the run really made. */
  get choices(): readonly number[] {
    return this.run.choices;
  }

  /** The token `irpsim replay FILE --schedule TOKEN` takes. */
  get token(): string {
    const spec = this.spec;
    return encodeSchedule({ version: IRPSIM_VERSION, scenarioHash: spec.hash, reduction: NO_REDUCTION, verifier: spec.machine.verifier, adversaries: adversaryMask(spec.machine.adversaries ?? []), choices: this.choices });
  }

  toString(): string {
    return `schedule [${this.generated.join(',')}] (replay token ${this.token})`;
  }
}

/**
 * A fast-check arbitrary of schedules for `spec`: choice sequences that shrink to shorter
 * ones, smaller answers and the default, so
 * `fc.assert(fc.property(schedules(spec), (s) => s.result.passed))` reports the shortest
 * failing schedule it can find.
 */
export function schedules(spec: ScenarioSpec, options: SchedulesOptions = {}): Arbitrary<ScheduledRun> {
  const maxLength = options.maxLength ?? 2 * runSchedule(spec, seededRandom(spec.seed)).choices.length + 8;
  return array(nat({ max: options.maxAnswer ?? 7 }), { maxLength, size: 'max' })
    .map(
      (generated) => new ScheduledRun(spec, generated),
      (value) => {
        if (value instanceof ScheduledRun) return [...value.generated];
        throw new Error('not a ScheduledRun');
      },
    );
}
