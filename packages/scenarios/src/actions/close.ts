import type { Path } from '../format/SourceMap.ts';
import { didYouMean } from '../format/didYouMean.ts';
import type { ActionData, CompileEnv, Step } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';

/** `close: h` — CloseHandle. */
export function compileClose(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const name = action['close'] as string;
  requireHandle(name, [...path, 'close'], env);
  const common = compileCommonExpect(action, path, env);
  return function* (t) {
    const ok = yield* t.u.CloseHandle(t.handles.get(name) ?? 0);
    checkCommon(t, what, common, ok);
  };
}

/** A handle name must come from an earlier `open … as:` of the same thread. */
export function requireHandle(name: string, path: Path, env: CompileEnv): void {
  if (!env.handles.has(name)) {
    const close = didYouMean(name, env.handles);
    env.error(path, `no handle named '${name}': name one with 'as:' on an earlier open of this thread`, close === null ? null : `did you mean '${close}'?`);
  }
}
