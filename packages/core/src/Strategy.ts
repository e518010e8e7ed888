/**
 * A strategy answers the engine's choices. Every source of nondeterminism in a run
 * (which runnable task goes next, device latencies, injected faults) is one call to
 * `choose`, so a run is fully described by the sequence of answers.
 */

/** What a choice decides; recorded with the choice so reports can say what was chosen. */
export type ChoiceKind = 'schedule' | 'latency' | 'fault' | 'cancel' | (string & {});

/**
 * The tasks offered at a `schedule` choice, in queue order: option `i` is `at(i)`. The
 * engine hands its ready list as it is (no copy), so a strategy reads it during `choose`
 * only. Ids are stable within a run and, for the same choice prefix, across runs.
 */
export interface ScheduleOptions {
  readonly length: number;
  at(index: number): { readonly id: number; readonly name: string } | undefined;
}

export interface Strategy {
  /** A short name for reports: `random`, `first-come`, `replay`, `pct`. */
  readonly name: string;
  /**
   * Picks one of `n` ≥ 2 options (0 = the default, first-come option). At `schedule`
   * choices the engine also says which tasks the options are (strategies such as PCT
   * need it); other choices come without.
   */
  choose(n: number, kind: ChoiceKind, options?: ScheduleOptions): number;
}
