import type { Path } from '../format/SourceMap.ts';
import type { ActionDef, CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { watchApcs, type ApcRun } from './apcLog.ts';
import { showError, showHex, showStatus } from './format.ts';
import { requireOverlapped } from './overlapped.ts';
import { nameSchema, valueSchema } from './schemaParts.ts';
import { SIGNALLED_AFTER_ACTIONS } from './signalledAfter.ts';

/** `expect: { apcs: [r, { label: done, error: 0, bytes: 7 }] }`. */
export const apcsSchema = {
  type: 'array',
  description:
    'The APC routines (nt-read … apc), completion routines (read-ex, write-ex) and user APCs (queue-apc) that ran during the wait, in order: a label, or { label, context, iosb, status, information } / { label, error, bytes, overlapped }; [] = none ran',
  items: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        required: ['label'],
        properties: {
          label: { type: 'string' },
          context: { ...valueSchema, description: 'An APC routine’s ApcContext' },
          iosb: { ...nameSchema, description: 'An APC routine’s IoStatusBlock: the IO_STATUS_BLOCK named with iosb:' },
          status: { ...valueSchema, description: 'An APC routine’s IoStatusBlock->Status, read when it runs' },
          information: { ...valueSchema, description: 'An APC routine’s IoStatusBlock->Information, read when it runs' },
          error: { ...valueSchema, description: 'A completion routine’s dwErrorCode' },
          bytes: { ...valueSchema, description: 'A completion routine’s dwNumberOfBytesTransfered' },
          overlapped: { ...nameSchema, description: 'A completion routine’s lpOverlapped: an OVERLAPPED name' },
        },
        additionalProperties: false,
      },
    ],
  },
} as const;

/** One expected run: its label and the arguments to compare (buffer names resolved at run time). */
interface ApcExpect {
  readonly label: string;
  readonly numbers: readonly (readonly [key: string, value: number])[];
  readonly names: readonly (readonly [key: 'iosb' | 'overlapped', name: string])[];
}

function compileApcs(spec: unknown, path: Path, env: CompileEnv): readonly ApcExpect[] | null {
  if (!Array.isArray(spec)) return null;
  return spec.map((item, i): ApcExpect => {
    if (typeof item === 'string') return { label: item, numbers: [], names: [] };
    const o = item as Record<string, unknown>;
    const at = [...path, i];
    const numbers = (['context', 'status', 'information', 'error', 'bytes'] as const)
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, env.value(o[k] as number | string, [...at, k]) >>> 0] as const);
    const names = (['iosb', 'overlapped'] as const).filter((k) => typeof o[k] === 'string').map((k) => [k, o[k] as string] as const);
    for (const [k, name] of names) requireOverlapped(name, [...at, k], env);
    return { label: o['label'] as string, numbers, names };
  });
}

const SHOW: Readonly<Record<string, (n: number) => string>> = { status: showStatus, error: showError, context: showHex, iosb: showHex, overlapped: showHex };

function showRun(run: ApcRun): string {
  const args = Object.entries(run.args).map(([k, v]) => `${k} ${(SHOW[k] ?? String)(v)}`);
  return `${run.kind} "${run.label}"${args.length === 0 ? '' : ` (${args.join(', ')})`}`;
}

function showExpect(t: ThreadRuntime, x: ApcExpect): string {
  const args = [...x.numbers.map(([k, v]) => `${k} ${(SHOW[k] ?? String)(v)}`), ...x.names.map(([k, name]) => `${k} ${name} (${showHex(t.buffers.get(name)?.address ?? 0)})`)];
  return `"${x.label}"${args.length === 0 ? '' : ` (${args.join(', ')})`}`;
}

function matches(t: ThreadRuntime, x: ApcExpect, run: ApcRun): boolean {
  if (run.label !== x.label) return false;
  if (!x.numbers.every(([k, v]) => run.args[k] === v)) return false;
  return x.names.every(([k, name]) => run.args[k] === (t.buffers.get(name)?.address ?? 0));
}

/**
 * A wait or sleep that also takes `apcs`: the program's APC routines, completion routines
 * and user APCs that ran inside it, in the order they ran (IO-7.12: a completion routine
 * runs only in an alertable wait of the issuing thread; IO-7.14: a non-alertable wait runs
 * none). `[]` says that none ran.
 */
function apcsAfter(def: ActionDef): ActionDef {
  return {
    ...def,
    expect: { ...def.expect, apcs: apcsSchema },
    compile(action, path, env, what) {
      const expected = compileApcs(((action['expect'] ?? {}) as Record<string, unknown>)['apcs'], [...path, 'expect', 'apcs'], env);
      const step = def.compile(action, path, env, what);
      if (expected === null) return step;
      return function* (t) {
        const watch = watchApcs(t.u.thread);
        let ran: readonly ApcRun[];
        try {
          yield* step(t);
        } finally {
          ran = watch.stop();
        }
        const passed = ran.length === expected.length && expected.every((x, i) => matches(t, x, ran[i]!));
        const show = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
        t.check(`${what}: APCs that ran`, show(expected.map((x) => showExpect(t, x))), show(ran.map(showRun)), passed);
      };
    },
  };
}

/** wait, wait-any, wait-all and sleep, with `apcs` (and `signalled`, signalledAfter.ts). */
export const APCS_ACTIONS = Object.fromEntries(
  (['wait', 'wait-any', 'wait-all', 'sleep'] as const).map((verb) => [verb, apcsAfter(SIGNALLED_AFTER_ACTIONS[verb]!)]),
) as Readonly<Record<string, ActionDef>>;
