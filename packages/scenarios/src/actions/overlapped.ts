import { STATUS } from '@irpsim/core';
import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type CompileEnv, type Dyn, type ThreadRuntime } from './ActionEnv.ts';
import { showHex, showStatus } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { countSchema, nameSchema, valueSchema } from './schemaParts.ts';

/** The 32-bit OVERLAPPED: Internal @0, InternalHigh @4, Offset @8, OffsetHigh @12, hEvent @16. */
export const OVERLAPPED_SIZE = 20;

/** `overlapped: true` (anonymous, hEvent NULL) or `{ as, event, offset, offsetHigh, eventLowBit }`. */
export const overlappedSchema = {
  description: 'Pass an OVERLAPPED: true (fresh, hEvent NULL), or { as: name, event: handle, offset, offsetHigh, eventLowBit }',
  anyOf: [
    { type: 'boolean', const: true },
    {
      type: 'object',
      properties: {
        as: { ...nameSchema, description: 'Names the OVERLAPPED (a 20-byte buffer of the process) for overlapped-result, inspect, cancel-io-ex, dequeue' },
        event: { ...nameSchema, description: 'hEvent: a handle named by create-event' },
        offset: countSchema,
        offsetHigh: valueSchema,
        eventLowBit: { type: 'boolean', description: 'Sets the low bit of hEvent: no completion packet (IO-7.9)' },
      },
      additionalProperties: false,
    },
  ],
} as const;

/** How an action's `overlapped:` becomes an OVERLAPPED in the process's memory. */
export interface OverlappedPlan {
  readonly as: string | null;
  readonly event: string | null;
  readonly offset: Dyn;
  readonly offsetHigh: number;
  readonly eventLowBit: boolean;
}

/** Compiles `overlapped:` (null when absent: the call is synchronous). */
export function planOverlapped(spec: unknown, path: Path, env: CompileEnv): OverlappedPlan | null {
  if (spec === undefined || spec === null || spec === false) return null;
  if (spec === true) return { as: null, event: null, offset: 0, offsetHigh: 0, eventLowBit: false };
  const o = spec as { as?: string; event?: string; offset?: number | string; offsetHigh?: number | string; eventLowBit?: boolean };
  if (o.event !== undefined) requireHandle(o.event, [...path, 'event'], env);
  return {
    as: o.as ?? null,
    event: o.event ?? null,
    offset: o.offset === undefined ? 0 : env.dyn(o.offset, [...path, 'offset']),
    offsetHigh: o.offsetHigh === undefined ? 0 : env.value(o.offsetHigh, [...path, 'offsetHigh']),
    eventLowBit: o.eventLowBit === true,
  };
}

/** The OVERLAPPED names an action defines: 20-byte buffers of the process. */
export function overlappedNames(action: ActionData): [string, number][] {
  const o = action['overlapped'];
  return o !== null && typeof o === 'object' && typeof (o as { as?: unknown }).as === 'string' ? [[(o as { as: string }).as, OVERLAPPED_SIZE]] : [];
}

/** Makes the OVERLAPPED: fresh zeroed memory with Offset, OffsetHigh and hEvent set, named if asked. Returns its address (0: none). */
export function resolveOverlapped(t: ThreadRuntime, plan: OverlappedPlan | null): number {
  if (plan === null) return 0;
  const address = t.u.scratch(OVERLAPPED_SIZE);
  t.u.write(address, new Uint8Array(OVERLAPPED_SIZE));
  t.u.writeU32(address + 8, valueAt(plan.offset, t));
  t.u.writeU32(address + 12, plan.offsetHigh);
  const event = plan.event === null ? 0 : handleOf(t, plan.event);
  t.u.writeU32(address + 16, (event | (plan.eventLowBit ? 1 : 0)) >>> 0);
  if (plan.as !== null) t.buffers.set(plan.as, { address, size: OVERLAPPED_SIZE });
  return address;
}

/** The address of a named OVERLAPPED now (0, a NULL pointer, if nothing named it yet). */
export function overlappedOf(t: ThreadRuntime, name: string): number {
  return t.buffers.get(name)?.address ?? 0;
}

/** A name that must be an OVERLAPPED (or other buffer) of the process. */
export function requireOverlapped(name: string, path: Path, env: CompileEnv): void {
  if (env.buffers.has(name)) return;
  const close = didYouMean(name, env.buffers);
  env.error(path, `no OVERLAPPED named '${name}' in this process`, close !== null ? `did you mean '${close}'?` : 'name one with overlapped: { as: NAME } on a read, write or ioctl');
}

/** `expect: { overlapped: { internal, internalHigh } }`: the OVERLAPPED's status and count after the call. */
export interface OverlappedExpect {
  readonly internal: number | null;
  readonly internalHigh: Dyn | null;
}

export const overlappedExpectSchema = {
  type: 'object',
  description: "The OVERLAPPED's Internal (an NTSTATUS) and InternalHigh (the byte count) after the call",
  properties: { internal: valueSchema, internalHigh: countSchema },
  additionalProperties: false,
} as const;

export function compileOverlappedExpect(spec: unknown, path: Path, env: CompileEnv): OverlappedExpect | null {
  if (spec === undefined || spec === null || typeof spec !== 'object') return null;
  const o = spec as { internal?: number | string; internalHigh?: number | string };
  return {
    internal: o.internal === undefined ? null : env.value(o.internal, [...path, 'internal']),
    internalHigh: o.internalHigh === undefined ? null : env.dyn(o.internalHigh, [...path, 'internalHigh']),
  };
}

/** Checks Internal and InternalHigh of the OVERLAPPED at `address`. */
export function checkOverlapped(t: ThreadRuntime, what: string, expect: OverlappedExpect | null, address: number): void {
  if (expect === null) return;
  if (address === 0) {
    t.check(`${what}: OVERLAPPED`, 'an OVERLAPPED', 'none (NULL)', false);
    return;
  }
  if (expect.internal !== null) {
    const internal = t.u.readU32(address);
    t.check(`${what}: OVERLAPPED.Internal`, showStatus(expect.internal), showStatus(internal), internal === expect.internal >>> 0);
  }
  if (expect.internalHigh !== null) {
    const high = t.u.readU32(address + 4);
    const wanted = valueAt(expect.internalHigh, t);
    t.check(`${what}: OVERLAPPED.InternalHigh`, String(wanted), String(high), high === wanted);
  }
}

/** HasOverlappedIoCompleted: Internal is no longer STATUS_PENDING. */
export function hasCompleted(t: ThreadRuntime, address: number): boolean {
  return t.u.readU32(address) !== STATUS.PENDING;
}

/** An OVERLAPPED pointer as the narration of an expectation shows it. */
export function showOverlapped(t: ThreadRuntime, address: number): string {
  if (address === 0) return 'NULL';
  for (const [name, b] of t.buffers) if (b.address === address && b.size === OVERLAPPED_SIZE) return `${name} (${showHex(address)})`;
  return showHex(address);
}
