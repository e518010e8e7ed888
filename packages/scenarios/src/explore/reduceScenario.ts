import type { ScenarioSpec, ThreadContext, ThreadSpec } from '../run/ScenarioSpec.ts';

/**
 * What scenario shrinking removed. Threads are the scenario's declared threads (not the
 * ones they create), numbered 0, 1, … in process order, then thread order
 * (reductionUnits). An action is a top-level action of a declared YAML thread, as
 * [thread, action index]; it is skipped when the thread reaches it (ActionEnv.runSteps).
 * Both lists are sorted; NO_REDUCTION is the scenario as written.
 */
export interface Reduction {
  readonly threads: readonly number[];
  readonly actions: readonly (readonly [thread: number, action: number])[];
}

export const NO_REDUCTION: Reduction = { threads: [], actions: [] };

/** The declared threads, `process/thread`, by unit index. */
export function reductionUnits(spec: ScenarioSpec): readonly string[] {
  return spec.processes.flatMap((p) => p.threads.map((t) => `${p.name}/${t.name}`));
}

/** The declared threads' top-level actions, by unit index: their labels (`#3 ioctl … (line 14)`); none for a TypeScript body. */
export function actionUnits(spec: ScenarioSpec): readonly (readonly string[])[] {
  return spec.processes.flatMap((p) => p.threads.map((t) => t.actions ?? []));
}

/** Top-level actions left after `reduction`, over all declared threads (what shrinking can still drop). */
export function actionsLeft(spec: ScenarioSpec, reduction: Reduction): number {
  const dropped = new Set(reduction.threads);
  const skipped = reduction.actions.filter(([thread]) => !dropped.has(thread)).length;
  return actionUnits(spec).reduce((n, labels, unit) => (dropped.has(unit) ? n : n + labels.length), 0) - skipped;
}

/** A reduction that does not fit the scenario (a unit it does not have). */
export class ReductionError extends Error {}

/** Why `reduction` does not fit `spec`, or null when it does. */
export function reductionProblem(spec: ScenarioSpec, reduction: Reduction): string | null {
  const actions = actionUnits(spec);
  const units = actions.length;
  for (const unit of reduction.threads) {
    if (!Number.isInteger(unit) || unit < 0 || unit >= units) return `the reduction drops thread #${unit + 1}, and the scenario has ${units}`;
  }
  for (const [unit, action] of reduction.actions) {
    if (!Number.isInteger(unit) || unit < 0 || unit >= units) return `the reduction skips an action of thread #${unit + 1}, and the scenario has ${units}`;
    const count = actions[unit]!.length;
    if (!Number.isInteger(action) || action < 0 || action >= count) return `the reduction skips action #${action + 1} of thread #${unit + 1}, which has ${count}`;
  }
  return null;
}

/**
 * The scenario without the dropped threads, its threads skipping the skipped actions. Its
 * hash stays the scenario's own: a replay token records the scenario hash and the
 * reduction separately.
 */
export function reduceScenario(spec: ScenarioSpec, reduction: Reduction): ScenarioSpec {
  if (reduction.threads.length === 0 && reduction.actions.length === 0) return spec;
  const problem = reductionProblem(spec, reduction);
  if (problem !== null) throw new ReductionError(problem);
  const drop = new Set(reduction.threads);
  const skips = new Map<number, Set<number>>();
  for (const [unit, action] of reduction.actions) {
    const set = skips.get(unit) ?? new Set<number>();
    set.add(action);
    skips.set(unit, set);
  }
  let unit = 0;
  const processes = spec.processes.map((p) => ({
    ...p,
    threads: p.threads.flatMap((t) => {
      const u = unit++;
      if (drop.has(u)) return [];
      const skip = skips.get(u);
      return skip === undefined ? [t] : [skipping(t, skip)];
    }),
  }));
  return { ...spec, processes };
}

/** The thread, skipping some of its top-level actions: runSteps reads `skip` from the context it is given. */
function skipping(thread: ThreadSpec, skip: ReadonlySet<number>): ThreadSpec {
  return {
    ...thread,
    run(ctx: ThreadContext) {
      const withSkip = { ...ctx, skip };
      return thread.run(withSkip);
    },
  };
}
