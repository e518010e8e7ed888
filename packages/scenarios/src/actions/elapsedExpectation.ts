import { durationSchema, parseDuration, showDuration } from '../format/durations.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, Step } from './ActionEnv.ts';

/** `expect: { elapsed: { atLeast, atMost } }`: how much simulated time the call took (times as in §3.1). */
export const elapsedSchema = {
  type: 'object',
  description: 'How long the call took in simulated time, from entry to return: { atLeast, atMost } (times: bare numbers are milliseconds; 250us, 2ms)',
  properties: { atLeast: durationSchema, atMost: durationSchema },
  additionalProperties: false,
  minProperties: 1,
} as const;

/**
 * The `elapsed` expectation of every call (docs/scenario-format.md §4.1): the simulated
 * time from the moment the action starts until it returns. It shows a call that waits —
 * CancelIo waiting for the requests it cancelled (IO-6.5), a CloseHandle waiting for the
 * synchronous call in progress on its file object (IO-9.11) — and one that does not.
 */
export function expectElapsed(action: ActionData, path: Path, env: CompileEnv, what: string, step: Step): Step {
  const spec = ((action['expect'] ?? {}) as Record<string, unknown>)['elapsed'] as { atLeast?: number | string; atMost?: number | string } | undefined;
  if (spec === undefined || spec === null) return step;
  const bound = (key: 'atLeast' | 'atMost'): number | null => {
    const input = spec[key];
    if (input === undefined) return null;
    const d = parseDuration(input);
    if (!d.ok) {
      env.error([...path, 'expect', 'elapsed', key], d.message, d.hint);
      return null;
    }
    return d.ns;
  };
  const atLeast = bound('atLeast');
  const atMost = bound('atMost');
  if (atLeast !== null && atMost !== null && atLeast > atMost) env.error([...path, 'expect', 'elapsed'], `atLeast (${showDuration(atLeast)}) is more than atMost (${showDuration(atMost)}): no call can pass`);
  const wanted = atLeast !== null && atMost !== null ? `${showDuration(atLeast)} to ${showDuration(atMost)}` : atLeast !== null ? `at least ${showDuration(atLeast)}` : `at most ${showDuration(atMost!)}`;
  return function* (t) {
    const machine = t.u._io.machine;
    const start = machine.now;
    yield* step(t);
    const took = machine.now - start;
    t.check(`${what}: elapsed`, wanted, showDuration(took), (atLeast === null || took >= atLeast) && (atMost === null || took <= atMost));
  };
}
