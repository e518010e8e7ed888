import { ntStatusToWin32 } from '@irpsim/io-manager';
import { ntSuccess } from '@irpsim/core';
import type { ActionDef, ThreadRuntime } from './ActionEnv.ts';
import { CANCEL_ACTIONS } from './cancelActions.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showHex } from './format.ts';
import { handleOf } from './handles.ts';
import { checkIosb, compileIosbExpect, freshIosb, iosbExpectSchema } from './iosbExpectation.ts';
import { overlappedOf } from './overlapped.ts';
import { READ_WRITE_ACTIONS } from './readWriteActions.ts';

/**
 * `inspect: NAME` with `iosb`: the 8 bytes at NAME read as an IO_STATUS_BLOCK (Status,
 * Information) when the action runs — an IOSB named by `nt-read … iosb:`, or an OVERLAPPED,
 * whose Internal / InternalHigh are one (IO-2.5, IO-7.5). The IOSB of a request that pended
 * is written at completion, so `inspect` after the completion shows what the call could not.
 */
const inspect: ActionDef = {
  ...READ_WRITE_ACTIONS.inspect,
  description: `${READ_WRITE_ACTIONS.inspect.description} With iosb: the buffer read as an IO_STATUS_BLOCK (an IOSB named with iosb:, or an OVERLAPPED).`,
  expect: { ...READ_WRITE_ACTIONS.inspect.expect, iosb: iosbExpectSchema },
  compile(action, path, env, what) {
    const step = READ_WRITE_ACTIONS.inspect.compile(action, path, env, what);
    const expect = compileIosbExpect(((action['expect'] ?? {}) as Record<string, unknown>)['iosb'], [...path, 'expect', 'iosb'], env);
    if (expect === null) return step;
    const name = action['inspect'] as string;
    return function* (t) {
      yield* step(t);
      const address = overlappedOf(t, name);
      if (address === 0) t.check(`${what}: IO_STATUS_BLOCK`, 'a buffer', `nothing named ${name} yet`, false);
      else checkIosb(t, what, expect, address);
    };
  },
};

/**
 * `cancel-synchronous-io: t` with `iosb`: CancelSynchronousIo as kernel32 makes it —
 * NtCancelSynchronousIoFile(thread, NULL, &iosb), the last error from the status — with
 * that IO_STATUS_BLOCK shown: {STATUS_SUCCESS, 0} when a request was cancelled,
 * {STATUS_NOT_FOUND, 0} when the thread was in none (IO-6.5).
 */
const cancelSynchronousIo: ActionDef = {
  ...CANCEL_ACTIONS['cancel-synchronous-io'],
  expect: { ...CANCEL_ACTIONS['cancel-synchronous-io'].expect, iosb: iosbExpectSchema },
  compile(action, path, env, what) {
    const step = CANCEL_ACTIONS['cancel-synchronous-io'].compile(action, path, env, what);
    const expect = compileIosbExpect(((action['expect'] ?? {}) as Record<string, unknown>)['iosb'], [...path, 'expect', 'iosb'], env);
    if (expect === null) return step;
    const name = action['cancel-synchronous-io'] as string;
    const common = compileCommonExpect(action, path, env);
    return function* (t: ThreadRuntime) {
      const u = t.u;
      const iosb = freshIosb(t);
      const thread = handleOf(t, name);
      if (u.traced) u.call('CancelSynchronousIo', showHex(thread));
      const status = yield* u._io.machine.systemCall('NtCancelSynchronousIoFile', { thread, request: 0, iosb });
      const ok = ntSuccess(status);
      if (!ok) u.fail(ntStatusToWin32(status));
      u.done('CancelSynchronousIo', ok, '', status);
      checkCommon(t, what, common, ok);
      checkIosb(t, what, expect, iosb);
    };
  },
};

export const IOSB_AFTER_ACTIONS = { inspect, 'cancel-synchronous-io': cancelSynchronousIo } as const;
