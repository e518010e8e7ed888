import { SimException, type Thread, type TraceEvent } from '@irpsim/core';
import { IRP_MJ, majorName } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type CompileEnv, type Dyn, type ThreadRuntime } from './ActionEnv.ts';
import { parseHex } from './bytes.ts';
import { listenAsEmitted } from './eventHub.ts';
import { showBytes, showHex } from './format.ts';
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
    systemBuffer: {
      type: ['object', 'null'],
      properties: { length: valueSchema, text: { type: 'string' }, hex: { type: 'string' } },
      additionalProperties: false,
      description: 'null (none), or { length, text | hex }: Irp->AssociatedIrp.SystemBuffer, its size, and its first bytes when the dispatch routine was called',
    },
    mdl: { ...lengthOnly, description: 'null (none), or { length }: Irp->MdlAddress and its ByteCount' },
    userBuffer: { ...pointerSchema, description: 'Irp->UserBuffer: null, caller (the output buffer the program passed) or an address' },
    type3InputBuffer: { ...pointerSchema, description: 'Parameters.DeviceIoControl.Type3InputBuffer: null, caller (the input buffer the program passed) or an address' },
    requestorMode: { enum: ['UserMode', 'KernelMode'] },
    stackCount: valueSchema,
    device: { type: 'string', description: 'The device whose dispatch routine was called: \\Device\\Hello' },
    fileName: { type: 'string', description: 'FileObject->FileName: the part of the name after the device ("" for none; IO-9.3)' },
    thread: { type: 'string', description: 'The thread the dispatch routine ran in: process/thread (app/main)' },
    process: { type: 'string', description: 'The process whose context it ran in' },
    systemThread: { type: 'boolean', description: 'Whether it ran in a system thread' },
    previousMode: { enum: ['UserMode', 'KernelMode'], description: 'ExGetPreviousMode() in the dispatch routine: the mode the thread entered the kernel from' },
    calls: { ...valueSchema, description: 'How many dispatch routines the IRP reached (the top driver and every driver it was passed down to) while the action ran' },
  },
  additionalProperties: false,
} as const;

type Pointer = null | 'caller' | number;

interface SawExpect {
  readonly numbers: readonly (readonly [key: NumberKey, value: number])[];
  readonly systemBuffer: { length: number | null; bytes?: Dyn<Uint8Array> } | null | undefined;
  readonly strings: readonly (readonly [key: StringKey, value: string])[];
  readonly systemThread: boolean | undefined;
  readonly calls: number | null;
  readonly mdl: { length: number | null } | null | undefined;
  readonly userBuffer: Pointer | undefined;
  readonly type3InputBuffer: Pointer | undefined;
  readonly requestorMode: string | undefined;
}

const NUMBER_KEYS = ['major', 'ioControlCode', 'inputLength', 'outputLength', 'length', 'byteOffset', 'stackCount'] as const;
type NumberKey = (typeof NUMBER_KEYS)[number];
const STRING_KEYS = ['device', 'fileName', 'thread', 'process', 'previousMode'] as const;
type StringKey = (typeof STRING_KEYS)[number];

/** What the top driver received: recorded when the I/O manager calls it. */
interface Saw {
  readonly numbers: Readonly<Record<NumberKey, number | null>>;
  readonly systemBuffer: number;
  readonly systemBufferLength: number;
  readonly mdl: { readonly address: number; readonly byteCount: number } | null;
  readonly userBuffer: number;
  readonly type3InputBuffer: number | null;
  readonly requestorMode: string;
  readonly strings: Readonly<Record<StringKey, string>>;
  readonly systemThread: boolean;
  /** The system buffer's bytes when the top dispatch routine was called (null: none, or unreadable). */
  readonly systemBufferBytes: Uint8Array | null;
  /** Dispatch routines the IRP reached while the action ran. */
  calls: number;
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
  let systemBuffer: SawExpect['systemBuffer'] = lengthOf('systemBuffer');
  const sb = o['systemBuffer'] as { text?: string; hex?: string } | null | undefined;
  if (sb !== null && sb !== undefined && systemBuffer !== null && systemBuffer !== undefined) {
    if (sb.text !== undefined && sb.hex !== undefined) env.error([...path, 'systemBuffer'], 'give text or hex, not both');
    const bytes = sb.text !== undefined ? env.text(sb.text, [...path, 'systemBuffer', 'text']) : sb.hex !== undefined ? parseHex(sb.hex) : undefined;
    if (bytes === null) env.error([...path, 'systemBuffer', 'hex'], `'${sb.hex}' is not hex bytes`);
    else if (bytes !== undefined) systemBuffer = { ...systemBuffer, bytes };
  }
  return {
    numbers,
    strings: STRING_KEYS.filter((k) => typeof o[k] === 'string').map((k) => [k, o[k] as string] as const),
    systemThread: typeof o['systemThread'] === 'boolean' ? o['systemThread'] : undefined,
    calls: o['calls'] === undefined ? null : env.value(o['calls'] as number | string, [...path, 'calls']),
    systemBuffer,
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
  let first = -1;
  const subscription = listenAsEmitted(io.machine.engine, (e: TraceEvent) => {
    if (e.type === 'io.irp.alloc' && e.tid === tid) built.add(e.irp);
    else if (e.type === 'io.irp.call' && e.caller === null && saw === null && built.has(e.irp)) {
      saw = record(io, io.irps.get(e.irp), e.location, e.deviceName);
      first = e.irp;
    } else if (e.type === 'io.irp.call' && saw !== null && e.irp === first) saw.calls++;
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

type Io = ThreadRuntime['u']['_io'];

function record(io: Io, irp: ReturnType<Io['irps']['get']>, location: number, deviceName: string): Saw | null {
  if (irp === undefined) return null;
  // Heard as the I/O manager calls the driver: the running thread is the dispatch routine's context (IO-10.1).
  const thread = io.machine.currentThreadOrNull();
  const file = irp.fileObject ?? irp.stack[location - 1]?.fileObject ?? null;
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
    strings: {
      device: deviceName,
      fileName: file?.fileName ?? '',
      thread: thread?.label ?? '(no thread: a DPC or timer)',
      process: thread?.process.name ?? '(no thread: a DPC or timer)',
      previousMode: thread === null ? 'KernelMode' : thread.previousMode === 'user' ? 'UserMode' : 'KernelMode',
    },
    systemThread: thread?.isSystemThread ?? true,
    systemBufferBytes: systemBufferBytes(io, irp, thread),
    calls: 1,
  };
}

/** A copy of the system buffer as the driver got it, taken before the dispatch routine runs: its answer does not change it. */
function systemBufferBytes(io: Io, irp: NonNullable<ReturnType<Io['irps']['get']>>, thread: Thread | null): Uint8Array | null {
  if (irp.systemBuffer === 0 || irp.systemBufferLength === 0 || thread === null) return null;
  try {
    return io.machine.memory.read(thread.process.space, irp.systemBuffer, irp.systemBufferLength, 'kernel').slice();
  } catch (error) {
    if (SimException.is(error)) return null;
    throw error;
  }
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
  const wantedBytes = expect.systemBuffer?.bytes === undefined ? undefined : valueAt(expect.systemBuffer.bytes, t);
  if (wantedBytes !== undefined) {
    const head = saw.systemBufferBytes?.subarray(0, wantedBytes.length) ?? null;
    const passed = head !== null && head.length === wantedBytes.length && head.every((b, i) => b === wantedBytes[i]);
    t.check(`${label} SystemBuffer bytes`, showBytes(wantedBytes), head === null ? 'no system buffer' : showBytes(head), passed);
  }
  for (const [key, wanted] of expect.strings) {
    const actual = saw.strings[key];
    t.check(`${label} ${key}`, JSON.stringify(wanted), JSON.stringify(actual), actual === wanted);
  }
  if (expect.systemThread !== undefined) t.check(`${label} systemThread`, String(expect.systemThread), String(saw.systemThread), saw.systemThread === expect.systemThread);
  if (expect.calls !== null) t.check(`${label} calls`, String(expect.calls), String(saw.calls), saw.calls === expect.calls);
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
