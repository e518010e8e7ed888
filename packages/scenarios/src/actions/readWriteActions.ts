import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type ActionDef, type CompileEnv, type ThreadRuntime } from './ActionEnv.ts';
import { neverReadable, planBuffer, resolveBuffer, staticLength } from './buffers.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBool, showBytes, showHex } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { compileOutputExpect, safeRead, sameBytes, type OutputExpect } from './ioctl.ts';
import {
  checkOverlapped,
  compileOverlappedExpect,
  hasCompleted,
  overlappedExpectSchema,
  overlappedNames,
  overlappedOf,
  overlappedSchema,
  planOverlapped,
  requireOverlapped,
  resolveOverlapped,
} from './overlapped.ts';
import { bufferSchema, expectBytesSchema, nameSchema } from './schemaParts.ts';
import { checkSignalled, compileSignalled, signalledSchema } from './signalled.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';

/** `bytesRead: { preset }` and the like: what the count holds before the call, so "not written" shows. */
export const presetSchema = {
  type: 'object',
  properties: { preset: { type: 'integer', minimum: 0, maximum: 0xffffffff } },
  additionalProperties: false,
} as const;

const bytesExpectSchema = { type: ['integer', 'string'], description: 'The count the API reports, or "unchanged" (not written)' } as const;

/** A count expectation: a number (maybe with a repeat counter), or `unchanged`. */
type CountExpect = 'unchanged' | ReturnType<CompileEnv['dyn']> | null;

export function compileCount(e: Record<string, unknown>, path: Path, env: CompileEnv): CountExpect {
  const b = e['bytes'];
  if (b === undefined) return null;
  return b === 'unchanged' ? 'unchanged' : env.dyn(b as number | string, [...path, 'expect', 'bytes']);
}

/** Checks a count the API wrote (or did not: still the preset). */
export function checkCount(t: ThreadRuntime, what: string, label: string, expect: CountExpect, address: number, preset: number): void {
  if (expect === null) return;
  const actual = t.u.readU32(address);
  const expected = expect === 'unchanged' ? preset : valueAt(expect, t);
  const show = (n: number) => (n === preset && (preset !== 0 || expect === 'unchanged') ? `unchanged (${showHex(preset)})` : String(n));
  t.check(`${what}: ${label}`, expect === 'unchanged' ? `unchanged (${showHex(preset)})` : String(expected), show(actual), actual === expected);
}

/**
 * `read: h` / `write: h` — ReadFile / WriteFile, synchronous or with an OVERLAPPED
 * (`overlapped:`, whose `offset` is the ByteOffset; on a synchronous handle too, IO-7.1).
 */
function transfer(verb: 'read' | 'write'): ActionDef {
  const reading = verb === 'read';
  const bufferKey = reading ? 'output' : 'input';
  const countKey = reading ? 'bytesRead' : 'bytesWritten';
  const api = reading ? 'ReadFile' : 'WriteFile';
  return {
    description: `${api}: ${reading ? 'into `output`' : 'from `input`'} (§3.2 buffers); with \`overlapped:\` the request may pend (FALSE, ERROR_IO_PENDING).`,
    value: { ...nameSchema, description: 'A handle named with `as`' },
    properties: { [bufferKey]: bufferSchema, [countKey]: presetSchema, overlapped: overlappedSchema },
    expect: {
      bytes: bytesExpectSchema,
      ...(reading ? { output: expectBytesSchema } : {}),
      overlapped: overlappedExpectSchema,
      signalled: signalledSchema,
      driverSaw: driverSawSchema,
    },
    names: (a) => ({ buffers: overlappedNames(a) }),
    compile(action, path, env, what) {
      const handleName = action[verb] as string;
      requireHandle(handleName, [...path, verb], env);
      const buffer = planBuffer(action[bufferKey], [...path, bufferKey], env);
      const overlapped = planOverlapped(action['overlapped'], [...path, 'overlapped'], env);
      const preset = ((action[countKey] ?? {}) as { preset?: number }).preset ?? 0;
      const common = compileCommonExpect(action, path, env);
      const e = (action['expect'] ?? {}) as Record<string, unknown>;
      const count = compileCount(e, path, env);
      const overlappedExpect = compileOverlappedExpect(e['overlapped'], [...path, 'expect', 'overlapped'], env);
      const outputExpect = reading ? compileReadOutput(action, path, env, buffer) : null;
      const signalled = compileSignalled(e['signalled'], [...path, 'expect', 'signalled'], env);
      const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
      return function* (t) {
        const buf = resolveBuffer(t, buffer);
        if (buf.problem !== undefined) t.check(`${what}: ${bufferKey} buffer`, 'a valid buffer', buf.problem, false);
        const ov = resolveOverlapped(t, overlapped);
        const counter = t.u.programLocal();
        t.u.writeU32(counter, preset);
        const before = outputExpect !== null && buf.length > 0 ? safeRead(t, buf.address, buf.length) : null;
        const handle = handleOf(t, handleName);
        const watch = driverSaw === null ? null : watchDriver(t);
        let ok: boolean;
        try {
          ok = reading ? yield* t.u.ReadFile(handle, buf.address, buf.length, counter, ov) : yield* t.u.WriteFile(handle, buf.address, buf.length, counter, ov);
        } finally {
          watch?.stop();
        }
        if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: buf.address, output: buf.address });
        checkCommon(t, what, common, ok);
        checkCount(t, what, reading ? '*lpNumberOfBytesRead' : '*lpNumberOfBytesWritten', count, counter, preset);
        checkOverlapped(t, what, overlappedExpect, ov);
        checkSignalled(t, what, signalled);
        if (outputExpect !== null) checkOutput(t, what, outputExpect, buf.address, buf.length, before);
      };
    },
  };
}

/** `expect: { output }` of a read: checked against the output buffer, which must be readable. */
function compileReadOutput(action: ActionData, path: Path, env: CompileEnv, buffer: ReturnType<typeof planBuffer>): OutputExpect | null {
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const expect = compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  if (expect === null) return null;
  const unreadable = neverReadable(buffer);
  if (unreadable !== null) env.error([...path, 'expect', 'output'], `cannot check the output: ${unreadable}`, 'give the read an output buffer, e.g. output: { size: 16 }');
  const length = staticLength(buffer, env);
  if (unreadable === null && expect.kind === 'bytes' && length !== null && typeof expect.bytes !== 'function' && expect.bytes.length > length) {
    env.error([...path, 'expect', 'output'], `the expected output is ${expect.bytes.length} bytes, but the output buffer passes only ${length}`);
  }
  return expect;
}

function checkOutput(t: ThreadRuntime, what: string, expect: OutputExpect, address: number, length: number, before: Uint8Array | null): void {
  const wanted = expect.kind === 'unchanged' ? 'unchanged' : showBytes(valueAt(expect.bytes, t));
  const after = length === 0 ? null : safeRead(t, address, length);
  if (before === null || after === null) {
    t.check(`${what}: output buffer`, wanted, length === 0 ? 'nothing to compare: the buffer is passed with length 0' : `nothing to compare: the buffer at ${showHex(address)} is not readable in user mode`, false);
    return;
  }
  if (expect.kind === 'unchanged') {
    t.check(`${what}: output buffer`, 'unchanged', sameBytes(after, before) ? 'unchanged' : showBytes(after), sameBytes(after, before));
    return;
  }
  const bytes = valueAt(expect.bytes, t);
  const head = after.subarray(0, bytes.length);
  t.check(`${what}: output buffer`, showBytes(bytes), showBytes(head), sameBytes(head, bytes));
}

/** `overlapped-result: ov` + `handle` — GetOverlappedResult (IO-7.11). */
const overlappedResult: ActionDef = {
  description: 'GetOverlappedResult: the outcome of the request that used this OVERLAPPED; with bWait: true, waits for it.',
  value: { ...nameSchema, description: 'An OVERLAPPED named with overlapped: { as }' },
  // bWait, as GetOverlappedResult names it: `wait` is a verb, and a key may not be one.
  properties: { handle: nameSchema, bWait: { type: 'boolean', description: 'Wait for the request to complete (default false)' }, bytesTransferred: presetSchema },
  expect: { bytes: bytesExpectSchema },
  compile(action, path, env, what) {
    const name = action['overlapped-result'] as string;
    requireOverlapped(name, [...path, 'overlapped-result'], env);
    const handleName = action['handle'] as string | undefined;
    if (handleName === undefined) env.error(path, 'overlapped-result needs `handle:` (the handle the request was sent on)', null);
    else requireHandle(handleName, [...path, 'handle'], env);
    const wait = action['bWait'] === true;
    const preset = ((action['bytesTransferred'] ?? {}) as { preset?: number }).preset ?? 0;
    const common = compileCommonExpect(action, path, env);
    const count = compileCount((action['expect'] ?? {}) as Record<string, unknown>, path, env);
    return function* (t) {
      const counter = t.u.programLocal();
      t.u.writeU32(counter, preset);
      const ok = yield* t.u.GetOverlappedResult(handleName === undefined ? 0 : handleOf(t, handleName), overlappedOf(t, name), counter, wait);
      checkCommon(t, what, common, ok);
      checkCount(t, what, '*lpNumberOfBytesTransferred', count, counter, preset);
    };
  },
};

/** `inspect: ov` — reads an OVERLAPPED as a program would (HasOverlappedIoCompleted): no call. */
const inspect: ActionDef = {
  description: 'Reads an OVERLAPPED in user mode (no API call): expect its Internal / InternalHigh, or completed (HasOverlappedIoCompleted).',
  value: { ...nameSchema, description: 'An OVERLAPPED named with overlapped: { as }' },
  properties: {},
  expect: { overlapped: overlappedExpectSchema, completed: { type: 'boolean', description: 'HasOverlappedIoCompleted: Internal is not STATUS_PENDING' }, signalled: signalledSchema },
  call: false,
  compile(action, path, env, what) {
    const name = action['inspect'] as string;
    requireOverlapped(name, [...path, 'inspect'], env);
    const e = (action['expect'] ?? {}) as Record<string, unknown>;
    const overlappedExpect = compileOverlappedExpect(e['overlapped'], [...path, 'expect', 'overlapped'], env);
    const completed = typeof e['completed'] === 'boolean' ? e['completed'] : null;
    const signalled = compileSignalled(e['signalled'], [...path, 'expect', 'signalled'], env);
    return function* (t) {
      const address = overlappedOf(t, name);
      checkOverlapped(t, what, overlappedExpect, address);
      if (completed !== null && address !== 0) {
        const done = hasCompleted(t, address);
        t.check(`${what}: HasOverlappedIoCompleted`, showBool(completed), showBool(done), done === completed);
      }
      checkSignalled(t, what, signalled);
    };
  },
};

export const READ_WRITE_ACTIONS = { read: transfer('read'), write: transfer('write'), 'overlapped-result': overlappedResult, inspect } as const;
