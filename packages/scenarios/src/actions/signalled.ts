import { dispatcherOf } from '@irpsim/core';
import type { Path } from '../format/SourceMap.ts';
import type { CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { handleOf, requireHandle } from './handles.ts';

/** `expect: { signalled: { ev: true, h: false } }`: named handles' objects, signalled or not. */
export const signalledSchema = {
  type: 'object',
  description: 'Whether the objects behind named handles are signalled right after the call (read without waiting, so nothing is consumed)',
  additionalProperties: { type: 'boolean' },
} as const;

export type SignalledExpect = readonly (readonly [name: string, signalled: boolean])[];

export function compileSignalled(spec: unknown, path: Path, env: CompileEnv): SignalledExpect | null {
  if (spec === undefined || spec === null || typeof spec !== 'object') return null;
  const entries = Object.entries(spec as Record<string, boolean>);
  for (const [name] of entries) requireHandle(name, [...path, name], env);
  return entries;
}

/**
 * Reads each object's signal state as the kernel holds it — not with a wait, which would
 * reset an auto-reset event — and checks it (IO-7.3, IO-7.8: which event a request signals).
 */
export function checkSignalled(t: ThreadRuntime, what: string, expect: SignalledExpect | null): void {
  if (expect === null) return;
  const machine = t.u._io.machine;
  for (const [name, wanted] of expect) {
    const handle = handleOf(t, name);
    const entry = machine.handleTableFor(t.u.thread, handle).get(handle);
    const dispatcher = entry === undefined ? null : dispatcherOf(entry.object);
    const show = (s: boolean) => (s ? 'signalled' : 'not signalled');
    if (dispatcher === null) {
      t.check(`${what}: ${name} signalled`, show(wanted), entry === undefined ? 'no object (the handle is not open)' : 'an object nobody can wait on', false);
      continue;
    }
    const actual = dispatcher.signalState > 0;
    t.check(`${what}: ${name}`, show(wanted), show(actual), actual === wanted);
  }
}
