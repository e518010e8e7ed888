import { describeWait, INFINITE, WAIT } from '@irpsim/io-manager';
import { isDuration, parseDuration } from '../format/durations.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ActionDef, CompileEnv } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { handleOf, requireHandle } from './handles.ts';
import { nameSchema, timeoutSchema } from './schemaParts.ts';

/**
 * A Win32 time argument in milliseconds: a time (a bare number is milliseconds; `2ms`,
 * `1s`) that must be whole milliseconds, since that is all the API can take; or INFINITE
 * (or another named value).
 */
export function millisecondsOf(input: number | string, path: Path, env: CompileEnv, api: string): number {
  if (!isDuration(input)) return env.value(input, path);
  const d = parseDuration(input);
  if (!d.ok) {
    env.error(path, d.message, d.hint);
    return 0;
  }
  if (d.ns % 1_000_000 !== 0) {
    env.error(path, `${api} takes whole milliseconds: ${String(input)} is ${d.ns / 1_000_000} ms`, 'the Win32 API has no finer unit');
    return 0;
  }
  const ms = d.ns / 1_000_000;
  if (ms >= INFINITE) env.error(path, `${String(input)} is too long: the longest finite time is ${INFINITE - 1} ms (or write INFINITE)`);
  return ms;
}

function timeoutOf(action: Record<string, unknown>, path: Path, env: CompileEnv, api: string): number {
  return action['timeout'] === undefined ? INFINITE : millisecondsOf(action['timeout'] as number | string, [...path, 'timeout'], env, api);
}

/** `wait: h` — WaitForSingleObject(Ex). */
const wait: ActionDef = {
  description: 'WaitForSingleObject(Ex): returns WAIT_OBJECT_0, WAIT_ABANDONED, WAIT_TIMEOUT or WAIT_IO_COMPLETION.',
  value: nameSchema,
  properties: { timeout: timeoutSchema, alertable: { type: 'boolean' } },
  expect: {},
  compile(action, path, env, what) {
    const name = action['wait'] as string;
    requireHandle(name, [...path, 'wait'], env);
    const timeout = timeoutOf(action, path, env, 'WaitForSingleObject');
    const alertable = action['alertable'] === true;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const result = yield* t.u.WaitForSingleObjectEx(handleOf(t, name), timeout, alertable);
      checkCommon(t, what, common, result, describeWait);
    };
  },
};

/** `wait-any: [a, b]` / `wait-all: [a, b]` — WaitForMultipleObjects(Ex). */
function waitMany(all: boolean): ActionDef {
  const verb = all ? 'wait-all' : 'wait-any';
  return {
    description: `WaitForMultipleObjects(Ex) with bWaitAll = ${all ? 'TRUE' : 'FALSE'}: WAIT_OBJECT_0${all ? '' : ' + i'}, WAIT_TIMEOUT, …`,
    value: { type: 'array', items: nameSchema, minItems: 1, maxItems: 64 },
    properties: { timeout: timeoutSchema, alertable: { type: 'boolean' } },
    expect: {},
    compile(action, path, env, what) {
      const names = action[verb] as string[];
      names.forEach((n, i) => requireHandle(n, [...path, verb, i], env));
      const timeout = timeoutOf(action, path, env, 'WaitForMultipleObjects');
      const alertable = action['alertable'] === true;
      const common = compileCommonExpect(action, path, env);
      return function* (t) {
        const array = t.u.scratch(4 * names.length);
        names.forEach((n, i) => t.u.writeU32(array + 4 * i, handleOf(t, n)));
        const result = yield* t.u.WaitForMultipleObjects(names.length, array, all, timeout, alertable);
        checkCommon(t, what, common, result, describeWait);
      };
    },
  };
}

/** `sleep: ms` — Sleep / SleepEx. */
const sleep: ActionDef = {
  description: 'Sleep(Ex): returns 0, or WAIT_IO_COMPLETION when an alertable sleep ran user APCs. sleep: 0 is a yield.',
  value: timeoutSchema,
  properties: { alertable: { type: 'boolean' } },
  expect: {},
  compile(action, path, env, what) {
    const ms = millisecondsOf(action['sleep'] as number | string, [...path, 'sleep'], env, 'Sleep');
    const alertable = action['alertable'] === true;
    const common = compileCommonExpect(action, path, env);
    // SleepEx returns a DWORD, 0 or WAIT_IO_COMPLETION: never a wait result such as WAIT_OBJECT_0.
    const show = (n: number) => (n === WAIT.IO_COMPLETION ? 'WAIT_IO_COMPLETION' : String(n));
    return function* (t) {
      const result = yield* t.u.SleepEx(ms, alertable);
      checkCommon(t, what, common, result, show);
    };
  },
};

export const WAIT_ACTIONS = { wait, 'wait-any': waitMany(false), 'wait-all': waitMany(true), sleep } as const;
