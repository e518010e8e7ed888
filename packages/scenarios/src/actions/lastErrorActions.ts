import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { valueSchema } from './schemaParts.ts';

/**
 * `set-last-error: N` — SetLastError: presets the thread's last error, so that a later
 * call's `error` shows whether that call touched it. A successful BOOL call leaves it
 * alone (IO-8.4): `set-last-error: 0xDEADF00D`, then a call that succeeds, still shows
 * 0xDEADF00D.
 */
const setLastError: ActionDef = {
  description: 'SetLastError: sets the value GetLastError() returns until a call changes it (IO-8.4: a successful call does not).',
  value: { ...valueSchema, description: 'The error: a name (ERROR_NOT_FOUND) or a number (0xDEADF00D)' },
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const error = env.value(action['set-last-error'] as number | string, [...path, 'set-last-error']) >>> 0;
    const e = (action['expect'] ?? {}) as Record<string, unknown>;
    if (e['returns'] !== undefined) env.error([...path, 'expect', 'returns'], 'SetLastError returns nothing (VOID)', 'check the value with expect: { error }');
    const common = { ...compileCommonExpect(action, path, env), returns: null };
    return function* (t) {
      t.u.SetLastError(error);
      checkCommon(t, what, common, true);
    };
  },
};

export const LAST_ERROR_ACTIONS = { 'set-last-error': setLastError } as const;
