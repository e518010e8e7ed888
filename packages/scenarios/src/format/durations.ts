/**
 * Times in a scenario, one syntax everywhere: a bare number is milliseconds (what Win32
 * APIs take), or a number with a unit — `250ns`, `5us` (or `5µs`), `2ms`, `1s`.
 */

const UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1_000, µs: 1_000, ms: 1_000_000, s: 1_000_000_000 };
const DURATION = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|µs|ms|s)?\s*$/;

export type DurationResult = { readonly ok: true; readonly ns: number } | { readonly ok: false; readonly message: string; readonly hint: string | null };

/** The JSON Schema of a time: a number of milliseconds or a text with a unit. */
export const durationSchema = {
  type: ['number', 'string'],
  minimum: 0,
  description: 'A time: a number of milliseconds, or a number with a unit: 250ns, 5us, 2ms, 1s',
} as const;

/** True when `input` looks like a time (a number, or digits with an optional unit). */
export function isDuration(input: unknown): boolean {
  return typeof input === 'number' || (typeof input === 'string' && DURATION.test(input));
}

/** A time in whole simulated nanoseconds. */
export function parseDuration(input: number | string): DurationResult {
  let ns: number;
  if (typeof input === 'number') {
    if (!(input >= 0)) return { ok: false, message: `a time cannot be negative (${input})`, hint: null };
    ns = input * UNIT_NS['ms']!;
  } else {
    const m = DURATION.exec(input);
    if (m === null) return { ok: false, message: `'${input}' is not a time`, hint: 'write milliseconds (5) or a number with a unit: 250ns, 5us, 2ms, 1s' };
    ns = Number(m[1]) * UNIT_NS[m[2] ?? 'ms']!;
  }
  // Decimal fractions (0.1ms) are not exact in binary: round what is within a rounding error.
  const rounded = Math.round(ns);
  if (Math.abs(ns - rounded) > 1e-6 * Math.max(1, ns)) return { ok: false, message: `${String(input)} is not a whole number of nanoseconds`, hint: null };
  if (!Number.isSafeInteger(rounded)) return { ok: false, message: `${String(input)} is too long a time`, hint: null };
  return { ok: true, ns: rounded };
}

/** `1.5 ms`, `250 ns`, `2 s`: a time as people read it. */
export function showDuration(ns: number): string {
  if (ns === 0) return '0';
  if (ns % 1_000_000_000 === 0) return `${ns / 1_000_000_000} s`;
  if (ns >= 1_000_000) return `${ns / 1_000_000} ms`;
  if (ns >= 1_000) return `${ns / 1_000} µs`;
  return `${ns} ns`;
}
