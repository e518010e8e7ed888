import { describeStatus, ntSuccess, type NtStatus } from '@irpsim/core';
import type { IoApcRoutine } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type ActionDef, type CompileEnv, type ThreadRuntime } from './ActionEnv.ts';
import { planBuffer, resolveBuffer } from './buffers.ts';
import { apcRan } from './apcLog.ts';
import { checkDriverSaw, compileDriverSaw, driverSawSchema, watchDriver } from './driverSaw.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showBytes, showHex, showStatus } from './format.ts';
import { handleOf, requireHandle } from './handles.ts';
import { checkIosb, compileIosbExpect, freshIosb, iosbExpectSchema } from './iosbExpectation.ts';
import { compileOutputExpect, safeRead } from './ioctl.ts';
import { bufferSchema, expectBytesSchema, nameSchema, valueSchema } from './schemaParts.ts';
import { checkSignalled, compileSignalled, signalledSchema } from './signalled.ts';

/**
 * `nt-ioctl`, `nt-read`, `nt-write`: NtDeviceIoControlFile / NtReadFile / NtWriteFile as a
 * program calling ntdll makes them — no kernel32 in between: the caller's IO_STATUS_BLOCK,
 * an optional event and an optional APC routine (IO-2.5, IO-4.5, IO-4.6, IO-7.12). The
 * call returns the NTSTATUS and leaves the last error alone.
 */

const callProperties = {
  event: { ...nameSchema, description: 'An event handle (from create-event … as:) the I/O manager resets, then signals at completion' },
  apc: {
    type: 'object',
    description: 'An APC routine: queued to this thread at completion, run at its next alertable wait (IO-7.12)',
    properties: { label: { type: 'string' }, context: valueSchema },
    additionalProperties: false,
  },
  iosb: { ...nameSchema, description: 'Names the 8-byte IO_STATUS_BLOCK as a buffer of the process (read-memory: NAME)' },
} as const;

const baseExpectations = { iosb: iosbExpectSchema, signalled: signalledSchema, driverSaw: driverSawSchema } as const;

type Kind = 'nt-ioctl' | 'nt-read' | 'nt-write';

function ntIo(kind: Kind): ActionDef {
  const rw = kind !== 'nt-ioctl';
  return {
    description:
      kind === 'nt-ioctl'
        ? 'NtDeviceIoControlFile: an IOCTL with the IO_STATUS_BLOCK, event and APC routine of the NT call.'
        : `${kind === 'nt-read' ? 'NtReadFile' : 'NtWriteFile'}: with the IO_STATUS_BLOCK, event, APC routine and ByteOffset of the NT call (buffer and offset may be null).`,
    value: rw ? nameSchema : valueSchema,
    properties: rw
      ? { ...callProperties, buffer: bufferSchema, length: valueSchema, offset: { type: ['integer', 'null'], minimum: 0, description: 'ByteOffset: a number, or null / absent for a NULL pointer' } }
      : { handle: nameSchema, ...callProperties, input: bufferSchema, output: bufferSchema },
    expect: kind === 'nt-write' ? baseExpectations : { ...baseExpectations, output: expectBytesSchema },
    names: (a) => (typeof a['iosb'] === 'string' ? { buffers: [[a['iosb'], 8]] } : {}),
    compile: (action, path, env, what) => compileNtIo(kind, action, path, env, what),
  };
}

function compileNtIo(kind: Kind, action: ActionData, path: Path, env: CompileEnv, what: string) {
  const rw = kind !== 'nt-ioctl';
  const handleName = (rw ? action[kind] : action['handle']) as string | undefined;
  if (handleName === undefined) env.error(path, `${kind} needs \`handle:\` (a handle named by an earlier open)`, null);
  else requireHandle(handleName, rw ? [...path, kind] : [...path, 'handle'], env);
  const code = rw ? 0 : env.value(action['nt-ioctl'] as number | string, [...path, 'nt-ioctl']);
  const input = planBuffer(rw ? (kind === 'nt-write' ? action['buffer'] : undefined) : action['input'], rw ? [...path, 'buffer'] : [...path, 'input'], env);
  const output = planBuffer(rw ? (kind === 'nt-read' ? action['buffer'] : undefined) : action['output'], rw ? [...path, 'buffer'] : [...path, 'output'], env);
  const length = action['length'] === undefined ? null : env.dyn(action['length'] as number | string, [...path, 'length']);
  const offset = typeof action['offset'] === 'number' ? action['offset'] : null;
  const eventName = action['event'] as string | undefined;
  if (eventName !== undefined) requireHandle(eventName, [...path, 'event'], env);
  const apc = action['apc'] as { label?: string; context?: number | string } | undefined;
  const apcContext = apc?.context === undefined ? 0 : env.value(apc.context, [...path, 'apc', 'context']);
  const iosbName = action['iosb'] as string | undefined;
  const common = compileCommonExpect(action, path, env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const iosbExpect = compileIosbExpect(e['iosb'], [...path, 'expect', 'iosb'], env);
  const outputExpect = compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  const signalled = compileSignalled(e['signalled'], [...path, 'expect', 'signalled'], env);
  const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  const service = kind === 'nt-ioctl' ? 'NtDeviceIoControlFile' : kind === 'nt-read' ? 'NtReadFile' : 'NtWriteFile';
  return function* (t: ThreadRuntime) {
    const inBuf = resolveBuffer(t, input);
    const outBuf = resolveBuffer(t, output);
    const iosb = freshIosb(t);
    if (iosbName !== undefined) t.buffers.set(iosbName, { address: iosb, size: 8 });
    const handle = handleName === undefined ? 0 : handleOf(t, handleName);
    const event = eventName === undefined ? 0 : handleOf(t, eventName);
    const routine: IoApcRoutine | null =
      apc === undefined
        ? null
        : function* (u, context, block) {
            // The program's routine: it says that it ran, with what it was given (IO-7.12).
            apcRan(u.thread, { kind: 'APC routine', label: apc.label ?? 'apc', args: { context, iosb: block, status: u.readU32(block), information: u.readU32(block + 4) } });
            t.note(`APC routine "${apc.label ?? 'apc'}" runs: ApcContext = ${showHex(context)}, IO_STATUS_BLOCK = {${describeStatus(u.readU32(block))}, ${u.readU32(block + 4)}}`);
          };
    const apcRoutine = routine === null ? 0 : t.u._io.userCode.address(routine);
    const buffer = rw ? (kind === 'nt-read' ? outBuf : inBuf) : null;
    const rwLength = length === null ? (buffer?.length ?? 0) : valueAt(length, t);
    let byteOffset = 0;
    if (rw && offset !== null) {
      byteOffset = t.u.scratch(8);
      t.u.writeU32(byteOffset, offset % 0x100000000);
      t.u.writeU32(byteOffset + 4, Math.floor(offset / 0x100000000));
    }
    const before = outputExpect !== null && outBuf.length > 0 ? safeRead(t, outBuf.address, outBuf.length) : null;
    const u = t.u;
    if (u.traced) u.call(service, `handle ${showHex(handle)}${rw ? `, ${rwLength} bytes` : `, ${showHex(code)}`}${event !== 0 ? ', event' : ''}${apcRoutine !== 0 ? ', APC routine' : ''}`);
    const watch = driverSaw === null ? null : watchDriver(t);
    let status: NtStatus;
    try {
      status = rw
        ? yield* u._io.machine.systemCall(service as 'NtReadFile', { handle, event, apcRoutine, apcContext, iosb, buffer: buffer!.address, length: rwLength, byteOffset, key: 0 })
        : yield* u._io.machine.systemCall('NtDeviceIoControlFile', {
            handle,
            event,
            apcRoutine,
            apcContext,
            iosb,
            ioControlCode: code,
            inputBuffer: inBuf.address,
            inputLength: inBuf.length,
            outputBuffer: outBuf.address,
            outputLength: outBuf.length,
          });
    } finally {
      watch?.stop();
    }
    // ntdll returns the NTSTATUS and leaves the last error alone.
    const trace = u._io.machine.trace;
    if (trace.on) trace.emit({ type: 'win32.return', tid: u.thread.id, api: service, ok: ntSuccess(status), detail: '', status, error: null, errorName: null });
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: inBuf.address, output: outBuf.address });
    checkCommon(t, what, common, status, showStatus);
    checkSignalled(t, what, signalled);
    checkIosb(t, what, iosbExpect, iosb);
    if (outputExpect !== null) {
      const after = before === null ? null : safeRead(t, outBuf.address, outBuf.length);
      if (after === null || before === null) t.check(`${what}: output buffer`, 'readable', 'no readable output buffer', false);
      else if (outputExpect.kind === 'unchanged') t.check(`${what}: output buffer`, 'unchanged', showBytes(after), after.every((b, i) => b === before[i]));
      else {
        const expected = valueAt(outputExpect.bytes, t);
        const head = after.subarray(0, expected.length);
        t.check(`${what}: output buffer`, showBytes(expected), showBytes(head), head.length === expected.length && head.every((b, i) => b === expected[i]));
      }
    }
  };
}

export const NT_IO_ACTIONS = { 'nt-ioctl': ntIo('nt-ioctl'), 'nt-read': ntIo('nt-read'), 'nt-write': ntIo('nt-write') } as const;
