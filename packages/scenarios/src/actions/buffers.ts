import { KERNEL_BASE } from '@irpsim/core';
import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type CompileEnv, type Dyn, type ThreadRuntime } from './ActionEnv.ts';
import { parseHex, SOURCES } from './bytes.ts';
import { handleOf, requireHandle } from './handles.ts';

/** How an action's `input` or `output` becomes a pointer and a length. */
export type BufferPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'fresh'; readonly bytes: Dyn<Uint8Array>; readonly length: Dyn | null; readonly fill: number }
  | { readonly kind: 'named'; readonly name: string; readonly offset: Dyn; readonly length: Dyn | null }
  | { readonly kind: 'raw'; readonly address: number; readonly length: Dyn }
  /** `{ address: kbuf }`: the address of a pool buffer a kernel: true thread's `alloc` named, passed raw (IO-10.1). */
  | { readonly kind: 'pool'; readonly name: string; readonly length: Dyn | null }
  /** A spec with an error (already reported): passed as NULL, checked no further. */
  | { readonly kind: 'broken' };

export interface ResolvedBuffer {
  readonly address: number;
  readonly length: number;
  /** Why the buffer could not be made as written (it is then passed with length 0). */
  readonly problem?: string;
}

type Spec = { text?: unknown; hex?: unknown; size?: unknown; fill?: unknown; buffer?: unknown; offset?: unknown; length?: unknown; address?: unknown; handle?: unknown; u32?: unknown };

/**
 * Compiles a buffer spec: null / `{ text | hex | size (+ fill, length) }` /
 * `{ buffer (+ offset, length) }` / `{ address, length }`. Keys that would be ignored are
 * errors, each at its own position.
 */
export function planBuffer(spec: unknown, path: Path, env: CompileEnv): BufferPlan {
  if (spec === undefined || spec === null) return { kind: 'none' };
  const s = spec as Spec;
  const present = (Object.keys(s) as (keyof Spec)[]).filter((k) => s[k] !== undefined);
  const refuse = (allowed: readonly string[], why: (key: string) => string): boolean => {
    const extra = present.filter((k) => !allowed.includes(k));
    for (const k of extra) env.error([...path, k], why(k));
    return extra.length > 0;
  };
  const count = (key: 'offset' | 'length'): Dyn | null => (s[key] === undefined ? null : env.dyn(s[key] as number | string, [...path, key]));

  if (s.buffer !== undefined) {
    const name = String(s.buffer);
    refuse(['buffer', 'offset', 'length'], (k) =>
      k === 'address' ? 'give either buffer or address, not both' : `a named buffer is passed as it is: '${k}' does not apply to it (write into it first with write-memory)`,
    );
    if (!env.buffers.has(name)) {
      const close = didYouMean(name, env.buffers);
      env.error([...path, 'buffer'], `no buffer named '${name}' in this process`, close === null ? 'name one under buffers:, with alloc or with map-view … as:' : `did you mean '${close}'?`);
    }
    const offset = count('offset') ?? 0;
    const size = env.bufferSizes.get(name);
    if (typeof offset === 'number' && typeof size === 'number' && offset > size) {
      env.error([...path, 'offset'], `offset ${offset} is past the end of '${name}' (${size} bytes)`, `an offset from 0 to ${size}`);
    }
    return { kind: 'named', name, offset, length: count('length') };
  }

  if (s.address !== undefined) {
    refuse(['address', 'length'], (k) => `a raw address is passed as it is: '${k}' does not apply to it`);
    const length = count('length');
    if (typeof s.address === 'string') return planPool(s.address, length, path, env);
    if (length === null) {
      env.error(path, 'a raw address needs `length`: the length the program passes with it', 'for a NULL pointer with no length write null');
      return { kind: 'broken' };
    }
    return { kind: 'raw', address: Number(s.address) >>> 0, length };
  }

  if (s.handle !== undefined || s.u32 !== undefined) return planWords(s, path, env, refuse);

  const sources = SOURCES.filter((k) => s[k] !== undefined);
  if (sources.length === 0) {
    env.error(path, 'a buffer needs one of text, hex, size, buffer or address', 'null (or no key) passes a NULL pointer');
    return { kind: 'broken' };
  }
  if (sources.length > 1) {
    env.error([...path, sources[1]!], `give one of text, hex or size, not ${sources.join(' and ')}`);
    return { kind: 'broken' };
  }
  refuse(['text', 'hex', 'size', 'fill', 'length'], (k) => (k === 'offset' ? `'offset' applies to a named buffer ({ buffer, offset }); new memory starts at its first byte` : `'${k}' does not apply here`));
  const length = count('length');
  const fill = typeof s.fill === 'number' ? s.fill : 0;
  if (s.fill !== undefined && s.size === undefined && length === null) {
    env.error([...path, 'fill'], `'fill' pads new memory up to its size: give size, or length to pad ${sources[0]} up to`);
  }
  let bytes: Dyn<Uint8Array>;
  if (typeof s.text === 'string') {
    bytes = env.text(s.text, [...path, 'text']);
  } else if (typeof s.hex === 'string') {
    const hex = parseHex(s.hex);
    if (hex === null) env.error([...path, 'hex'], `'${s.hex}' is not hex bytes`);
    bytes = hex ?? new Uint8Array(0);
  } else {
    bytes = new Uint8Array(Number(s.size)).fill(fill);
  }
  return { kind: 'fresh', bytes, length, fill };
}

/**
 * `{ address: kbuf }`: a pointer a program got hold of — the pool buffer a kernel: true
 * thread allocated — passed as it is; its length defaults to the buffer's size.
 */
function planPool(name: string, length: Dyn | null, path: Path, env: CompileEnv): BufferPlan {
  const known = env.poolBuffers ?? new Set<string>();
  if (!known.has(name)) {
    const close = didYouMean(name, known);
    env.error(
      [...path, 'address'],
      `no pool buffer named '${name}': an address is a number, or the name an alloc of a kernel: true thread gives its pool buffer`,
      close === null ? (env.buffers.has(name) ? `'${name}' is a buffer of this process: pass it as { buffer: ${name} }` : null) : `did you mean '${close}'?`,
    );
    return { kind: 'broken' };
  }
  return { kind: 'pool', name, length };
}

/**
 * `{ handle: ev }` and `{ u32: [1, { handle: ev }, N] }`: fresh memory holding 32-bit
 * little-endian words, a handle's value as `*(HANDLE *)p = ev` stores it (IO-10.2) — the
 * words are computed when the action runs, since a handle's value is known only then.
 */
function planWords(s: Spec, path: Path, env: CompileEnv, refuse: (allowed: readonly string[], why: (key: string) => string) => boolean): BufferPlan {
  if (s.handle !== undefined && s.u32 !== undefined) {
    env.error([...path, 'u32'], 'give handle or u32, not both', 'a handle among words: u32: [{ handle: ev }, 1]');
    return { kind: 'broken' };
  }
  refuse(s.handle !== undefined ? ['handle'] : ['u32'], (k) => `'${k}' does not apply to ${s.handle !== undefined ? 'a handle' : 'u32 words'}`);
  const items = s.handle !== undefined ? [{ handle: s.handle }] : (s.u32 as unknown[]);
  const words = items.map((item, i): Dyn | string => {
    const at = s.handle !== undefined ? [...path, 'handle'] : [...path, 'u32', i];
    if (item !== null && typeof item === 'object') {
      const name = String((item as { handle: unknown }).handle);
      requireHandle(name, s.handle !== undefined ? at : [...at, 'handle'], env);
      return name;
    }
    return env.dyn(item as number | string, at);
  });
  const bytes = (t: ThreadRuntime): Uint8Array => {
    const out = new Uint8Array(4 * words.length);
    const view = new DataView(out.buffer);
    words.forEach((w, i) => view.setUint32(4 * i, (typeof w === 'string' ? handleOf(t, w) : valueAt(w, t)) >>> 0, true));
    return out;
  };
  return { kind: 'fresh', bytes, length: null, fill: 0 };
}

/** The number of bytes a plan passes, when it is known when the file loads (else null). */
export function staticLength(plan: BufferPlan, env: CompileEnv): number | null {
  switch (plan.kind) {
    case 'none':
      return 0;
    case 'broken':
      return null;
    case 'raw':
      return typeof plan.length === 'number' ? plan.length : null;
    case 'pool':
      return typeof plan.length === 'number' ? plan.length : null;
    case 'fresh':
      if (plan.length !== null) return typeof plan.length === 'number' ? plan.length : null;
      return typeof plan.bytes === 'function' ? null : plan.bytes.length;
    case 'named': {
      if (plan.length !== null) return typeof plan.length === 'number' ? plan.length : null;
      const size = env.bufferSizes.get(plan.name);
      return typeof size === 'number' && typeof plan.offset === 'number' ? size - plan.offset : null;
    }
  }
}

/** True when user mode can never read what the plan points at (NULL, a kernel address). */
export function neverReadable(plan: BufferPlan): string | null {
  if (plan.kind === 'none') return 'there is no buffer (NULL)';
  if (plan.kind === 'raw' && plan.address === 0) return 'the buffer is a NULL pointer';
  if (plan.kind === 'raw' && plan.address >>> 0 >= KERNEL_BASE) return `the buffer is the kernel address 0x${plan.address.toString(16).toUpperCase()}, which user mode cannot read`;
  if (plan.kind === 'pool') return `the buffer is the pool buffer '${plan.name}', a kernel address user mode cannot read`;
  return null;
}

/** Makes a plan real in the running thread: allocates and fills new memory. */
export function resolveBuffer(t: ThreadRuntime, plan: BufferPlan): ResolvedBuffer {
  switch (plan.kind) {
    case 'none':
    case 'broken':
      return { address: 0, length: 0 };
    case 'raw':
      return { address: plan.address, length: valueAt(plan.length, t) };
    case 'pool':
      return poolAddress(t, plan);
    case 'named': {
      const b = t.buffers.get(plan.name);
      if (b === undefined) return { address: 0, length: 0, problem: `the buffer '${plan.name}' does not exist yet (no alloc or map-view has named it)` };
      const offset = valueAt(plan.offset, t);
      if (offset > b.size) return { address: b.address + offset, length: 0, problem: `offset ${offset} is past the end of '${plan.name}' (${b.size} bytes)` };
      return { address: b.address + offset, length: plan.length === null ? b.size - offset : valueAt(plan.length, t) };
    }
    case 'fresh': {
      const bytes = valueAt(plan.bytes, t);
      const length = plan.length === null ? bytes.length : valueAt(plan.length, t);
      const size = Math.max(bytes.length, length, 1);
      const address = t.u.scratch(size);
      // Fresh memory is never given back (an overlapped request may still use it): say why the
      // access violation that follows ends the thread.
      if (address === 0) t.check(`${t.label}: fresh memory`, `${size} bytes`, 'none: the user address space is full (fresh buffers stay allocated; pass a named buffer in a long repeat)', false);
      const content = new Uint8Array(size).fill(plan.fill);
      content.set(bytes);
      t.u.write(address, content);
      return { address, length };
    }
  }
}

/** Where a `{ address: kbuf }` points when the action runs (nothing yet if the kernel thread has not allocated it). */
export function poolAddress(t: ThreadRuntime, plan: { readonly name: string; readonly length: Dyn | null }): ResolvedBuffer {
  const b = t.pool?.get(plan.name);
  if (b === undefined) return { address: 0, length: 0, problem: `the pool buffer '${plan.name}' does not exist yet (its kernel thread has not run its alloc)` };
  return { address: b.address, length: plan.length === null ? b.size : valueAt(plan.length, t) };
}
