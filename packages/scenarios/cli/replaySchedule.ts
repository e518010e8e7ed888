import { replayChoices, type Divergence } from '@irpsim/core';
import { adversariesFromMask, adversaryMask, ADVERSARY_MODES } from '@irpsim/io-manager';
import { decodeSchedule, IRPSIM_VERSION, reduceScenario, reductionProblem, ScheduleTokenError, Simulation, withAdversaries, type Schedule, type ScenarioSpec } from '@irpsim/scenarios';

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
  if (schedule.adversaries >= 2 ** ADVERSARY_MODES.length || adversaryMask(adversariesFromMask(schedule.adversaries)) !== schedule.adversaries) {
    return { ok: false, message: `the schedule needs adversary modes this irpsim does not have (mask ${schedule.adversaries})`, hint: null };
  }
  const problem = reductionProblem(spec, schedule.reduction);
  if (problem !== null) {
    return { ok: false, message: problem.replace(/^the reduction/, 'the schedule'), hint: 'replay it against the scenario explore ran' };
  }
  return { ok: true, schedule };
}

/** Where a replay stopped following its schedule, or null when it followed it to the end. */
export interface ReplayDivergence extends Divergence {
  readonly message: string;
}

/**
 * Runs `spec`, reduced as the schedule says (the threads and actions scenario shrinking
 * dropped), with the adversary modes it records, under the recorded choices; any misfit
 * is reported, never papered over.
 */
export function replaySchedule(spec: ScenarioSpec, schedule: Schedule): { simulation: Simulation; divergence: ReplayDivergence | null } {
  const strategy = replayChoices(schedule.choices);
  const armed = withAdversaries(spec, adversariesFromMask(schedule.adversaries));
  const simulation = new Simulation(reduceScenario(armed, schedule.reduction), { strategy });
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
