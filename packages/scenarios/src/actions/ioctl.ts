import { SimException } from '@irpsim/core';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type ActionDef, type CompileEnv, type Dyn, type Step } from './ActionEnv.ts';
import { parseHex } from './bytes.ts';
import { neverReadable, planBuffer, resolveBuffer, staticLength } from './buffers.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes, showHex } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { checkOverlapped, compileOverlappedExpect, overlappedExpectSchema, overlappedNames, overlappedSchema, planOverlapped, resolveOverlapped } from './overlapped.ts';
import { bufferSchema, expectBytesSchema, nameSchema, valueSchema } from './schemaParts.ts';
import { checkSignalled, compileSignalled, signalledSchema } from './signalled.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';

/** The schema half of the `ioctl` action. */
export const ioctlSchema: Omit<ActionDef, 'compile'> = {
  description: 'DeviceIoControl with a named or numeric control code.',
  value: valueSchema,
  properties: {
    handle: nameSchema,
    input: bufferSchema,
    output: bufferSchema,
    bytesReturned: {
      type: 'object',
      properties: { preset: { type: 'integer', minimum: 0, maximum: 0xffffffff } },
      additionalProperties: false,
    },
    overlapped: overlappedSchema,
  },
  expect: {
    bytes: { type: ['integer', 'string'], description: '*lpBytesReturned after the call, or "unchanged"' },
    output: expectBytesSchema,
    overlapped: overlappedExpectSchema,
    signalled: signalledSchema,
    driverSaw: driverSawSchema,
  },
  names: (a) => ({ buffers: overlappedNames(a) }),
};

/** What `expect: { output }` compares: the first bytes of the output buffer, or all of it unchanged. */
export type OutputExpect = { readonly kind: 'bytes'; readonly bytes: Dyn<Uint8Array> } | { readonly kind: 'unchanged' };

/** `ioctl: IOCTL_X` — DeviceIoControl, with an OVERLAPPED when `overlapped:` is given. */
export function compileIoctl(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const code = env.value(action['ioctl'] as number | string, [...path, 'ioctl']);
  const handleName = action['handle'] as string | undefined;
  if (handleName === undefined) env.error(path, 'an ioctl needs `handle:` (a handle named by an earlier open)', null);
  else requireHandle(handleName, [...path, 'handle'], env);
  const input = planBuffer(action['input'], [...path, 'input'], env);
  const output = planBuffer(action['output'], [...path, 'output'], env);
  const preset = ((action['bytesReturned'] ?? {}) as { preset?: number }).preset ?? 0;
  const overlapped = planOverlapped(action['overlapped'], [...path, 'overlapped'], env);
  const common = compileCommonExpect(action, path, env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const bytesExpect = e['bytes'] === undefined ? null : e['bytes'] === 'unchanged' ? 'unchanged' : env.value(e['bytes'] as number | string, [...path, 'expect', 'bytes']);
  const outputExpect = compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  const overlappedExpect = compileOverlappedExpect(e['overlapped'], [...path, 'expect', 'overlapped'], env);
  const signalled = compileSignalled(e['signalled'], [...path, 'expect', 'signalled'], env);
  const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  if (outputExpect !== null) {
    // An expectation that can never be checked is a mistake in the file, not a pass.
    const unreadable = neverReadable(output);
    if (unreadable !== null) env.error([...path, 'expect', 'output'], `cannot check the output: ${unreadable}`, action['output'] === undefined || action['output'] === null ? 'give the ioctl an output buffer, e.g. output: { size: 16 }' : null);
    const length = staticLength(output, env);
    if (unreadable === null && outputExpect.kind === 'bytes' && length !== null && typeof outputExpect.bytes !== 'function' && outputExpect.bytes.length > length) {
      env.error([...path, 'expect', 'output'], `the expected output is ${plural(outputExpect.bytes.length, 'byte')}, but the output buffer passes only ${length}`);
    }
  }
  // A count still equal to a non-zero preset was not written: say so, in hex like the preset.
  const showCount = (n: number) => (n === preset && (preset !== 0 || bytesExpect === 'unchanged') ? `unchanged (${showHex(preset)})` : String(n));
  return function* (t) {
    const inBuf = resolveBuffer(t, input);
    const outBuf = resolveBuffer(t, output);
    if (inBuf.problem !== undefined) t.check(`${what}: input buffer`, 'a valid buffer', inBuf.problem, false);
    if (outBuf.problem !== undefined) t.check(`${what}: output buffer`, 'a valid buffer', outBuf.problem, false);
    const count = t.u.programLocal();
    t.u.writeU32(count, preset);
    const before = outputExpect !== null && outBuf.length > 0 ? safeRead(t, outBuf.address, outBuf.length) : null;
    const handle = handleName === undefined ? 0 : handleOf(t, handleName);
    const ov = resolveOverlapped(t, overlapped);
    const watch = driverSaw === null ? null : watchDriver(t);
    let ok: boolean;
    try {
      ok = yield* t.u.DeviceIoControl(handle, code, inBuf.address, inBuf.length, outBuf.address, outBuf.length, count, ov);
    } finally {
      watch?.stop();
    }
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: inBuf.address, output: outBuf.address });
    checkCommon(t, what, common, ok);
    checkOverlapped(t, what, overlappedExpect, ov);
    checkSignalled(t, what, signalled);
    if (bytesExpect !== null) {
      const actual = t.u.readU32(count);
      const expected = bytesExpect === 'unchanged' ? preset : bytesExpect;
      t.check(`${what}: *lpBytesReturned`, bytesExpect === 'unchanged' ? `unchanged (${showHex(preset)})` : String(expected), showCount(actual), actual === expected);
    }
    if (outputExpect === null) return;
    const wanted = outputExpect.kind === 'unchanged' ? 'unchanged' : showBytes(valueAt(outputExpect.bytes, t));
    if (outBuf.length === 0) {
      t.check(`${what}: output buffer`, wanted, 'nothing to compare: the output buffer is passed with length 0', false);
      return;
    }
    const after = before === null ? null : safeRead(t, outBuf.address, outBuf.length);
    if (before === null || after === null) {
      t.check(`${what}: output buffer`, wanted, `nothing to compare: the output buffer at ${showHex(outBuf.address)} is not readable in user mode`, false);
      return;
    }
    if (outputExpect.kind === 'unchanged') {
      t.check(`${what}: output buffer`, 'unchanged', sameBytes(after, before) ? 'unchanged' : showBytes(after), sameBytes(after, before));
    } else {
      const expected = valueAt(outputExpect.bytes, t);
      const head = after.subarray(0, expected.length);
      t.check(`${what}: output buffer`, showBytes(expected), showBytes(head), sameBytes(head, expected));
    }
  };
}

export function compileOutputExpect(spec: unknown, path: Path, env: CompileEnv): OutputExpect | null {
  if (spec === undefined || spec === null) return null;
  const o = spec as { text?: string; hex?: string; unchanged?: boolean };
  const given = (['text', 'hex', 'unchanged'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    env.error(path, given.length === 0 ? 'expect.output needs text, hex or unchanged: true' : `give one of text, hex or unchanged, not ${given.join(' and ')}`);
    return null;
  }
  if (o.unchanged === true) return { kind: 'unchanged' };
  if (o.text !== undefined) return { kind: 'bytes', bytes: env.text(o.text, [...path, 'text']) };
  const hex = parseHex(o.hex!);
  if (hex === null) {
    env.error([...path, 'hex'], `'${o.hex}' is not hex bytes`, null);
    return null;
  }
  return { kind: 'bytes', bytes: hex };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads a buffer's bytes in user mode, if it is readable at all. */
export function safeRead(t: { u: { read(a: number, n: number): Uint8Array } }, address: number, length: number): Uint8Array | null {
  try {
    return t.u.read(address, length);
  } catch (error) {
    if (SimException.is(error)) return null;
    throw error;
  }
}
