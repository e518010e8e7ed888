import { EVENT_ACCESS, MUTANT_ACCESS, SEMAPHORE_ACCESS, type Routine } from '@irpsim/core';
import type { Win32 } from '@irpsim/io-manager';
import type { ActionData, ActionDef } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { asProperty, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';

/** An object name, or null (`~`) for an unnamed object. */
const objectName = { type: ['string', 'null'], description: 'A name in \\BaseNamedObjects (Global\\ allowed), or ~ for none' } as const;

/** Actions that create or open an object and name its handle. */
function creator(
  verb: string,
  description: string,
  properties: Record<string, object>,
  call: (u: Win32, name: string | null, action: ActionData, value: (k: string, fallback: number) => number) => Routine<number>,
): ActionDef {
  return {
    description,
    value: objectName,
    properties: { ...properties, ...asProperty },
    expect: handleExpect,
    defines: 'handle',
    compile(action, path, env, what) {
      const name = (action[verb] as string | null | undefined) ?? null;
      const as = action['as'] as string | undefined;
      const common = compileCommonExpect(action, path, env);
      const value = (k: string, fallback: number) => (action[k] === undefined ? fallback : env.value(action[k] as number | string, [...path, k]));
      // Evaluate now, so bad names are load errors.
      for (const k of Object.keys(properties)) if (typeof action[k] === 'string' || typeof action[k] === 'number') value(k, 0);
      return function* (t) {
        const handle = yield* call(t.u, name, action, value);
        remember(t, as, handle);
        checkHandle(t, what, action, handle, 0);
        checkCommon(t, what, common, handle !== 0);
      };
    },
  };
}

/** Actions on a named handle returning BOOL. */
function operation(verb: string, description: string, properties: Record<string, object>, call: (u: Win32, handle: number, action: ActionData) => Routine<boolean>): ActionDef {
  return {
    description,
    value: nameSchema,
    properties,
    expect: {},
    compile(action, path, env, what) {
      const name = action[verb] as string;
      requireHandle(name, [...path, verb], env);
      const common = compileCommonExpect(action, path, env);
      return function* (t) {
        checkCommon(t, what, common, yield* call(t.u, handleOf(t, name), action));
      };
    },
  };
}

const requireName = (name: string | null): string => name ?? '';

export const SYNC_ACTIONS = {
  'create-event': creator(
    'create-event',
    'CreateEvent: a manual-reset (notification) or auto-reset (synchronization) event, named or not.',
    { manual: { type: 'boolean' }, signalled: { type: 'boolean' } },
    (u, name, a) => u.CreateEvent(a['manual'] === true, a['signalled'] === true, name),
  ),
  'open-event': creator('open-event', 'OpenEvent by name.', { access: valueSchema }, (u, name, _a, v) => u.OpenEvent(v('access', EVENT_ACCESS.ALL_ACCESS), requireName(name))),
  'set-event': operation('set-event', 'SetEvent.', {}, (u, h) => u.SetEvent(h)),
  'reset-event': operation('reset-event', 'ResetEvent.', {}, (u, h) => u.ResetEvent(h)),
  'pulse-event': operation('pulse-event', 'PulseEvent.', {}, (u, h) => u.PulseEvent(h)),
  'create-semaphore': creator(
    'create-semaphore',
    'CreateSemaphore with an initial and a maximum count, named or not.',
    { initial: valueSchema, maximum: valueSchema },
    (u, name, _a, v) => u.CreateSemaphore(v('initial', 0), v('maximum', 1), name),
  ),
  'open-semaphore': creator('open-semaphore', 'OpenSemaphore by name.', { access: valueSchema }, (u, name, _a, v) => u.OpenSemaphore(v('access', SEMAPHORE_ACCESS.ALL_ACCESS), requireName(name))),
  'release-semaphore': operation('release-semaphore', 'ReleaseSemaphore (count 1 unless given).', { count: { type: 'integer', minimum: 0 } }, (u, h, a) =>
    u.ReleaseSemaphore(h, typeof a['count'] === 'number' ? a['count'] : 1),
  ),
  'create-mutex': creator('create-mutex', 'CreateMutex, owned by the caller or not, named or not.', { owned: { type: 'boolean' } }, (u, name, a) => u.CreateMutex(a['owned'] === true, name)),
  'open-mutex': creator('open-mutex', 'OpenMutex by name.', { access: valueSchema }, (u, name, _a, v) => u.OpenMutex(v('access', MUTANT_ACCESS.ALL_ACCESS), requireName(name))),
  'release-mutex': operation('release-mutex', 'ReleaseMutex: only the owning thread may.', {}, (u, h) => u.ReleaseMutex(h)),
} as const;
