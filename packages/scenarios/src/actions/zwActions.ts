import { ACCESS, STATUS, type NtStatus, type Routine, type SystemServiceArgs, type SystemServiceName } from '@irpsim/core';
import { FILE_DISPOSITION, FILE_OPTION, zwClose } from '@irpsim/io-manager';
import type { Path } from '../format/SourceMap.ts';
import { valueAt, type ActionData, type ActionDef, type CompileEnv, type Step, type ThreadRuntime } from './ActionEnv.ts';
import { planBuffer, type BufferPlan } from './buffers.ts';
import { checkDriverSaw, compileDriverSaw, watchDriver } from './driverSaw.ts';
import { checkHandle } from './expectCommon.ts';
import { showHex } from './format.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { compileOutputExpect } from './ioctl.ts';
import { compileIosbExpect, iosbExpectSchema } from './iosbExpectation.ts';
import {
  checkKernelOutput,
  checkKernelStatus,
  compileKernelStatus,
  checkPoolIosb,
  freeKernelBuffers,
  kernelRead,
  poolIosb,
  readPoolIosb,
  resolveKernelBuffer,
  type KernelBuffer,
} from './kernelBuffers.ts';

/**
 * In a `kernel: true` thread, `open`, `close`, `ioctl`, `read`, `write` and `alloc` are what
 * kernel code calls: ZwCreateFile, ZwClose, ZwDeviceIoControlFile, ZwReadFile, ZwWriteFile
 * through the system-call gate with PreviousMode = KernelMode (no probes, no access check:
 * IO-10.1, IO-4.6), and ExAllocatePool. Handles are kernel handles (the System process's
 * table, OBJ_KERNEL_HANDLE); buffers are nonpaged pool; every call is synchronous (the
 * file is opened with FILE_SYNCHRONOUS_IO_NONALERT) and returns an NTSTATUS, which
 * `expect: { status }` checks — no Win32 error is made of it.
 */
export interface ZwForm {
  /** The routine kernel code calls, for messages. */
  readonly api: string;
  /** Keys of the user-mode verb the kernel form does not take: key → hint. */
  readonly userOnly: Readonly<Record<string, string>>;
  /** Expectations of the user-mode verb the kernel form does not have: key → hint. */
  readonly userOnlyExpect: Readonly<Record<string, string>>;
  /** Expectations only the kernel form has: schema, and the hint for a user-mode thread. */
  readonly kernelOnlyExpect: Readonly<Record<string, { readonly schema: object; readonly hint: string }>>;
  readonly compile: ActionDef['compile'];
}

const NO_RESULT = {
  returns: 'a Zw call returns its NTSTATUS: expect status: STATUS_…',
  error: 'kernel code has no last error: a Zw call returns an NTSTATUS, which nothing maps to a Win32 error; expect status: STATUS_…',
} as const;
const SYNCHRONOUS = "a kernel thread's files are opened for synchronous I/O, FILE_SYNCHRONOUS_IO_NONALERT: the call waits; leave overlapped out";
const COUNT = "the byte count is the IO_STATUS_BLOCK's Information: expect bytes, or iosb: { information }";
const transferOnly = {
  ...NO_RESULT,
  overlapped: 'a Zw call has no OVERLAPPED: expect iosb: { status, information }',
  signalled: 'a kernel thread names no events: expect status and iosb',
} as const;
const iosbOnly = {
  iosb: { schema: iosbExpectSchema, hint: "DeviceIoControl, ReadFile and WriteFile show no IO_STATUS_BLOCK: expect the OVERLAPPED's internal / internalHigh, or call nt-ioctl / nt-read / nt-write, which take iosb" },
} as const;

/** Runs a system service as a Zw call of the running kernel thread. */
function zw<K extends SystemServiceName>(t: ThreadRuntime, name: K, args: SystemServiceArgs[K]): Routine<NtStatus> {
  return t.u._io.machine.zwCall(name, args);
}

/** `open: '\Device\X'` — ZwCreateFile(FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE): a kernel handle. */
function compileZwOpen(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const name = String(action['open']);
  if (name.startsWith('\\\\.\\')) {
    env.error([...path, 'open'], `kernel code names a device by its NT path, not '${name}'`, `write '\\??\\${name.slice(4)}' or the device's '\\Device\\…' name`);
  }
  const access = action['access'] === undefined ? (ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE | ACCESS.SYNCHRONIZE) >>> 0 : env.value(action['access'] as number | string, [...path, 'access']);
  const share = action['share'] === undefined ? 0 : env.value(action['share'] as number | string, [...path, 'share']);
  const as = action['as'] as string | undefined;
  const status = compileKernelStatus(action, path, env);
  const driverSaw = compileDriverSaw(((action['expect'] ?? {}) as Record<string, unknown>)['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  return function* (t) {
    const machine = t.u._io.machine;
    const out = machine.memory.allocatePool(16) ?? 0;
    t.note(`ZwCreateFile(${name}, access ${showHex(access)}, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT): a kernel handle`);
    const watch = driverSaw === null ? null : watchDriver(t);
    let returned: NtStatus;
    try {
      returned = yield* zw(t, 'NtCreateFile', {
        handleOut: out,
        desiredAccess: access,
        name,
        iosb: out + 8,
        shareAccess: share,
        disposition: FILE_DISPOSITION.OPEN,
        options: FILE_OPTION.SYNCHRONOUS_IO_NONALERT | FILE_OPTION.NON_DIRECTORY_FILE,
      });
    } finally {
      watch?.stop();
    }
    const handle = returned === STATUS.SUCCESS ? machine.memory.readU32(machine.system.space, out, 'kernel') : 0;
    if (out !== 0) machine.memory.freePool(out);
    remember(t, as, handle);
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: 0, output: 0 });
    checkHandle(t, what, action, handle, 0);
    checkKernelStatus(t, what, status, returned);
  };
}

/** `close: h` — ZwClose of a kernel handle. */
function compileZwClose(action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const name = action['close'] as string;
  requireHandle(name, [...path, 'close'], env);
  const status = compileKernelStatus(action, path, env);
  return function* (t) {
    const handle = handleOf(t, name);
    t.note(`ZwClose(${showHex(handle)})`);
    // As a driver's ZwClose: 0x93 for a handle that is not open, with the verifier on.
    const returned = yield* zwClose(t.u._io, handle, t.label, null);
    checkKernelStatus(t, what, status, returned);
  };
}

type Transfer = 'ioctl' | 'read' | 'write';

/** `ioctl`, `read`, `write` — ZwDeviceIoControlFile / ZwReadFile / ZwWriteFile with pool buffers and a pool IO_STATUS_BLOCK. */
function compileZwTransfer(kind: Transfer, action: ActionData, path: Path, env: CompileEnv, what: string): Step {
  const ioctl = kind === 'ioctl';
  const handleName = (ioctl ? action['handle'] : action[kind]) as string | undefined;
  if (handleName === undefined) env.error(path, 'an ioctl needs `handle:` (a handle named by an earlier open)', null);
  else requireHandle(handleName, ioctl ? [...path, 'handle'] : [...path, kind], env);
  const code = ioctl ? env.value(action['ioctl'] as number | string, [...path, 'ioctl']) : 0;
  const none: BufferPlan = { kind: 'none' };
  const input = kind === 'read' ? none : planBuffer(action['input'], [...path, 'input'], env);
  const output = kind === 'write' ? none : planBuffer(action['output'], [...path, 'output'], env);
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  const status = compileKernelStatus(action, path, env);
  const bytes = e['bytes'] === undefined ? null : e['bytes'] === 'unchanged' ? 'unchanged' : env.dyn(e['bytes'] as number | string, [...path, 'expect', 'bytes']);
  const iosbExpect = compileIosbExpect(e['iosb'], [...path, 'expect', 'iosb'], env);
  const outputExpect = kind === 'write' ? null : compileOutputExpect(e['output'], [...path, 'expect', 'output'], env);
  if (outputExpect !== null && output.kind === 'none') env.error([...path, 'expect', 'output'], 'cannot check the output: there is no buffer (NULL)', `give the ${kind} an output buffer, e.g. output: { size: 16 }`);
  const driverSaw = compileDriverSaw(e['driverSaw'], [...path, 'expect', 'driverSaw'], env);
  const api = ioctl ? 'ZwDeviceIoControlFile' : kind === 'read' ? 'ZwReadFile' : 'ZwWriteFile';
  const codeShown = typeof action['ioctl'] === 'string' ? `${action['ioctl']} (${showHex(code)})` : showHex(code);
  return function* (t) {
    const inBuf = resolveKernelBuffer(t, input);
    const outBuf = resolveKernelBuffer(t, output);
    for (const [key, b] of [['input', inBuf], ['output', outBuf]] as const) if (b.problem !== undefined) t.check(`${what}: ${key} buffer`, 'a valid buffer', b.problem, false);
    const iosb = poolIosb(t);
    const before = outputExpect?.kind === 'unchanged' ? kernelRead(t, outBuf.address, outBuf.length) : null;
    const handle = handleName === undefined ? 0 : handleOf(t, handleName);
    const buffer: KernelBuffer = kind === 'read' ? outBuf : inBuf;
    t.note(`${api}(${showHex(handle)}${ioctl ? `, ${codeShown}, in ${describe(inBuf)}, out ${describe(outBuf)}` : `, ${describe(buffer)}`})`);
    const watch = driverSaw === null ? null : watchDriver(t);
    let returned: NtStatus;
    try {
      const call = { handle, event: 0, apcRoutine: 0, apcContext: 0, iosb };
      returned = ioctl
        ? yield* zw(t, 'NtDeviceIoControlFile', {
            ...call,
            ioControlCode: code,
            inputBuffer: inBuf.address,
            inputLength: inBuf.length,
            outputBuffer: outBuf.address,
            outputLength: outBuf.length,
          })
        : yield* zw(t, kind === 'read' ? 'NtReadFile' : 'NtWriteFile', { ...call, buffer: buffer.address, length: buffer.length, byteOffset: 0, key: 0 });
    } finally {
      watch?.stop();
    }
    if (watch !== null) checkDriverSaw(t, what, driverSaw, watch.stop(), { input: inBuf.address, output: outBuf.address });
    checkKernelStatus(t, what, status, returned);
    if (bytes !== null) {
      // Zw calls have no lpBytesReturned: the count is the IO_STATUS_BLOCK's Information.
      const block = readPoolIosb(t, iosb);
      const wanted = bytes === 'unchanged' ? 'unchanged (IO_STATUS_BLOCK not written)' : String(valueAt(bytes, t));
      const actual = block === null ? 'unchanged (IO_STATUS_BLOCK not written)' : String(block.information);
      t.check(`${what}: IoStatus.Information`, wanted, actual, wanted === actual);
    }
    checkPoolIosb(t, what, iosbExpect, iosb);
    checkKernelOutput(t, what, outputExpect, outBuf, before);
    freeKernelBuffers(t, [inBuf, outBuf], iosb);
  };
}

const describe = (b: KernelBuffer): string => (b.address === 0 ? `NULL, ${b.length}` : `${showHex(b.address)}, ${b.length} bytes`);

/** `alloc: name` — ExAllocatePool2(POOL_FLAG_NON_PAGED): a named pool buffer, which user threads may pass as `{ address: name }`. */
function compileZwAlloc(action: ActionData, path: Path, env: CompileEnv): Step {
  const name = action['alloc'] as string;
  const spec = Object.fromEntries(['text', 'hex', 'size', 'fill'].filter((k) => action[k] !== undefined).map((k) => [k, action[k]]));
  const plan = Object.keys(spec).length === 0 ? null : planBuffer(spec, path, env);
  if (plan === null) env.error(path, 'alloc needs a size (or text / hex to fill it with)');
  if (action['size'] === 0) env.error([...path, 'size'], 'alloc needs a size of at least 1 byte');
  return function* (t) {
    if (plan === null) return;
    const b = resolveKernelBuffer(t, plan);
    t.note(b.address === 0 ? `ExAllocatePool2(POOL_FLAG_NON_PAGED): ${b.problem ?? 'no pool'}` : `ExAllocatePool2(POOL_FLAG_NON_PAGED, ${b.length}) → ${showHex(b.address)} ('${name}')`);
    if (b.address !== 0) t.buffers.set(name, { address: b.address, size: b.length });
  };
}

export const ZW_FORMS: Readonly<Record<string, ZwForm>> = {
  alloc: {
    api: 'ExAllocatePool2',
    userOnly: { protection: 'pool is nonpaged read-write memory: there is no page protection to choose' },
    userOnlyExpect: { ...NO_RESULT, status: 'ExAllocatePool2 returns a pointer, not an NTSTATUS: a later action that uses the buffer shows it' },
    kernelOnlyExpect: {},
    compile: compileZwAlloc,
  },
  open: {
    api: 'ZwCreateFile',
    userOnly: {
      overlapped: SYNCHRONOUS,
      disposition: 'ZwCreateFile here opens an existing device, FILE_OPEN; for other dispositions call nt-open in a user-mode thread',
    },
    userOnlyExpect: NO_RESULT,
    kernelOnlyExpect: {},
    compile: compileZwOpen,
  },
  close: { api: 'ZwClose', userOnly: {}, userOnlyExpect: NO_RESULT, kernelOnlyExpect: {}, compile: compileZwClose },
  ioctl: {
    api: 'ZwDeviceIoControlFile',
    userOnly: { overlapped: SYNCHRONOUS, bytesReturned: COUNT },
    userOnlyExpect: transferOnly,
    kernelOnlyExpect: iosbOnly,
    compile: (a, p, env, w) => compileZwTransfer('ioctl', a, p, env, w),
  },
  read: {
    api: 'ZwReadFile',
    userOnly: { overlapped: SYNCHRONOUS, bytesRead: COUNT },
    userOnlyExpect: transferOnly,
    kernelOnlyExpect: iosbOnly,
    compile: (a, p, env, w) => compileZwTransfer('read', a, p, env, w),
  },
  write: {
    api: 'ZwWriteFile',
    userOnly: { overlapped: SYNCHRONOUS, bytesWritten: COUNT },
    userOnlyExpect: transferOnly,
    kernelOnlyExpect: iosbOnly,
    compile: (a, p, env, w) => compileZwTransfer('write', a, p, env, w),
  },
};

/**
 * The user-mode definitions of the verbs that have a kernel form, each given the kernel
 * form's extra expectations (schema) and compiled as the thread's mode says.
 */
export function withZwForms(actions: Readonly<Record<string, ActionDef>>): Record<string, ActionDef> {
  const out: Record<string, ActionDef> = {};
  for (const [verb, form] of Object.entries(ZW_FORMS)) {
    const user = actions[verb];
    if (user === undefined) continue;
    const extra = Object.fromEntries(Object.entries(form.kernelOnlyExpect).map(([k, v]) => [k, v.schema]));
    out[verb] = {
      ...user,
      expect: { ...user.expect, ...extra },
      compile: (action, path, env, what) => (env.kernel === true ? form.compile(action, path, env, what) : user.compile(action, path, env, what)),
    };
  }
  return out;
}
