import { ACCESS, DUPLICATE } from '@irpsim/core';
import { CREATION, FILE_FLAG_OVERLAPPED, INVALID_HANDLE_VALUE } from '@irpsim/io-manager';
import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { compileIoctl, ioctlSchema } from './ioctl.ts';
import { asProperty, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';

/** `open: '\\.\Hello'` — CreateFile. */
const open: ActionDef = {
  description: 'CreateFile: open a device by its Win32 name (\\\\.\\Name).',
  value: { type: 'string' },
  properties: {
    access: { ...valueSchema, description: 'Desired access: GENERIC_READ | GENERIC_WRITE (default), 0, …' },
    share: valueSchema,
    disposition: { enum: ['CREATE_NEW', 'CREATE_ALWAYS', 'OPEN_EXISTING', 'OPEN_ALWAYS', 'TRUNCATE_EXISTING'] },
    overlapped: { type: 'boolean' },
    ...asProperty,
  },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const name = action['open'] as string;
    const access = action['access'] === undefined ? (ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE) >>> 0 : env.value(action['access'] as number | string, [...path, 'access']);
    const share = action['share'] === undefined ? 0 : env.value(action['share'] as number | string, [...path, 'share']);
    const disposition = CREATION[(action['disposition'] as keyof typeof CREATION | undefined) ?? 'OPEN_EXISTING'];
    const flags = action['overlapped'] === true ? FILE_FLAG_OVERLAPPED : 0;
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.CreateFile(name, access, share, disposition, flags);
      remember(t, as, handle);
      checkHandle(t, what, action, handle, INVALID_HANDLE_VALUE);
      checkCommon(t, what, common, handle !== INVALID_HANDLE_VALUE);
    };
  },
};

/** `close: h` — CloseHandle. */
const close: ActionDef = {
  description: 'CloseHandle.',
  value: { ...nameSchema, description: 'A handle named with `as`' },
  properties: {},
  expect: {},
  compile(action, path, env, what) {
    const name = action['close'] as string;
    requireHandle(name, [...path, 'close'], env);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.CloseHandle(handleOf(t, name)));
    };
  },
};

/** `duplicate: h` — DuplicateHandle within the process. */
const duplicate: ActionDef = {
  description: 'DuplicateHandle: another handle to the same object (same access unless `access` is given).',
  value: nameSchema,
  properties: { access: valueSchema, closeSource: { type: 'boolean' }, ...asProperty },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const source = action['duplicate'] as string;
    requireHandle(source, [...path, 'duplicate'], env);
    const access = action['access'] === undefined ? null : env.value(action['access'] as number | string, [...path, 'access']);
    const options = (access === null ? DUPLICATE.SAME_ACCESS : 0) | (action['closeSource'] === true ? DUPLICATE.CLOSE_SOURCE : 0);
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const handle = yield* t.u.DuplicateHandle(handleOf(t, source), access ?? 0, options);
      remember(t, as, handle);
      checkHandle(t, what, action, handle, 0);
      checkCommon(t, what, common, handle !== 0);
    };
  },
};

const ioctl: ActionDef = { ...ioctlSchema, compile: compileIoctl };

export const FILE_ACTIONS = { open, close, duplicate, ioctl } as const;
