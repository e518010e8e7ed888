import type { ChoiceKind, Strategy } from './Strategy.ts';

/** Where a replay first stopped fitting the recorded choices. */
export interface Divergence {
  /** Index of the choice (0-based) that no longer fits. */
  readonly index: number;
  readonly kind: ChoiceKind;
  /** Options offered now. */
  readonly options: number;
  /** The recorded answer, or undefined when the recording ran out. */
  readonly recorded: number | undefined;
}

export interface ReplayStrategy extends Strategy {
  /** The first misfit, or null while the replay still follows the recording. */
  readonly divergence: Divergence | null;
}

export interface ReplayOptions {
  /**
   * What a choice past the end of the recording means: `diverge` (the default, for
   * replaying a recorded run) or `default` (take option 0 — for generated prefixes,
   * where a shorter sequence means "first-come from here on").
   */
  readonly pastEnd?: 'diverge' | 'default';
}

/**
 * Replays a recorded choice sequence. A recorded answer that is out of range for the
 * options offered now (or, unless `pastEnd` is `default`, a choice past the end of the
 * recording) is a divergence: it is remembered, never silently hidden, and the default
 * option is taken from then on.
 */
export function replayChoices(choices: readonly number[], options: ReplayOptions = {}): ReplayStrategy {
  const pastEndIsDefault = options.pastEnd === 'default';
  let index = 0;
  let divergence: Divergence | null = null;
  return {
    name: 'replay',
    get divergence() {
      return divergence;
    },
    choose(n, kind) {
      const i = index++;
      if (divergence !== null) return 0;
      const recorded = choices[i];
      if (recorded === undefined && pastEndIsDefault) return 0;
      if (recorded === undefined || recorded >= n) {
        divergence = { index: i, kind, options: n, recorded };
        return 0;
      }
      return recorded;
    },
  };
}
