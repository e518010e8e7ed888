import { PAGE } from '@irpsim/core';
import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionDef, type CompileEnv, type Dyn, type ThreadRuntime } from './ActionEnv.ts';
import { parseHex, SOURCES } from './bytes.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes } from './format.ts';
import { bytesProperties, countSchema, expectBytesSchema, nameSchema, PROTECTIONS, protectionSchema } from './schemaParts.ts';

export const PROTECT: Readonly<Record<(typeof PROTECTIONS)[number], number>> = { PAGE_READWRITE: PAGE.READWRITE, PAGE_READONLY: PAGE.READONLY, PAGE_NOACCESS: PAGE.NOACCESS };

/** Where a memory action points: a named buffer (+ offset) or a raw address. */
const targetSchema = { type: ['string', 'integer'], description: 'A buffer name, or an address (0x80001000)' } as const;

function target(action: Record<string, unknown>, verb: string, path: Path, env: CompileEnv): (t: ThreadRuntime) => number {
  const where = action[verb] as string | number;
  const offset: Dyn = action['offset'] === undefined ? 0 : env.dyn(action['offset'] as number | string, [...path, 'offset']);
  if (typeof where === 'number') return (t) => (where + valueAt(offset, t)) >>> 0;
  if (!env.buffers.has(where)) {
    const close = didYouMean(where, env.buffers);
    env.error([...path, verb], `no buffer named '${where}' in this process`, close === null ? 'name one under buffers:, with alloc or with map-view … as:' : `did you mean '${close}'?`);
  }
  const size = env.bufferSizes.get(where);
  if (typeof offset === 'number' && typeof size === 'number' && offset >= size && size > 0) {
    env.error([...path, 'offset'], `offset ${offset} is past the end of '${where}' (${size} bytes)`, `an offset from 0 to ${size - 1}`);
  }
  return (t) => (t.buffers.get(where)?.address ?? 0) + valueAt(offset, t);
}

/** The bytes of `text` or `hex` (exactly one), or null after reporting the problem. */
function dataOf(action: Record<string, unknown>, path: Path, env: CompileEnv, what: string): Dyn<Uint8Array> | null {
  const given = (['text', 'hex'] as const).filter((k) => action[k] !== undefined);
  if (given.length !== 1) {
    env.error(given.length === 0 ? path : [...path, given[1]!], given.length === 0 ? `${what} needs the bytes: text or hex` : 'give one of text or hex, not both');
    return null;
  }
  if (given[0] === 'text') return env.text(action['text'] as string, [...path, 'text']);
  const hex = parseHex(action['hex'] as string);
  if (hex === null) env.error([...path, 'hex'], `'${String(action['hex'])}' is not hex bytes`);
  return hex;
}

/** `alloc: name` — VirtualAlloc, optionally filled, naming a buffer. */
const alloc: ActionDef = {
  description: 'VirtualAlloc: reserve and commit a buffer of the process, optionally filled, named for later actions.',
  value: nameSchema,
  properties: { ...bytesProperties, protection: protectionSchema },
  expect: {},
  defines: 'buffer',
  compile(action, path, env, what) {
    const name = action['alloc'] as string;
    const sources = SOURCES.filter((k) => action[k] !== undefined);
    let data: Dyn<Uint8Array> = new Uint8Array(0);
    if (sources.length > 1) env.error([...path, sources[1]!], `give one of text, hex or size, not ${sources.join(' and ')}`);
    else if (sources.length === 0) env.error(path, 'alloc needs a size (or text / hex to fill it with)');
    else if (action['size'] !== undefined) {
      data = new Uint8Array(action['size'] as number).fill(typeof action['fill'] === 'number' ? action['fill'] : 0);
      if (action['size'] === 0) env.error([...path, 'size'], 'alloc needs a size of at least 1 byte');
    } else {
      if (action['fill'] !== undefined) env.error([...path, 'fill'], "'fill' applies to size: the text or hex gives every byte");
      const d = dataOf(action, path, env, 'alloc');
      if (d !== null) data = d;
    }
    const protect = PROTECT[(action['protection'] as keyof typeof PROTECT | undefined) ?? 'PAGE_READWRITE'];
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const bytes = valueAt(data, t);
      const address = yield* t.u.VirtualAlloc(Math.max(1, bytes.length), PAGE.READWRITE);
      if (address !== 0) {
        t.u.write(address, bytes);
        if (protect !== PAGE.READWRITE) yield* t.u.VirtualProtect(address, bytes.length, protect);
        t.buffers.set(name, { address, size: bytes.length });
      }
      checkCommon(t, what, common, address !== 0);
    };
  },
};

/** `write-memory: buffer` — a user-mode write (a bad address kills the process). */
const writeMemory: ActionDef = {
  description: 'Write bytes into memory in user mode. A kernel or unmapped address raises an access violation: the process dies.',
  value: targetSchema,
  properties: { offset: countSchema, text: bytesProperties.text, hex: bytesProperties.hex },
  expect: {},
  call: false,
  compile(action, path, env) {
    const where = target(action, 'write-memory', path, env);
    const data = dataOf(action, path, env, 'write-memory') ?? new Uint8Array(0);
    return function* (t) {
      const address = where(t);
      const bytes = valueAt(data, t);
      t.u.write(address, bytes);
      t.u.noteAccess(address, bytes, true);
    };
  },
};

/** `read-memory: buffer` — a user-mode read, with the bytes expected. */
const readMemory: ActionDef = {
  description: 'Read memory in user mode and compare it. A kernel or unmapped address raises an access violation: the process dies.',
  value: targetSchema,
  properties: { offset: countSchema, length: countSchema },
  expect: { bytes: expectBytesSchema },
  call: false,
  compile(action, path, env, what) {
    const where = target(action, 'read-memory', path, env);
    const e = ((action['expect'] ?? {}) as { bytes?: { text?: string; hex?: string; unchanged?: boolean } }).bytes;
    let expected: Dyn<Uint8Array> | null = null;
    if (e !== undefined) {
      const epath = [...path, 'expect', 'bytes'];
      if (e.unchanged !== undefined) env.error([...epath, 'unchanged'], "read-memory compares with text or hex: 'unchanged' applies to an ioctl's output");
      else if (e.text !== undefined && e.hex !== undefined) env.error([...epath, 'hex'], 'give one of text or hex, not both');
      else if (e.text !== undefined) expected = env.text(e.text, [...epath, 'text']);
      else if (e.hex !== undefined) {
        expected = parseHex(e.hex);
        if (expected === null) env.error([...epath, 'hex'], `'${e.hex}' is not hex bytes`);
      } else env.error(epath, 'expect.bytes needs text or hex');
    }
    const length: Dyn | null = action['length'] === undefined ? null : env.dyn(action['length'] as number | string, [...path, 'length']);
    return function* (t) {
      const address = where(t);
      const want = expected === null ? null : valueAt(expected, t);
      const got = t.u.read(address, length !== null ? valueAt(length, t) : (want?.length ?? 4));
      t.u.noteAccess(address, got, false);
      if (want !== null) {
        const head = got.subarray(0, want.length);
        t.check(`${what}: bytes`, showBytes(want), showBytes(head), head.length === want.length && head.every((b, i) => b === want[i]));
      }
    };
  },
};

/** `protect: buffer` + `protection:` — VirtualProtect. */
const protect: ActionDef = {
  description: 'VirtualProtect: change a buffer’s page protection.',
  value: nameSchema,
  properties: { protection: protectionSchema },
  expect: {},
  compile(action, path, env, what) {
    const name = action['protect'] as string;
    const where = target(action, 'protect', path, env);
    if (action['protection'] === undefined && action['to'] === undefined) env.error(path, 'protect needs `protection:` (PAGE_READWRITE, PAGE_READONLY or PAGE_NOACCESS)');
    const to = PROTECT[(action['protection'] as keyof typeof PROTECT | undefined) ?? 'PAGE_READONLY'];
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const size = t.buffers.get(name)?.size ?? 1;
      checkCommon(t, what, common, yield* t.u.VirtualProtect(where(t), size, to));
    };
  },
};

export const MEMORY_ACTIONS = { alloc, 'write-memory': writeMemory, 'read-memory': readMemory, protect } as const;
