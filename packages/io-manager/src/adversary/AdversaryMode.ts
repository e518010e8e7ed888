/**
 * The adversary modes (docs/verifier.md "Adversaries"). Each injects a fault Windows allows
 * at points where Windows allows it, as a choice of the engine's strategy: option 0 is
 * always "inject nothing", so first-come, replay and shrinking still work.
 */
export const ADVERSARY_MODES = ['force-pending', 'inject-cancel', 'fail-allocations', 'end-threads', 'close-handles'] as const;

export type AdversaryMode = (typeof ADVERSARY_MODES)[number];

/** The modes switched on (empty: none). */
export type AdversarySettings = readonly AdversaryMode[];

/** A run option or a scenario setting: `true` or `'all'` is every mode, `false` none. */
export function resolveAdversaries(wanted: boolean | 'all' | AdversarySettings | undefined): AdversarySettings {
  if (wanted === true || wanted === 'all') return ADVERSARY_MODES;
  if (wanted === false || wanted === undefined) return [];
  return ADVERSARY_MODES.filter((mode) => wanted.includes(mode));
}

/** The modes as a bit mask (bit i = ADVERSARY_MODES[i]), e.g. for a schedule token; 0 = none. */
export function adversaryMask(modes: AdversarySettings): number {
  return ADVERSARY_MODES.reduce((mask, mode, i) => (modes.includes(mode) ? mask | (1 << i) : mask), 0);
}

/** The modes of a bit mask made by `adversaryMask` (unknown bits are ignored). */
export function adversariesFromMask(mask: number): AdversarySettings {
  return ADVERSARY_MODES.filter((_, i) => (mask & (1 << i)) !== 0);
}
