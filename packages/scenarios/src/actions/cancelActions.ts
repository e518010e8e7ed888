import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { handleOf, requireHandle } from './handles.ts';
import { overlappedOf, requireOverlapped } from './overlapped.ts';
import { nameSchema } from './schemaParts.ts';

/** `cancel-io: h` — CancelIo: this thread's requests on the handle (IO-6.5). */
const cancelIo: ActionDef = {
  description: "CancelIo: cancels the calling thread's requests on the handle.",
  value: { ...nameSchema, description: 'A file handle named with `as`' },
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const handle = action['cancel-io'] as string;
    requireHandle(handle, [...path, 'cancel-io'], env);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.CancelIo(handleOf(t, handle)));
    };
  },
};

/** `cancel-io-ex: h` (+ `overlapped`) — CancelIoEx: one request, or all of the process's on the handle (IO-6.5). */
const cancelIoEx: ActionDef = {
  description: "CancelIoEx: cancels the request that used `overlapped`, or (without it) all of this process's requests on the handle; FALSE / ERROR_NOT_FOUND when none matched.",
  value: { ...nameSchema, description: 'A file handle named with `as`' },
  properties: { overlapped: { ...nameSchema, description: 'An OVERLAPPED named with overlapped: { as }' } },
  expect: {},
  compile(action, path, env, what) {
    const handle = action['cancel-io-ex'] as string;
    requireHandle(handle, [...path, 'cancel-io-ex'], env);
    const ov = action['overlapped'] as string | undefined;
    if (ov !== undefined) requireOverlapped(ov, [...path, 'overlapped'], env);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.CancelIoEx(handleOf(t, handle), ov === undefined ? 0 : overlappedOf(t, ov)));
    };
  },
};

/** `cancel-synchronous-io: t` — CancelSynchronousIo: the synchronous request a thread is blocked in (IO-6.5). */
const cancelSynchronousIo: ActionDef = {
  description: 'CancelSynchronousIo: cancels the synchronous request the thread (a handle from spawn … as) is blocked in; FALSE / ERROR_NOT_FOUND when there is none.',
  value: { ...nameSchema, description: 'A thread handle named with spawn … as' },
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const thread = action['cancel-synchronous-io'] as string;
    requireHandle(thread, [...path, 'cancel-synchronous-io'], env);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.CancelSynchronousIo(handleOf(t, thread)));
    };
  },
};

export const CANCEL_ACTIONS = { 'cancel-io': cancelIo, 'cancel-io-ex': cancelIoEx, 'cancel-synchronous-io': cancelSynchronousIo } as const;
