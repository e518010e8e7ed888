import type { Path } from '../format/SourceMap.ts';
import type { CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { specBytes } from './bytes.ts';

/** How an action's `input` or `output` becomes a pointer and a length. */
export type BufferPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'fresh'; readonly bytes: Uint8Array; readonly length: number }
  | { readonly kind: 'named'; readonly name: string; readonly offset: number; readonly length: number | null }
  | { readonly kind: 'raw'; readonly address: number; readonly length: number };

export interface ResolvedBuffer {
  readonly address: number;
  readonly length: number;
}

/** Compiles a buffer spec (null / text / hex / size+fill / buffer / address). */
export function planBuffer(spec: unknown, path: Path, env: CompileEnv): BufferPlan {
  if (spec === undefined || spec === null) return { kind: 'none' };
  const s = spec as { text?: unknown; hex?: unknown; size?: unknown; fill?: unknown; buffer?: unknown; offset?: unknown; length?: unknown; address?: unknown };
  const offset = typeof s.offset === 'number' ? s.offset : 0;
  const length = typeof s.length === 'number' ? s.length : null;
  if (typeof s.buffer === 'string') {
    if (!env.buffers.has(s.buffer)) {
      env.error([...path, 'buffer'], `no buffer named '${s.buffer}' in this process`, null);
    }
    return { kind: 'named', name: s.buffer, offset, length };
  }
  if (typeof s.address === 'number') {
    return { kind: 'raw', address: s.address >>> 0, length: length ?? 0 };
  }
  const bytes = specBytes(s);
  if (typeof bytes === 'string') {
    env.error(path, bytes, null);
    return { kind: 'none' };
  }
  return { kind: 'fresh', bytes, length: length ?? bytes.length };
}

/** Makes a plan real in the running thread: allocates and fills fresh buffers. */
export function resolveBuffer(t: ThreadRuntime, plan: BufferPlan): ResolvedBuffer {
  switch (plan.kind) {
    case 'none':
      return { address: 0, length: 0 };
    case 'raw':
      return { address: plan.address, length: plan.length };
    case 'named': {
      const b = t.buffers.get(plan.name)!;
      return { address: b.address + plan.offset, length: plan.length ?? b.size - plan.offset };
    }
    case 'fresh': {
      const address = t.u.scratch(Math.max(plan.bytes.length, plan.length, 1));
      if (plan.bytes.length > 0) t.u.write(address, plan.bytes);
      return { address, length: plan.length };
    }
  }
}
