import type { Path } from '../format/SourceMap.ts';
import type { CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { showStatus } from './format.ts';
import { valueSchema } from './schemaParts.ts';

/** A fresh IO_STATUS_BLOCK starts as {0xFFFFFFFF, 0xFFFFFFFF}: no status or count a call could write. */
export const IOSB_PRESET = 0xffffffff;

/** `expect: { iosb: { status, information } | unchanged }`. */
export const iosbExpectSchema = {
  description: 'The IO_STATUS_BLOCK: { status, information } (either may be left out), or unchanged (not written)',
  anyOf: [
    { const: 'unchanged' },
    { type: 'object', properties: { status: valueSchema, information: valueSchema }, additionalProperties: false },
  ],
} as const;

export type IosbExpect = 'unchanged' | { readonly status: number | null; readonly information: number | null };

export function compileIosbExpect(spec: unknown, path: Path, env: CompileEnv): IosbExpect | null {
  if (spec === undefined || spec === null) return null;
  if (spec === 'unchanged') return 'unchanged';
  const o = spec as { status?: number | string; information?: number | string };
  return {
    status: o.status === undefined ? null : env.value(o.status, [...path, 'status']),
    information: o.information === undefined ? null : env.value(o.information, [...path, 'information']),
  };
}

/** Reads the 8-byte IO_STATUS_BLOCK at `iosb` (32-bit layout: Status, Information) and checks it. */
export function checkIosb(t: ThreadRuntime, what: string, expect: IosbExpect | null, iosb: number): void {
  if (expect === null) return;
  const actual = { status: t.u.readU32(iosb), information: t.u.readU32(iosb + 4) };
  judgeIosb(t, what, expect, actual.status === IOSB_PRESET && actual.information === IOSB_PRESET ? null : actual);
}

/** Checks an IO_STATUS_BLOCK read back: `actual` null when it was not written (still preset). */
export function judgeIosb(t: ThreadRuntime, what: string, expect: IosbExpect | null, actual: { readonly status: number; readonly information: number } | null): void {
  if (expect === null) return;
  const shown = actual === null ? null : `{${showStatus(actual.status)}, ${actual.information}}`;
  if (expect === 'unchanged') {
    t.check(`${what}: IO_STATUS_BLOCK`, 'unchanged', shown ?? 'unchanged', actual === null);
    return;
  }
  const passed = actual !== null && (expect.status === null || actual.status === expect.status >>> 0) && (expect.information === null || actual.information === expect.information >>> 0);
  const wanted = `{${expect.status === null ? '*' : showStatus(expect.status)}, ${expect.information ?? '*'}}`;
  t.check(`${what}: IO_STATUS_BLOCK`, wanted, shown ?? 'unchanged (not written)', passed);
}

/** A fresh IO_STATUS_BLOCK in the thread's scratch memory, preset so that `unchanged` can be seen. */
export function freshIosb(t: ThreadRuntime): number {
  const iosb = t.u.scratch(8);
  t.u.writeU32(iosb, IOSB_PRESET);
  t.u.writeU32(iosb + 4, IOSB_PRESET);
  return iosb;
}
