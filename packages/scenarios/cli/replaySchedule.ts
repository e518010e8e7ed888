import { replayChoices, type Divergence } from '@irpsim/core';
import { decodeSchedule, IRPSIM_VERSION, reduceScenario, reductionUnits, ScheduleTokenError, Simulation, type Schedule, type ScenarioSpec } from '@irpsim/scenarios';

/** Why a token cannot be replayed against this scenario and this irpsim (exit 2). */
export type ScheduleProblem = { readonly ok: false; readonly message: string; readonly hint: string | null };

/** Decodes `token` and checks that it was recorded for `spec` by this irpsim. */
export function scheduleFor(token: string, spec: ScenarioSpec): { readonly ok: true; readonly schedule: Schedule } | ScheduleProblem {
  let schedule: Schedule;
  try {
    schedule = decodeSchedule(token);
  } catch (error) {
    if (error instanceof ScheduleTokenError) return { ok: false, message: error.message, hint: 'copy the token from the replay line explore printed' };
    throw error;
  }
  if (schedule.version !== IRPSIM_VERSION) {
    return { ok: false, message: `the schedule was recorded by irpsim ${schedule.version}; this is irpsim ${IRPSIM_VERSION}`, hint: `replay it with irpsim ${schedule.version}, or explore again` };
  }
  if (schedule.scenarioHash !== spec.hash) {
    return { ok: false, message: `the schedule was recorded for scenario ${schedule.scenarioHash}, not for this one (${spec.hash}): another scenario, or this one as it was before a change`, hint: 'replay it against the scenario explore ran, or explore this one' };
  }
  if (schedule.verifier !== spec.machine.verifier) {
    return { ok: false, message: `the schedule was recorded with verifier level ${schedule.verifier}; the scenario now asks for ${spec.machine.verifier}`, hint: 'explore the scenario as it is now' };
  }
  if (schedule.adversaries !== 0) {
    return { ok: false, message: 'the schedule needs adversaries, which this irpsim does not have', hint: null };
  }
  const threads = reductionUnits(spec).length;
  const outside = schedule.reduction.find((unit) => unit >= threads);
  if (outside !== undefined) {
    return { ok: false, message: `the schedule drops thread #${outside + 1} of the scenario, which has ${threads}`, hint: 'replay it against the scenario explore ran' };
  }
  return { ok: true, schedule };
}

/** Where a replay stopped following its schedule, or null when it followed it to the end. */
export interface ReplayDivergence extends Divergence {
  readonly message: string;
}

/**
 * Runs `spec`, reduced as the schedule says (the threads scenario shrinking dropped),
 * under the recorded choices; any misfit is reported, never papered over.
 */
export function replaySchedule(spec: ScenarioSpec, schedule: Schedule): { simulation: Simulation; divergence: ReplayDivergence | null } {
  const strategy = replayChoices(schedule.choices);
  const simulation = new Simulation(reduceScenario(spec, schedule.reduction), { strategy });
  const result = simulation.run();
  const d = strategy.divergence;
  if (d !== null) {
    const message =
      d.recorded === undefined
        ? `choice #${d.index + 1} (${d.kind}, ${d.options} options) is past the end of the schedule, which has ${schedule.choices.length} choices`
        : `choice #${d.index + 1} (${d.kind}) offers ${d.options} options, and the schedule answers ${d.recorded}`;
    return { simulation, divergence: { ...d, message } };
  }
  if (result.choices.length < schedule.choices.length) {
    const index = result.choices.length;
    return {
      simulation,
      divergence: {
        index,
        kind: 'end of run',
        options: 0,
        recorded: schedule.choices[index],
        message: `the run ended after ${index} choices; the schedule has ${schedule.choices.length}`,
      },
    };
  }
  return { simulation, divergence: null };
}
