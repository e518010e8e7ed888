/**
 * A strategy answers the engine's choices. Every source of nondeterminism in a run
 * (which runnable task goes next, device latencies, injected faults) is one call to
 * `choose`, so a run is fully described by the sequence of answers.
 */

/** What a choice decides; recorded with the choice so reports can say what was chosen. */
export type ChoiceKind = 'schedule' | 'latency' | 'fault' | 'cancel' | (string & {});

export interface Strategy {
  /** A short name for reports: `random`, `first-come`, `replay`. */
  readonly name: string;
  /** Picks one of `n` ≥ 2 options (0 = the default, first-come option). */
  choose(n: number, kind: ChoiceKind): number;
}
