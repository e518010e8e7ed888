import { SimException } from '@irpsim/core';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type CompileEnv, type ThreadRuntime } from './ActionEnv.ts';
import { poolAddress, resolveBuffer, type BufferPlan, type ResolvedBuffer } from './buffers.ts';
import { showBytes, showStatus } from './format.ts';
import { judgeIosb, type IosbExpect } from './iosbExpectation.ts';

/** A kernel thread's buffer: `fresh` ones are pool it allocated for one call and frees after it. */
export interface KernelBuffer extends ResolvedBuffer {
  readonly fresh: boolean;
}

/**
 * Makes a buffer plan real for kernel code (IO-3.10, IO-10.1): new bytes go into fresh
 * nonpaged pool, not user memory; a named buffer is one an `alloc` of a kernel thread made
 * (the System process's buffers are pool); a raw address is passed as it is.
 */
export function resolveKernelBuffer(t: ThreadRuntime, plan: BufferPlan): KernelBuffer {
  if (plan.kind === 'pool') return { ...poolAddress(t, plan), fresh: false };
  if (plan.kind !== 'fresh') return { ...resolveBuffer(t, plan), fresh: false };
  const machine = t.u._io.machine;
  const bytes = valueAt(plan.bytes, t);
  const length = plan.length === null ? bytes.length : valueAt(plan.length, t);
  const size = Math.max(bytes.length, length, 1);
  const address = machine.memory.allocatePool(size);
  if (address === null) return { address: 0, length: 0, fresh: false, problem: `no pool left for ${size} bytes` };
  const content = new Uint8Array(size).fill(plan.fill);
  content.set(bytes);
  machine.memory.write(machine.system.space, address, content, 'kernel');
  return { address, length, fresh: true };
}

/** Frees the pool a call's fresh buffers and its IO_STATUS_BLOCK (0: none) took. */
export function freeKernelBuffers(t: ThreadRuntime, buffers: readonly KernelBuffer[], iosb: number): void {
  const memory = t.u._io.machine.memory;
  for (const b of buffers) if (b.fresh) memory.freePool(b.address);
  if (iosb !== 0) memory.freePool(iosb);
}

/** Reads memory as kernel code does (no probe); null when nothing is mapped there. */
export function kernelRead(t: ThreadRuntime, address: number, length: number): Uint8Array | null {
  const machine = t.u._io.machine;
  try {
    return machine.memory.read(machine.system.space, address, length, 'kernel').slice();
  } catch (error) {
    if (SimException.is(error)) return null;
    throw error;
  }
}

/** The IOSB preset of kernel calls, so that "not written" shows. */
export const POOL_IOSB_PRESET = 0xcccccccc;

/** An 8-byte IO_STATUS_BLOCK in pool, preset to 0xCC bytes (0 if the pool is exhausted). */
export function poolIosb(t: ThreadRuntime): number {
  const machine = t.u._io.machine;
  const iosb = machine.memory.allocatePool(8) ?? 0;
  if (iosb !== 0) machine.memory.fill(machine.system.space, iosb, 8, 0xcc, 'kernel');
  return iosb;
}

/** The IO_STATUS_BLOCK at `iosb` in pool: null when none was allocated or it was not written. */
export function readPoolIosb(t: ThreadRuntime, iosb: number): { status: number; information: number } | null {
  const block = iosb === 0 ? null : kernelRead(t, iosb, 8);
  if (block === null) return null;
  const view = new DataView(block.buffer, block.byteOffset, 8);
  const actual = { status: view.getUint32(0, true), information: view.getUint32(4, true) };
  return actual.status === POOL_IOSB_PRESET && actual.information === POOL_IOSB_PRESET ? null : actual;
}

/** checkIosb for an IO_STATUS_BLOCK in pool (the user-mode reader would refuse it). */
export function checkPoolIosb(t: ThreadRuntime, what: string, expect: IosbExpect | null, iosb: number): void {
  judgeIosb(t, what, expect, readPoolIosb(t, iosb));
}

/** `expect: { status }` of a kernel call, compiled: the NTSTATUS wanted, or null. */
export function compileKernelStatus(action: ActionData, path: Path, env: CompileEnv): number | null {
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  return e['status'] === undefined ? null : env.value(e['status'] as number | string, [...path, 'expect', 'status']);
}

/** `expect: { status }` of a kernel call: the NTSTATUS it returned (a kernel thread has no last status of a trap). */
export function checkKernelStatus(t: ThreadRuntime, what: string, expected: number | null, status: number): void {
  if (expected === null) return;
  t.check(`${what}: NTSTATUS`, showStatus(expected), showStatus(status), status >>> 0 === expected >>> 0);
}

/** `expect: { output }` against a kernel buffer after the call. */
export function checkKernelOutput(
  t: ThreadRuntime,
  what: string,
  expect: { readonly kind: 'unchanged' } | { readonly kind: 'bytes'; readonly bytes: Uint8Array | ((t: ThreadRuntime) => Uint8Array) } | null,
  buffer: KernelBuffer,
  before: Uint8Array | null,
): void {
  if (expect === null) return;
  const wanted = expect.kind === 'unchanged' ? 'unchanged' : showBytes(valueAt(expect.bytes, t));
  const after = buffer.length === 0 ? null : kernelRead(t, buffer.address, buffer.length);
  if (after === null) {
    t.check(`${what}: output buffer`, wanted, buffer.length === 0 ? 'nothing to compare: the output buffer is passed with length 0' : 'nothing to compare: no memory at the output buffer', false);
    return;
  }
  if (expect.kind === 'unchanged') {
    const same = before !== null && before.length === after.length && after.every((b, i) => b === before[i]);
    t.check(`${what}: output buffer`, 'unchanged', same ? 'unchanged' : showBytes(after), same);
    return;
  }
  const bytes = valueAt(expect.bytes, t);
  const head = after.subarray(0, bytes.length);
  t.check(`${what}: output buffer`, showBytes(bytes), showBytes(head), head.length === bytes.length && head.every((b, i) => b === bytes[i]));
}
