import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import type { CompileEnv, ThreadRuntime } from './ActionEnv.ts';

/** A handle name must be defined by some `as:` of the same process. */
export function requireHandle(name: string, path: Path, env: CompileEnv): void {
  if (!env.handles.has(name)) {
    const close = didYouMean(name, env.handles);
    env.error(path, `no handle named '${name}' in this process: name one with 'as:' on an action that returns a handle`, close === null ? null : `did you mean '${close}'?`);
  }
}

/** The handle value a name holds now (0 — an invalid handle — if it was never set). */
export function handleOf(t: ThreadRuntime, name: string): number {
  return t.handles.get(name) ?? 0;
}

/** Records the handle an action returned under its `as:` name. */
export function remember(t: ThreadRuntime, as: string | undefined, handle: number): void {
  if (as !== undefined) t.handles.set(as, handle);
}
