import { PAGE, encodeUtf8 } from '@irpsim/core';
import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import type { ActionDef, CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { parseHex, specBytes } from './bytes.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes } from './format.ts';
import { bytesProperties, byteCountSchema, expectBytesSchema, nameSchema } from './schemaParts.ts';

const PROTECT = { PAGE_READWRITE: PAGE.READWRITE, PAGE_READONLY: PAGE.READONLY, PAGE_NOACCESS: PAGE.NOACCESS } as const;
const protectSchema = { enum: Object.keys(PROTECT) } as const;

/** Where a memory action points: a named buffer (+ offset) or a raw address. */
const targetSchema = { type: ['string', 'integer'], description: 'A buffer name, or an address (0x80001000)' } as const;

function target(action: Record<string, unknown>, verb: string, path: Path, env: CompileEnv): (t: ThreadRuntime) => number {
  const where = action[verb] as string | number;
  const offset = typeof action['offset'] === 'number' ? action['offset'] : 0;
  if (typeof where === 'number') return () => (where + offset) >>> 0;
  if (!env.buffers.has(where)) {
    const close = didYouMean(where, env.buffers);
    env.error([...path, verb], `no buffer named '${where}' in this process`, close === null ? 'name one under buffers: or with alloc' : `did you mean '${close}'?`);
  }
  return (t) => (t.buffers.get(where)?.address ?? 0) + offset;
}

/** `alloc: name` — VirtualAlloc, optionally filled, naming a buffer. */
const alloc: ActionDef = {
  description: 'VirtualAlloc: reserve and commit a buffer of the process, optionally filled, named for later actions.',
  value: nameSchema,
  properties: { ...bytesProperties, protection: protectSchema },
  expect: {},
  defines: 'buffer',
  compile(action, path, env, what) {
    const name = action['alloc'] as string;
    const bytes = specBytes(action as { text?: unknown; hex?: unknown; size?: unknown; fill?: unknown });
    if (typeof bytes === 'string') env.error(path, bytes);
    const data = typeof bytes === 'string' ? new Uint8Array(0) : bytes;
    if (data.length === 0) env.error(path, `alloc needs a size (or text / hex to fill it with)`);
    const protect = PROTECT[(action['protection'] as keyof typeof PROTECT | undefined) ?? 'PAGE_READWRITE'];
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const address = yield* t.u.VirtualAlloc(data.length, PAGE.READWRITE);
      if (address !== 0) {
        t.u.write(address, data);
        if (protect !== PAGE.READWRITE) yield* t.u.VirtualProtect(address, data.length, protect);
        t.buffers.set(name, { address, size: data.length });
      }
      checkCommon(t, what, common, address !== 0);
    };
  },
};

/** `write-memory: buffer` — a user-mode write (a bad address kills the process). */
const writeMemory: ActionDef = {
  description: 'Write bytes into memory in user mode. A kernel or unmapped address raises an access violation: the process dies.',
  value: targetSchema,
  properties: { offset: byteCountSchema, text: bytesProperties.text, hex: bytesProperties.hex },
  expect: {},
  compile(action, path, env) {
    const where = target(action, 'write-memory', path, env);
    const bytes = specBytes(action as { text?: unknown; hex?: unknown });
    if (typeof bytes === 'string') env.error(path, bytes);
    const data = typeof bytes === 'string' ? new Uint8Array(0) : bytes;
    return function* (t) {
      const address = where(t);
      t.u.write(address, data);
      t.u.noteAccess(address, data, true);
    };
  },
};

/** `read-memory: buffer` — a user-mode read, with the bytes expected. */
const readMemory: ActionDef = {
  description: 'Read memory in user mode and compare it. A kernel or unmapped address raises an access violation: the process dies.',
  value: targetSchema,
  properties: { offset: byteCountSchema, length: byteCountSchema },
  expect: { bytes: expectBytesSchema },
  compile(action, path, env, what) {
    const where = target(action, 'read-memory', path, env);
    const e = ((action['expect'] ?? {}) as { bytes?: { text?: string; hex?: string } }).bytes;
    const expected = e?.text !== undefined ? encodeUtf8(e.text) : e?.hex !== undefined ? parseHex(e.hex) : null;
    const length = typeof action['length'] === 'number' ? action['length'] : (expected?.length ?? 4);
    return function* (t) {
      const address = where(t);
      const got = t.u.read(address, length);
      t.u.noteAccess(address, got, false);
      if (expected !== null) {
        const head = got.subarray(0, expected.length);
        t.check(`${what}: bytes`, showBytes(expected), showBytes(head), head.every((b, i) => b === expected[i]) && head.length === expected.length);
      }
    };
  },
};

/** `protect: buffer` + `to:` — VirtualProtect. */
const protect: ActionDef = {
  description: 'VirtualProtect: change a buffer’s page protection.',
  value: nameSchema,
  properties: { to: protectSchema },
  expect: {},
  compile(action, path, env, what) {
    const where = target(action, 'protect', path, env);
    const to = PROTECT[(action['to'] as keyof typeof PROTECT | undefined) ?? 'PAGE_READONLY'];
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const size = t.buffers.get(action['protect'] as string)?.size ?? 1;
      checkCommon(t, what, common, yield* t.u.VirtualProtect(where(t), size, to));
    };
  },
};

export const MEMORY_ACTIONS = { alloc, 'write-memory': writeMemory, 'read-memory': readMemory, protect } as const;
