import { SimException, encodeUtf8 } from '@irpsim/core';
import type { Path } from '../format/SourceMap.ts';
import type { ActionData, ActionDef, CompileEnv, Step } from './ActionEnv.ts';
import { parseHex } from './bytes.ts';
import { planBuffer, resolveBuffer } from './buffers.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { bufferSchema, expectBytesSchema, nameSchema, valueSchema } from './schemaParts.ts';

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
  },
  expect: {
    bytes: { type: ['integer', 'string'], description: '*lpBytesReturned after the call, or "unchanged"' },
    output: expectBytesSchema,
  },
};

/** `ioctl: IOCTL_X` — DeviceIoControl without an OVERLAPPED. */
export function compileIoctl(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const code = env.value(action['ioctl'] as number | string, [...path, 'ioctl']);
  const handleName = action['handle'] as string | undefined;
  if (handleName === undefined) env.error(path, 'an ioctl needs `handle:` (a handle named by an earlier open)', null);
  else requireHandle(handleName, [...path, 'handle'], env);
  const input = planBuffer(action['input'], [...path, 'input'], env);
  const output = planBuffer(action['output'], [...path, 'output'], env);
  const preset = ((action['bytesReturned'] ?? {}) as { preset?: number }).preset ?? 0;
  const common = compileCommonExpect(action, path, env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const bytesExpect = e['bytes'] === undefined ? null : e['bytes'] === 'unchanged' ? 'unchanged' : env.value(e['bytes'] as number | string, [...path, 'expect', 'bytes']);
  const outputExpect = e['output'] as { text?: string; hex?: string; unchanged?: boolean } | undefined;
  let expectedBytes: Uint8Array | null = null;
  if (outputExpect?.text !== undefined) expectedBytes = encodeUtf8(outputExpect.text);
  else if (outputExpect?.hex !== undefined) {
    expectedBytes = parseHex(outputExpect.hex);
    if (expectedBytes === null) env.error([...path, 'expect', 'output', 'hex'], `'${outputExpect.hex}' is not hex bytes`, null);
  }
  return function* (t) {
    const inBuf = resolveBuffer(t, input);
    const outBuf = resolveBuffer(t, output);
    const count = t.u.scratch(4);
    t.u.writeU32(count, preset);
    const before = outBuf.address !== 0 && outBuf.length > 0 ? safeRead(t, outBuf.address, outBuf.length) : null;
    const handle = handleName === undefined ? 0 : handleOf(t, handleName);
    const ok = yield* t.u.DeviceIoControl(handle, code, inBuf.address, inBuf.length, outBuf.address, outBuf.length, count);
    checkCommon(t, what, common, ok);
    if (bytesExpect !== null) {
      const actual = t.u.readU32(count);
      const expected = bytesExpect === 'unchanged' ? preset : bytesExpect;
      t.check(`${what}: *lpBytesReturned`, bytesExpect === 'unchanged' ? `unchanged (${preset})` : String(expected), String(actual), actual === expected);
    }
    if (outputExpect !== undefined && before !== null) {
      const after = t.u.read(outBuf.address, outBuf.length);
      if (outputExpect.unchanged === true) {
        t.check(`${what}: output buffer`, 'unchanged', sameBytes(after, before) ? 'unchanged' : showBytes(after), sameBytes(after, before));
      } else if (expectedBytes !== null) {
        const head = after.subarray(0, expectedBytes.length);
        t.check(`${what}: output buffer`, showBytes(expectedBytes), showBytes(head), sameBytes(head, expectedBytes));
      }
    }
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads the output buffer's bytes before the call, if it is readable at all. */
function safeRead(t: { u: { read(a: number, n: number): Uint8Array } }, address: number, length: number): Uint8Array | null {
  try {
    return t.u.read(address, length);
  } catch (error) {
    if (SimException.is(error)) return null;
    throw error;
  }
}
