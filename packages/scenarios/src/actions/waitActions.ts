import { describeWait, INFINITE } from '@irpsim/io-manager';
import type { ActionDef, CompileEnv } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { handleOf, requireHandle } from './handles.ts';
import { msSchema, nameSchema } from './schemaParts.ts';
import type { Path } from '../format/SourceMap.ts';

function timeoutOf(action: Record<string, unknown>, path: Path, env: CompileEnv): number {
  return action['timeout'] === undefined ? INFINITE : env.value(action['timeout'] as number | string, [...path, 'timeout']);
}

/** `wait: h` — WaitForSingleObject(Ex). */
const wait: ActionDef = {
  description: 'WaitForSingleObject(Ex): returns WAIT_OBJECT_0, WAIT_ABANDONED, WAIT_TIMEOUT or WAIT_IO_COMPLETION.',
  value: nameSchema,
  properties: { timeout: msSchema, alertable: { type: 'boolean' } },
  expect: {},
  compile(action, path, env, what) {
    const name = action['wait'] as string;
    requireHandle(name, [...path, 'wait'], env);
    const timeout = timeoutOf(action, path, env);
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
    properties: { timeout: msSchema, alertable: { type: 'boolean' } },
    expect: {},
    compile(action, path, env, what) {
      const names = action[verb] as string[];
      names.forEach((n, i) => requireHandle(n, [...path, verb, i], env));
      const timeout = timeoutOf(action, path, env);
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
  description: 'Sleep(Ex): 0, or WAIT_IO_COMPLETION when an alertable sleep ran user APCs.',
  value: msSchema,
  properties: { alertable: { type: 'boolean' } },
  expect: {},
  compile(action, path, env, what) {
    const ms = env.value(action['sleep'] as number | string, [...path, 'sleep']);
    const alertable = action['alertable'] === true;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const result = yield* t.u.SleepEx(ms, alertable);
      checkCommon(t, what, common, result, describeWait);
    };
  },
};

export const WAIT_ACTIONS = { wait, 'wait-any': waitMany(false), 'wait-all': waitMany(true), sleep } as const;
