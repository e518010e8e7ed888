import { ntSuccess } from '@irpsim/core';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { showBool, showError, showStatus } from './format.ts';

/** The expectations every action shares: `returns`, `error`, `status`. */
export interface CommonExpect {
  readonly returns: boolean | number | null;
  readonly error: number | null;
  readonly status: number | null;
}

export function compileCommonExpect(action: ActionData, path: Path, env: CompileEnv): CommonExpect {
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const returns = e['returns'];
  return {
    returns:
      typeof returns === 'boolean'
        ? returns
        : returns === undefined
          ? null
          : env.value(returns as number | string, [...path, 'expect', 'returns']) !== 0,
    error: e['error'] === undefined ? null : env.value(e['error'] as number | string, [...path, 'expect', 'error']),
    status: e['status'] === undefined ? null : env.value(e['status'] as number | string, [...path, 'expect', 'status']),
  };
}

/** Checks `returns`, `error` and `status` after a call. */
export function checkCommon(t: ThreadRuntime, what: string, expect: CommonExpect, returned: boolean): void {
  if (expect.returns !== null) {
    t.check(`${what}: returns`, showBool(expect.returns as boolean), showBool(returned), returned === expect.returns);
  }
  if (expect.error !== null) {
    const actual = t.u.GetLastError();
    t.check(`${what}: GetLastError()`, showError(expect.error), showError(actual), actual === expect.error);
  }
  if (expect.status !== null) {
    const actual = t.u.thread.lastStatus;
    t.check(`${what}: NTSTATUS`, showStatus(expect.status), showStatus(actual), actual === expect.status);
  }
}

export { ntSuccess };
