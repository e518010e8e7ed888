import type { ActionDef } from './ActionEnv.ts';
import { SYNC_ACTIONS } from './syncActions.ts';
import { WAIT_ACTIONS } from './waitActions.ts';
import { checkSignalled, compileSignalled, signalledSchema } from './signalled.ts';

/**
 * An action that also takes the `signalled` expectation: the state of named objects right
 * after it returns, read without a wait (signalled.ts). For event operations and waits the
 * state after the call is the lesson: SetEvent on an auto-reset event with a waiter leaves
 * it reset (the waiter consumed it), PulseEvent always leaves it reset (VO-C12), a wait
 * satisfied by an auto-reset event resets it.
 */
export function signalledAfter(def: ActionDef): ActionDef {
  return {
    ...def,
    expect: { ...def.expect, signalled: signalledSchema },
    compile(action, path, env, what) {
      const e = (action['expect'] ?? {}) as Record<string, unknown>;
      const signalled = compileSignalled(e['signalled'], [...path, 'expect', 'signalled'], env);
      const step = def.compile(action, path, env, what);
      if (signalled === null) return step;
      return function* (t) {
        yield* step(t);
        checkSignalled(t, what, signalled);
      };
    },
  };
}

/** set-event, reset-event, pulse-event and the waits, with `signalled` (docs/scenario-format.md §4.1). */
export const SIGNALLED_AFTER_ACTIONS = Object.fromEntries(
  Object.entries({
    'set-event': SYNC_ACTIONS['set-event'],
    'reset-event': SYNC_ACTIONS['reset-event'],
    'pulse-event': SYNC_ACTIONS['pulse-event'],
    'release-semaphore': SYNC_ACTIONS['release-semaphore'],
    'release-mutex': SYNC_ACTIONS['release-mutex'],
    ...WAIT_ACTIONS,
  }).map(([verb, def]) => [verb, signalledAfter(def)]),
) as Readonly<Record<string, ActionDef>>;
