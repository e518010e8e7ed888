import { ACCESS, STATUS, describeStatus } from '@irpsim/core';
import { FILE_DISPOSITION, FILE_OPTION, ObjectNameInformation } from '@irpsim/io-manager';
import type { ActionDef } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { asProperty, byteCountSchema, handleExpect, nameSchema, valueSchema } from './schemaParts.ts';

/** NtCreateFile's CreateDisposition, by its wdm.h name. */
const DISPOSITIONS = {
  FILE_SUPERSEDE: FILE_DISPOSITION.SUPERSEDE,
  FILE_OPEN: FILE_DISPOSITION.OPEN,
  FILE_CREATE: FILE_DISPOSITION.CREATE,
  FILE_OPEN_IF: FILE_DISPOSITION.OPEN_IF,
  FILE_OVERWRITE: FILE_DISPOSITION.OVERWRITE,
  FILE_OVERWRITE_IF: FILE_DISPOSITION.OVERWRITE_IF,
} as const;

/** `nt-open: '\Device\Foo'` — NtCreateFile with an NT path (IO-9.1, IO-9.2). */
const ntOpen: ActionDef = {
  description: 'NtCreateFile: open by NT path (\\Device\\Name, \\??\\Name), as a program calling ntdll does.',
  value: { type: 'string' },
  properties: {
    access: { ...valueSchema, description: 'DesiredAccess, as given (no SYNCHRONIZE added): GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE (default)' },
    share: valueSchema,
    disposition: { enum: Object.keys(DISPOSITIONS), description: 'CreateDisposition: FILE_OPEN (default), …' },
    options: { ...valueSchema, description: 'CreateOptions: FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE (default); without FILE_SYNCHRONOUS_IO_* the file object is asynchronous' },
    ...asProperty,
  },
  expect: handleExpect,
  defines: 'handle',
  compile(action, path, env, what) {
    const name = action['nt-open'] as string;
    const access = action['access'] === undefined ? (ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE | ACCESS.SYNCHRONIZE) >>> 0 : env.value(action['access'] as number | string, [...path, 'access']);
    const share = action['share'] === undefined ? 0 : env.value(action['share'] as number | string, [...path, 'share']);
    const disposition = DISPOSITIONS[(action['disposition'] as keyof typeof DISPOSITIONS | undefined) ?? 'FILE_OPEN'];
    const options =
      action['options'] === undefined ? FILE_OPTION.SYNCHRONOUS_IO_NONALERT | FILE_OPTION.NON_DIRECTORY_FILE : env.value(action['options'] as number | string, [...path, 'options']);
    const as = action['as'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const out = t.u.scratch(16);
      const status = yield* t.u.NtCreateFile(out, access, name, out + 8, share, disposition, options);
      const handle = status === STATUS.SUCCESS ? t.u.readU32(out) : 0;
      remember(t, as, handle);
      checkHandle(t, what, action, handle, 0);
      checkCommon(t, what, common, status === STATUS.SUCCESS);
    };
  },
};

/** `query-name: h` — NtQueryObject(ObjectNameInformation) (IO-9.9). */
const queryName: ActionDef = {
  description: 'NtQueryObject(ObjectNameInformation): the name of the object behind a handle; for a file, the device’s NT name and what its driver reports.',
  value: nameSchema,
  properties: { length: { ...byteCountSchema, description: 'The output buffer’s size in bytes (512)' } },
  expect: { name: { type: 'string', description: 'The name read back (cut to fit on STATUS_BUFFER_OVERFLOW)' } },
  compile(action, path, env, what) {
    const handle = action['query-name'] as string;
    requireHandle(handle, [...path, 'query-name'], env);
    const length = typeof action['length'] === 'number' ? action['length'] : 512;
    const wanted = ((action['expect'] ?? {}) as Record<string, unknown>)['name'] as string | undefined;
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const buffer = t.u.scratch(Math.max(length, 1));
      const needed = t.u.scratch(4);
      const status = yield* t.u.NtQueryObject(handleOf(t, handle), ObjectNameInformation, buffer, length, needed);
      let name = '';
      if (status === STATUS.SUCCESS || status === STATUS.BUFFER_OVERFLOW) {
        // OBJECT_NAME_INFORMATION: UNICODE_STRING { USHORT Length; USHORT MaximumLength; PWSTR Buffer }.
        const header = t.u.read(buffer, 8);
        const chars = t.u.read(t.u.readU32(buffer + 4), header[0]! | (header[1]! << 8));
        for (let i = 0; i + 1 < chars.length; i += 2) name += String.fromCharCode(chars[i]! | (chars[i + 1]! << 8));
      }
      if (wanted !== undefined) t.check(`${what}: name`, JSON.stringify(wanted), status === STATUS.SUCCESS || status === STATUS.BUFFER_OVERFLOW ? JSON.stringify(name) : `none (${describeStatus(status)})`, name === wanted);
      checkCommon(t, what, common, status === STATUS.SUCCESS);
    };
  },
};

export const OBJECT_ACTIONS = { 'nt-open': ntOpen, 'query-name': queryName } as const;
