import type { ScenarioSpec } from '../run/ScenarioSpec.ts';

/**
 * The units scenario shrinking may drop: the scenario's threads (those it declares, not
 * the ones they create), numbered 0, 1, … in process order, then thread order. A
 * reduction is the sorted list of the units dropped; [] is the scenario as written.
 */
export function reductionUnits(spec: ScenarioSpec): readonly string[] {
  return spec.processes.flatMap((p) => p.threads.map((t) => `${p.name}/${t.name}`));
}

/** A reduction that does not fit the scenario (a unit it does not have). */
export class ReductionError extends Error {}

/**
 * The scenario without the dropped units. Its hash stays the scenario's own: a replay
 * token records the scenario hash and the reduction separately.
 */
export function reduceScenario(spec: ScenarioSpec, dropped: readonly number[]): ScenarioSpec {
  if (dropped.length === 0) return spec;
  const units = reductionUnits(spec).length;
  for (const unit of dropped) {
    if (!Number.isInteger(unit) || unit < 0 || unit >= units) throw new ReductionError(`the reduction drops thread #${unit + 1}, and the scenario has ${units}`);
  }
  const drop = new Set(dropped);
  let unit = 0;
  const processes = spec.processes.map((p) => ({ ...p, threads: p.threads.filter(() => !drop.has(unit++)) }));
  return { ...spec, processes };
}
