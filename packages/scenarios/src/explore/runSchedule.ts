import { fnv1a64, type Strategy, type TraceEvent } from '@irpsim/core';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import type { ScenarioSpec } from '../run/ScenarioSpec.ts';
import { Simulation } from '../run/Simulation.ts';
import { failedCheck, type FailedCheck } from './failedCheck.ts';

/** One run of a scenario under one schedule, as exploration sees it. */
export interface ScheduleRun {
  readonly result: ScenarioResult;
  readonly events: readonly TraceEvent[];
  /** The run's choice sequence (every answer, in order). */
  readonly choices: readonly number[];
  /** The check that failed first, or null when the run passed or was cut. */
  readonly failure: FailedCheck | null;
  /** The run reached `maxEvents` and was stopped: it is neither a pass nor a failure. */
  readonly cut: boolean;
  /** A fingerprint of the whole trace (16 hex digits). */
  readonly traceHash: string;
}

/**
 * Runs `spec` under `strategy`, stopping it after `maxEvents` trace events when given.
 * With `stream`, the run is not recorded: each event goes to `stream` as it is emitted,
 * `events` is empty, and `traceHash` is the fingerprint of the run's choices — which fix
 * its whole trace (every real choice is in the trace, and a run is determined by them), so
 * two runs have the same `traceHash` exactly when their traces are the same.
 */
export function runSchedule(spec: ScenarioSpec, strategy: Strategy, maxEvents?: number, stream?: (event: TraceEvent) => void): ScheduleRun {
  const simulation = new Simulation(spec, stream === undefined ? { strategy } : { strategy, record: false, listener: stream });
  const engine = simulation.machine.engine;
  const trace = simulation.machine.trace;
  let cut = false;
  while (simulation.step()) {
    if (maxEvents !== undefined && !cut && trace.count >= maxEvents) {
      cut = true;
      engine.stop('budget-exhausted', `the run reached --max-events ${maxEvents}`);
    }
  }
  const result = simulation.result();
  const events = stream === undefined ? simulation.events : [];
  return {
    result,
    events,
    choices: result.choices,
    failure: cut ? null : failedCheck(result),
    cut,
    traceHash: stream === undefined ? fnv1a64(JSON.stringify(events)) : fnv1a64(`choices ${result.choices.join(',')}`),
  };
}
