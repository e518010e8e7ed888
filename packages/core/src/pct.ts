import { Prng } from './Prng.ts';
import type { ScheduleOptions, Strategy } from './Strategy.ts';

export interface PctOptions {
  /** Seeds every random draw: priorities, change points, and the non-schedule choices. */
  readonly seed: number;
  /** The bug depth d the run targets (≥ 1): d − 1 priority-change points. */
  readonly depth: number;
  /** The expected number of schedule choices in a run (k ≥ 1): change points fall in [1, k]. */
  readonly steps: number;
}

/**
 * PCT, the probabilistic concurrency testing scheduler (Burckhardt, Kothari, Musuvathi,
 * Nagarakatte, ASPLOS 2010). Every task gets a random priority the first time it is
 * offered, all above d; at each schedule choice the highest-priority task runs. d − 1
 * change points are drawn among the first k choices, change point j (j = 1 … d − 1, in
 * the order drawn) lowering the task about to run to priority j, below every initial one,
 * before it runs: the change point is a preemption there. A bug of depth d is then found
 * with probability at least 1/(n·k^(d−1)) per run. Drawing an independent priority per new task is the
 * same as inserting it at a random place in the priority order, so tasks created during
 * the run need no special case. Choices other than `schedule` (latency, faults …) are
 * uniform draws from the same generator.
 */
export function pct(options: PctOptions): Strategy {
  const prng = new Prng(options.seed);
  const depth = Math.max(1, Math.floor(options.depth));
  const steps = Math.max(1, Math.floor(options.steps));
  // Change point (1-based schedule choice number) → the low priority it gives, 1 … d−1.
  const changes = new Map<number, number>();
  for (let j = 1; j < depth && changes.size < steps; j++) {
    let at = 1 + prng.nextInt(steps);
    while (changes.has(at)) at = 1 + prng.nextInt(steps);
    changes.set(at, j);
  }
  const priority = new Map<number, number>();
  let choices = 0;

  const priorityOf = (id: number): number => {
    let p = priority.get(id);
    if (p === undefined) {
      // Above every change-point priority (< depth); the fraction orders the tasks.
      p = depth + prng.nextU32() / 0x100000000;
      priority.set(id, p);
    }
    return p;
  };

  const highest = (n: number, tasks: ScheduleOptions): number => {
    let best = 0;
    let bestPriority = -1;
    for (let i = 0; i < n; i++) {
      const p = priorityOf(tasks.at(i)!.id);
      if (p > bestPriority) {
        best = i;
        bestPriority = p;
      }
    }
    return best;
  };

  return {
    name: 'pct',
    choose(n: number, kind: string, tasks?: ScheduleOptions): number {
      if (kind !== 'schedule' || tasks === undefined) return prng.nextInt(n);
      choices++;
      const best = highest(n, tasks);
      const lowered = changes.get(choices);
      if (lowered === undefined) return best;
      // A change point preempts the task about to run: it drops, and the new highest runs.
      priority.set(tasks.at(best)!.id, lowered);
      return highest(n, tasks);
    },
  };
}
