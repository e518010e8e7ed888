import { CURRENT_PROCESS, type Thread } from '@irpsim/core';
import { Win32 } from '@irpsim/io-manager';
import type { ActionDef, ThreadRuntime } from './ActionEnv.ts';
import { runSteps } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { actionsSchema, asProperty, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';

/** A runtime for another thread of the same process: same shared handles and buffers. */
function sibling(t: ThreadRuntime, u: Win32): ThreadRuntime {
  return { u, buffers: t.buffers, handles: t.handles, check: t.check, label: u.thread.label };
}

/** `spawn: name` + `actions:` — CreateThread running the nested actions. */
const spawn: ActionDef = {
  description: 'CreateThread: a new thread of this process runs the nested actions; `as` names its handle.',
  value: nameSchema,
  properties: { actions: actionsSchema, ...asProperty },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const name = action['spawn'] as string;
    const steps = env.compileList(action['actions'], [...path, 'actions'], `${what} →`);
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.CreateThread(name, (u) => runSteps(sibling(t, u), steps));
      remember(t, as, handle);
      checkHandle(t, what, action, handle, 0);
      checkCommon(t, what, common, handle !== 0);
    };
  },
};

/** `queue-apc: thread` + `actions:` — QueueUserAPC; the actions run in that thread at its next alertable wait. */
const queueApc: ActionDef = {
  description: 'QueueUserAPC: the nested actions run in the target thread when it next waits alertably.',
  value: { ...nameSchema, description: 'A thread handle (from spawn … as:)' },
  properties: { actions: actionsSchema, label: { type: 'string' } },
  expect: {},
  compile(action, path, env, what) {
    const target = action['queue-apc'] as string;
    requireHandle(target, [...path, 'queue-apc'], env);
    const steps = env.compileList(action['actions'], [...path, 'actions'], `${what} (APC) →`);
    const label = (action['label'] as string | undefined) ?? 'user APC';
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const io = t.u._io;
      const ok = yield* t.u.QueueUserAPC((thread: Thread) => runSteps(sibling(t, new Win32(io, thread)), steps), handleOf(t, target), label);
      checkCommon(t, what, common, ok);
    };
  },
};

/** `terminate-thread: h` — TerminateThread. */
const terminateThread: ActionDef = {
  description: 'TerminateThread: the thread stops at its next UserMode wait or return to user mode.',
  value: nameSchema,
  properties: { exitCode: valueSchema },
  expect: {},
  compile(action, path, env, what) {
    const target = action['terminate-thread'] as string;
    requireHandle(target, [...path, 'terminate-thread'], env);
    const code = action['exitCode'] === undefined ? 0 : env.value(action['exitCode'] as number | string, [...path, 'exitCode']);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.TerminateThread(handleOf(t, target), code));
    };
  },
};

/** `exit-process: code` — ExitProcess: every thread of the process ends, this one included. */
const exitProcess: ActionDef = {
  description: 'ExitProcess: every thread of the process ends, this one first.',
  value: valueSchema,
  properties: {},
  expect: {},
  compile(action, path, env) {
    const code = env.value(action['exit-process'] as number | string, [...path, 'exit-process']);
    return function* (t) {
      yield* t.u.TerminateProcess(CURRENT_PROCESS, code);
    };
  },
};

export const THREAD_ACTIONS = { spawn, 'queue-apc': queueApc, 'terminate-thread': terminateThread, 'exit-process': exitProcess } as const;
