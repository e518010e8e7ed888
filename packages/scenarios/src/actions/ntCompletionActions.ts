import { ntSuccess, type NtStatus } from '@irpsim/core';
import { FILE_INFORMATION_CLASS } from '@irpsim/io-manager';
import type { ActionDef, ThreadRuntime } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showHex, showStatus } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { checkIosb, compileIosbExpect, freshIosb, iosbExpectSchema } from './iosbExpectation.ts';
import { overlappedOf, requireOverlapped } from './overlapped.ts';
import { nameSchema, valueSchema } from './schemaParts.ts';

/**
 * `nt-post` and `query-notification-modes`: the completion-port system services a program
 * calling ntdll reaches without kernel32. Like `nt-ioctl` they return the NTSTATUS and
 * leave the last error alone.
 */

/** The `win32.return` line an ntdll call ends with in the trace (as ntIoActions.ts does). */
function traceReturn(t: ThreadRuntime, service: string, status: NtStatus): void {
  const trace = t.u._io.machine.trace;
  if (trace.on) trace.emit({ type: 'win32.return', tid: t.u.thread.id, api: service, ok: ntSuccess(status), detail: '', status, error: null, errorName: null });
}

/** `nt-post: port` — NtSetIoCompletion: a packet with any status and Information (IO-7.17). */
const ntPost: ActionDef = {
  description: 'NtSetIoCompletion: queue a packet with its key, ApcContext (an OVERLAPPED or a value), Status and Information — any status, unlike PostQueuedCompletionStatus.',
  value: { ...nameSchema, description: 'A port named by create-port' },
  properties: {
    key: { ...valueSchema, description: 'KeyContext, the packet’s completion key (0)' },
    context: { ...valueSchema, description: 'ApcContext as a value (0): what GetQueuedCompletionStatus returns as lpOverlapped' },
    overlapped: { ...nameSchema, description: 'ApcContext as a named OVERLAPPED (instead of context)' },
    status: { ...valueSchema, description: 'IoStatus (STATUS_SUCCESS)' },
    information: { ...valueSchema, description: 'IoStatusInformation, the byte count the dequeue reports (0)' },
  },
  expect: {},
  compile(action, path, env, what) {
    const port = action['nt-post'] as string;
    requireHandle(port, [...path, 'nt-post'], env);
    const value = (k: string) => (action[k] === undefined ? 0 : env.value(action[k] as number | string, [...path, k]) >>> 0);
    const [key, context, status, information] = [value('key'), value('context'), value('status'), value('information')];
    const ov = action['overlapped'] as string | undefined;
    if (ov !== undefined) requireOverlapped(ov, [...path, 'overlapped'], env);
    if (ov !== undefined && action['context'] !== undefined) env.error([...path, 'context'], 'give the ApcContext once: context (a value) or overlapped (a name)');
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = handleOf(t, port);
      const apcContext = ov === undefined ? context : overlappedOf(t, ov);
      const u = t.u;
      if (u.traced) u.call('NtSetIoCompletion', `port ${showHex(handle)}, key ${showHex(key)}, ApcContext ${showHex(apcContext)}, ${showStatus(status)}, Information ${information}`);
      const result = yield* u._io.machine.systemCall('NtSetIoCompletion', { handle, key, apcContext, status, information });
      traceReturn(t, 'NtSetIoCompletion', result);
      checkCommon(t, what, common, result, showStatus);
    };
  },
};

/** `query-notification-modes: h` — NtQueryInformationFile(FileIoCompletionNotificationInformation) (IO-7.16). */
const queryNotificationModes: ActionDef = {
  description: 'NtQueryInformationFile(FileIoCompletionNotificationInformation): the completion-notification modes set on the handle’s file object.',
  value: { ...nameSchema, description: 'A file handle named with `as`' },
  properties: {
    length: { ...valueSchema, description: 'The output buffer’s length (4: FILE_IO_COMPLETION_NOTIFICATION_INFORMATION)' },
    iosb: { ...nameSchema, description: 'Names the 8-byte IO_STATUS_BLOCK as a buffer of the process' },
  },
  expect: {
    modes: { ...valueSchema, description: 'The Flags read back: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | …' },
    iosb: iosbExpectSchema,
  },
  names: (a) => (typeof a['iosb'] === 'string' ? { buffers: [[a['iosb'], 8]] } : {}),
  compile(action, path, env, what) {
    const name = action['query-notification-modes'] as string;
    requireHandle(name, [...path, 'query-notification-modes'], env);
    const length = action['length'] === undefined ? 4 : env.value(action['length'] as number | string, [...path, 'length']);
    const iosbName = action['iosb'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    const e = (action['expect'] ?? {}) as Record<string, unknown>;
    const modes = e['modes'] === undefined ? null : env.value(e['modes'] as number | string, [...path, 'expect', 'modes']) >>> 0;
    const iosbExpect = compileIosbExpect(e['iosb'], [...path, 'expect', 'iosb'], env);
    return function* (t) {
      const u = t.u;
      const iosb = freshIosb(t);
      if (iosbName !== undefined) t.buffers.set(iosbName, { address: iosb, size: 8 });
      // Room for the structure even when a shorter length is passed: the service must refuse it (STATUS_INFO_LENGTH_MISMATCH).
      const info = u.scratch(Math.max(4, length));
      u.writeU32(info, 0xffffffff);
      const handle = handleOf(t, name);
      if (u.traced) u.call('NtQueryInformationFile', `handle ${showHex(handle)}, FileIoCompletionNotificationInformation, ${length} bytes`);
      const status = yield* u._io.machine.systemCall('NtQueryInformationFile', {
        handle,
        iosb,
        info,
        length,
        infoClass: FILE_INFORMATION_CLASS.FileIoCompletionNotificationInformation,
      });
      traceReturn(t, 'NtQueryInformationFile', status);
      checkCommon(t, what, common, status, showStatus);
      checkIosb(t, what, iosbExpect, iosb);
      if (modes !== null) {
        const actual = u.readU32(info);
        t.check(`${what}: Flags`, showHex(modes), actual === 0xffffffff ? 'not written' : showHex(actual), actual === modes);
      }
    };
  },
};

export const NT_COMPLETION_ACTIONS = { 'nt-post': ntPost, 'query-notification-modes': queryNotificationModes } as const;
