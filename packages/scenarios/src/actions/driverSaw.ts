import type { TraceEvent } from '@irpsim/core';
import { IRP_MJ, majorName } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import type { CompileEnv, ThreadRuntime } from './ActionEnv.ts';
import { showHex } from './format.ts';
import { valueSchema } from './schemaParts.ts';

/** A pointer the driver saw: NULL, the caller's own buffer, or an address. */
const pointerSchema = { anyOf: [{ type: 'null' }, { const: 'caller' }, { type: 'integer', minimum: 0, maximum: 0xffffffff }] } as const;
const lengthOnly = { type: ['object', 'null'], properties: { length: valueSchema }, additionalProperties: false } as const;

/** `expect: { driverSaw: { … } }`: the IRP as the top driver's dispatch routine received it (IO-3.x, IO-4.1). */
export const driverSawSchema = {
  type: 'object',
  description: "The IRP as the top driver's dispatch routine received it: its stack location's parameters and the buffers",
  properties: {
    major: valueSchema,
    ioControlCode: valueSchema,
    inputLength: valueSchema,
    outputLength: valueSchema,
    length: valueSchema,
    byteOffset: valueSchema,
    systemBuffer: { ...lengthOnly, description: 'null (none), or { length }: Irp->AssociatedIrp.SystemBuffer and its size' },
    mdl: { ...lengthOnly, description: 'null (none), or { length }: Irp->MdlAddress and its ByteCount' },
    userBuffer: { ...pointerSchema, description: 'Irp->UserBuffer: null, caller (the output buffer the program passed) or an address' },
    type3InputBuffer: { ...pointerSchema, description: 'Parameters.DeviceIoControl.Type3InputBuffer: null, caller (the input buffer the program passed) or an address' },
    requestorMode: { enum: ['UserMode', 'KernelMode'] },
    stackCount: valueSchema,
  },
  additionalProperties: false,
} as const;

type Pointer = null | 'caller' | number;

interface SawExpect {
  readonly numbers: readonly (readonly [key: NumberKey, value: number])[];
  readonly systemBuffer: { length: number | null } | null | undefined;
  readonly mdl: { length: number | null } | null | undefined;
  readonly userBuffer: Pointer | undefined;
  readonly type3InputBuffer: Pointer | undefined;
  readonly requestorMode: string | undefined;
}

const NUMBER_KEYS = ['major', 'ioControlCode', 'inputLength', 'outputLength', 'length', 'byteOffset', 'stackCount'] as const;
type NumberKey = (typeof NUMBER_KEYS)[number];

/** What the top driver received: recorded when the I/O manager calls it. */
interface Saw {
  readonly numbers: Readonly<Record<NumberKey, number | null>>;
  readonly systemBuffer: number;
  readonly systemBufferLength: number;
  readonly mdl: { readonly address: number; readonly byteCount: number } | null;
  readonly userBuffer: number;
  readonly type3InputBuffer: number | null;
  readonly requestorMode: string;
}

export function compileDriverSaw(spec: unknown, path: Path, env: CompileEnv): SawExpect | null {
  if (spec === undefined || spec === null || typeof spec !== 'object') return null;
  const o = spec as Record<string, unknown>;
  const numbers = NUMBER_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, env.value(o[k] as number | string, [...path, k])] as const);
  const lengthOf = (key: 'systemBuffer' | 'mdl') => {
    const v = o[key] as { length?: number | string } | null | undefined;
    if (v === undefined || v === null) return v;
    return { length: v.length === undefined ? null : env.value(v.length, [...path, key, 'length']) };
  };
  return {
    numbers,
    systemBuffer: lengthOf('systemBuffer'),
    mdl: lengthOf('mdl'),
    userBuffer: o['userBuffer'] as Pointer | undefined,
    type3InputBuffer: o['type3InputBuffer'] as Pointer | undefined,
    requestorMode: o['requestorMode'] as string | undefined,
  };
}

/**
 * Starts recording the first IRP this thread's I/O manager call hands to a driver (the top
 * of the stack); `stop()` ends it and returns what that driver saw, or null if no driver
 * was called.
 */
export function watchDriver(t: ThreadRuntime): { stop(): Saw | null } {
  const io = t.u._io;
  const tid = t.u.thread.id;
  const built = new Set<number>();
  let saw: Saw | null = null;
  const subscription = io.machine.trace.subscribe((e: TraceEvent) => {
    if (e.type === 'io.irp.alloc' && e.tid === tid) built.add(e.irp);
    else if (e.type === 'io.irp.call' && e.caller === null && saw === null && built.has(e.irp)) saw = record(io.irps.get(e.irp), e.location);
  });
  let listening = true;
  return {
    stop() {
      if (listening) subscription.unsubscribe();
      listening = false;
      return saw;
    },
  };
}

function record(irp: ReturnType<ThreadRuntime['u']['_io']['irps']['get']>, location: number): Saw | null {
  if (irp === undefined) return null;
  const sl = irp.stack[location - 1]!;
  const control = sl.majorFunction === IRP_MJ.DEVICE_CONTROL || sl.majorFunction === IRP_MJ.INTERNAL_DEVICE_CONTROL;
  const transfer = sl.majorFunction === IRP_MJ.READ || sl.majorFunction === IRP_MJ.WRITE;
  return {
    numbers: {
      major: sl.majorFunction,
      ioControlCode: control ? sl.arg3 : null,
      inputLength: control ? sl.arg2 : null,
      outputLength: control ? sl.arg1 : null,
      length: transfer ? sl.arg1 : null,
      byteOffset: transfer ? (sl.arg4 | 0) * 0x1_0000_0000 + sl.arg3 : null,
      stackCount: irp.stackCount,
    },
    systemBuffer: irp.systemBuffer,
    systemBufferLength: irp.systemBufferLength,
    mdl: irp.mdl === null ? null : { address: irp.mdl.address, byteCount: irp.mdl.byteCount },
    userBuffer: irp.userBuffer,
    type3InputBuffer: control ? sl.arg4 : null,
    requestorMode: irp.requestorMode === 'user' ? 'UserMode' : 'KernelMode',
  };
}

/** Compares what the driver saw with the expectation; `caller` pointers are the action's own buffers. */
export function checkDriverSaw(t: ThreadRuntime, what: string, expect: SawExpect | null, saw: Saw | null, caller: { input: number; output: number }): void {
  if (expect === null) return;
  const label = `${what}: the driver saw`;
  if (saw === null) {
    t.check(label, 'an IRP', 'no IRP reached a driver', false);
    return;
  }
  for (const [key, wanted] of expect.numbers) {
    const actual = saw.numbers[key];
    const show = (n: number | null) => (n === null ? 'nothing (not this kind of request)' : key === 'major' ? majorName(n) : key === 'ioControlCode' ? showHex(n) : String(n));
    t.check(`${label} ${key}`, show(wanted), show(actual), actual === wanted);
  }
  const area = (name: string, wanted: { length: number | null } | null | undefined, address: number, length: number) => {
    if (wanted === undefined) return;
    const present = address !== 0;
    const expected = wanted === null ? 'NULL' : wanted.length === null ? 'a buffer' : `${wanted.length} bytes`;
    const actual = present ? `${length} bytes at ${showHex(address)}` : 'NULL';
    t.check(`${label} ${name}`, expected, actual, wanted === null ? !present : present && (wanted.length === null || wanted.length === length));
  };
  area('SystemBuffer', expect.systemBuffer, saw.systemBuffer, saw.systemBufferLength);
  area('MdlAddress', expect.mdl, saw.mdl?.address ?? 0, saw.mdl?.byteCount ?? 0);
  const pointer = (name: string, wanted: Pointer | undefined, actual: number | null, callers: number) => {
    if (wanted === undefined) return;
    const target = wanted === null ? 0 : wanted === 'caller' ? callers : wanted >>> 0;
    const expected = wanted === null ? 'NULL' : wanted === 'caller' ? `the caller's buffer ${showHex(callers)}` : showHex(target);
    t.check(`${label} ${name}`, expected, actual === null ? 'nothing (not an IOCTL)' : actual === 0 ? 'NULL' : showHex(actual), actual === target);
  };
  pointer('UserBuffer', expect.userBuffer, saw.userBuffer, caller.output);
  pointer('Type3InputBuffer', expect.type3InputBuffer, saw.type3InputBuffer, caller.input);
  if (expect.requestorMode !== undefined) t.check(`${label} RequestorMode`, expect.requestorMode, saw.requestorMode, saw.requestorMode === expect.requestorMode);
}
