import type { TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, Step } from './ActionEnv.ts';

/**
 * The `irps` expectation (docs/scenario-format.md §4.1): the requests the action brought to
 * a driver — IRPs the I/O manager built in this thread while the action ran and sent to the
 * top of a stack (IoCallDriver by the I/O manager, not a driver's forwarding), by major
 * function, in order; `[]` means no driver heard of the call (IO-2.3, IO-9.2, IO-9.5). It
 * listens to the trace only while such an action runs, so a scenario without it pays
 * nothing. A CLOSE deferred to a worker thread falls outside the action.
 */
export function expectIrps(action: ActionData, path: Path, env: CompileEnv, what: string, step: Step): Step {
  const listed = ((action['expect'] ?? {}) as Record<string, unknown>)['irps'];
  if (!Array.isArray(listed)) return step;
  const wanted = listed.map((v, i) => env.value(v as number | string, [...path, 'expect', 'irps', i]));
  const show = (majors: readonly number[]) => (majors.length === 0 ? 'none' : majors.map(majorName).join(', '));
  return function* (t) {
    const tid = t.u.thread.id;
    const built = new Set<number>();
    const seen: number[] = [];
    const listener = (e: TraceEvent) => {
      if (e.type === 'io.irp.alloc' && e.tid === tid) built.add(e.irp);
      else if (e.type === 'io.irp.call' && e.caller === null && built.has(e.irp)) seen.push(e.major);
    };
    const subscription = t.u._io.machine.trace.subscribe(listener);
    try {
      yield* step(t);
    } finally {
      subscription.unsubscribe();
    }
    t.check(`${what}: IRPs`, show(wanted), show(seen), seen.length === wanted.length && seen.every((m, i) => m === wanted[i]));
  };
}
