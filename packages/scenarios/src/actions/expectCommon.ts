import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { showBool, showError, showStatus } from './format.ts';

/** The expectations every action shares: `returns`, `error`, `status`. */
export interface CommonExpect {
  /** A BOOL (true/false) or a value (a wait result, a handle count). */
  readonly returns: boolean | number | null;
  readonly error: number | null;
  readonly status: number | null;
}

export function compileCommonExpect(action: ActionData, path: Path, env: CompileEnv): CommonExpect {
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const returns = e['returns'];
  return {
    returns: typeof returns === 'boolean' ? returns : returns === undefined ? null : env.value(returns as number | string, [...path, 'expect', 'returns']),
    error: e['error'] === undefined ? null : env.value(e['error'] as number | string, [...path, 'expect', 'error']),
    status: e['status'] === undefined ? null : env.value(e['status'] as number | string, [...path, 'expect', 'status']),
  };
}

/**
 * Checks `returns`, `error` and `status` after a call. `returned` is what the API gave:
 * a BOOL, or a number that `show` names (WAIT_TIMEOUT).
 */
export function checkCommon(t: ThreadRuntime, what: string, expect: CommonExpect, returned: boolean | number, show: (n: number) => string = String): void {
  if (expect.returns !== null) {
    const asShown = (v: boolean | number) => (typeof v === 'boolean' ? showBool(v) : show(v));
    const actual = typeof expect.returns === 'boolean' && typeof returned === 'number' ? returned !== 0 : returned;
    const expected = typeof expect.returns === 'number' && typeof returned === 'boolean' ? expect.returns !== 0 : expect.returns;
    t.check(`${what}: returns`, asShown(expected), asShown(actual), actual === expected);
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

/** The `handle: valid | invalid` expectation of handle-returning actions. */
export function checkHandle(t: ThreadRuntime, what: string, action: ActionData, handle: number, invalid: number): void {
  const wanted = ((action['expect'] ?? {}) as Record<string, unknown>)['handle'] as 'valid' | 'invalid' | undefined;
  if (wanted === undefined) return;
  const valid = handle !== invalid;
  const show = (v: boolean) => (v ? 'a valid handle' : invalid === 0 ? 'NULL' : 'INVALID_HANDLE_VALUE');
  t.check(`${what}: handle`, show(wanted === 'valid'), valid ? `handle 0x${handle.toString(16).toUpperCase()}` : show(false), valid === (wanted === 'valid'));
}
