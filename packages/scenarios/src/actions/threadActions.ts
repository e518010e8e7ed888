import { CURRENT_PROCESS, type Thread } from '@irpsim/core';
import { Win32 } from '@irpsim/io-manager';
import type { ActionDef, ThreadRuntime } from './ActionEnv.ts';
import { runSteps, untracked, valueAt } from './ActionEnv.ts';
import { apcRan } from './apcLog.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import type { ActionProgress } from '../run/ScenarioSpec.ts';
import { actionsSchema, asProperty, countSchema, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';

/** A runtime for another thread of the same process: same shared handles and buffers, its own counters. */
function sibling(t: ThreadRuntime, u: Win32, progress: ActionProgress): ThreadRuntime {
  return { ...t, u, label: u.thread.label, counters: new Map(), progress };
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
    // Another thread: the counters of an enclosing repeat are not visible there.
    const list = env.compileList(action['actions'], [...path, 'actions'], `${what} →`, new Set());
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.CreateThread(name, function* (u) {
        const progress = t.track(u.thread.label, list.labels);
        yield* runSteps(sibling(t, u, progress), list);
        progress.done = true;
      });
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
    const list = env.compileList(action['actions'], [...path, 'actions'], `${what} (APC) →`, new Set());
    const label = (action['label'] as string | undefined) ?? 'user APC';
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const io = t.u._io;
      const ok = yield* t.u.QueueUserAPC(
        (thread: Thread) => {
          const u = new Win32(io, thread);
          const progress = untracked(u.thread.label);
          apcRan(thread, { kind: 'user APC', label, args: {} });
          return runSteps(sibling(t, u, progress), list, progress);
        },
        handleOf(t, target),
        label,
      );
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

/**
 * `exit-process: code` — ExitProcess: every thread of the process ends, this one included.
 * It never returns, so it has nothing to expect and must end its action list (the loader
 * checks that).
 */
const exitProcess: ActionDef = {
  description: 'ExitProcess: every thread of the process ends, this one first. It never returns: it must be the last action of its list.',
  value: valueSchema,
  properties: {},
  expect: {},
  call: false,
  compile(action, path, env) {
    const code = env.value(action['exit-process'] as number | string, [...path, 'exit-process']);
    return function* (t) {
      t.progress.done = true; // the thread's list ends here, by design
      yield* t.u.TerminateProcess(CURRENT_PROCESS, code);
    };
  },
};

/**
 * `repeat: N` + `actions:` (+ `as: i`) — runs the nested actions N times in this thread.
 * `as` names a counter, 0 … N−1, that expressions in the nested actions may use
 * (`offset: (i % 4) * 8`, `text: 'item ${i}'`).
 */
const repeat: ActionDef = {
  description: 'Runs the nested actions N times in this thread; `as: i` names the iteration counter (0 … N−1) for expressions in them.',
  value: { ...countSchema, description: 'How many times: a number or an expression' },
  properties: { actions: actionsSchema, as: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The counter’s name, for expressions in the nested actions' } },
  expect: {},
  call: false,
  compile(action, path, env, what) {
    const count = env.dyn(action['repeat'] as number | string, [...path, 'repeat']);
    const as = action['as'] as string | undefined;
    if (as !== undefined) {
      if (env.counters.has(as)) env.error([...path, 'as'], `the counter '${as}' is already the counter of an enclosing repeat`, 'give this one another name');
      else if (env.values.has(as)) env.error([...path, 'as'], `'${as}' is already the name of a value`, 'give the counter another name, such as i or slot');
    }
    if (count !== 1 && Array.isArray(action['actions'])) {
      (action['actions'] as unknown[]).forEach((item, i) => {
        if (item !== null && typeof item === 'object' && Object.keys(item)[0] === 'exit-process') {
          env.error([...path, 'actions', i, 'exit-process'], 'exit-process inside a repeat ends the thread in the first iteration: the others never run', 'put it after the repeat');
        }
      });
    }
    const counters = as === undefined ? env.counters : new Set([...env.counters, as]);
    const list = env.compileList(action['actions'], [...path, 'actions'], `${what} →`, counters);
    return function* (t) {
      const n = valueAt(count, t);
      const outer = t.progress.detail;
      for (let k = 0; k < n; k++) {
        if (as !== undefined) t.counters.set(as, k);
        // Expectations checked in an iteration say which one.
        const tag = as === undefined ? `iteration ${k + 1} of ${n}` : `${as} = ${k}`;
        const inner: ThreadRuntime = { ...t, check: (d, e, a, p) => t.check(`${d} (${tag})`, e, a, p) };
        const iteration = `iteration ${k + 1} of ${n}${as === undefined ? '' : ` (${as} = ${k})`}`;
        for (let s = 0; s < list.steps.length; s++) {
          t.progress.detail = `${outer !== null ? `${outer}, ` : ''}${iteration} at ${list.labels[s]}`;
          yield* list.steps[s]!(inner);
        }
      }
      if (as !== undefined) t.counters.delete(as);
      t.progress.detail = outer;
    };
  },
};

export const THREAD_ACTIONS = { spawn, 'queue-apc': queueApc, 'terminate-thread': terminateThread, 'exit-process': exitProcess, repeat } as const;
