import { ACCESS } from '@irpsim/core';
import { CREATION, FILE_FLAG_OVERLAPPED, INVALID_HANDLE_VALUE } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, Step } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showHex } from './format.ts';

/** `open: '\\.\Hello'` — CreateFile. */
export function compileOpen(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const name = action['open'] as string;
  const access = action['access'] === undefined ? (ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE) >>> 0 : env.value(action['access'] as number | string, [...path, 'access']);
  const share = action['share'] === undefined ? 0 : env.value(action['share'] as number | string, [...path, 'share']);
  const disposition = CREATION[(action['disposition'] as keyof typeof CREATION | undefined) ?? 'OPEN_EXISTING'];
  const flags = action['overlapped'] === true ? FILE_FLAG_OVERLAPPED : 0;
  const as = action['as'] as string | undefined;
  if (as !== undefined) env.handles.add(as);
  const common = compileCommonExpect(action, path, env);
  const handleExpect = ((action['expect'] ?? {}) as Record<string, unknown>)['handle'] as 'valid' | 'invalid' | undefined;
  return function* (t) {
    const handle = yield* t.u.CreateFile(name, access, share, disposition, flags);
    const valid = handle !== INVALID_HANDLE_VALUE;
    if (as !== undefined) t.handles.set(as, handle);
    if (handleExpect !== undefined) {
      t.check(`${what}: handle`, handleExpect === 'valid' ? 'a valid handle' : 'INVALID_HANDLE_VALUE', valid ? `handle ${showHex(handle)}` : 'INVALID_HANDLE_VALUE', valid === (handleExpect === 'valid'));
    }
    checkCommon(t, what, common, valid);
  };
}
