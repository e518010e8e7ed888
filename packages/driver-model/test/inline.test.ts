import { Machine, STATUS, decodeUtf8, encodeUtf8, firstCome, type NtStatus, type Routine } from '@irpsim/core';
import { CREATION, CTL_CODE, DO, ERROR, FILE_ACCESS, FILE_DEVICE, INFINITE, IRP_MJ, IoManager, METHOD, WAIT, Win32 } from '@irpsim/io-manager';
import { describe, expect, it } from 'vitest';
import { inlineDriver, loadDriver, type DriverDefinition, type InlineAction, type InlineDriverSpec } from '../src/index.ts';

const code = (fn: number, method: number = METHOD.BUFFERED) => CTL_CODE(FILE_DEVICE.UNKNOWN, fn, method, FILE_ACCESS.ANY);
const ECHO = code(0x800);
const ECHO_OUT_DIRECT = code(0x801, METHOD.OUT_DIRECT);
const ECHO_NEITHER = code(0x802, METHOD.NEITHER);
const WAIT_IOCTL = code(0x810);
const FIRE = code(0x811);
const OTHER = code(0x8ff);

/** A device driver spec with sensible defaults: `\Device\<Name>` linked as `\DosDevices\<Name>`. */
function device(name: string, dispatch: { majors?: [number, InlineAction[]][]; ioctls?: [number, InlineAction[]][]; otherwise?: InlineAction[] }, more: Partial<InlineDriverSpec> = {}): DriverDefinition {
  const Name = name.charAt(0).toUpperCase() + name.slice(1);
  return inlineDriver({
    name,
    device: `\\Device\\${Name}`,
    link: `\\DosDevices\\${Name}`,
    flags: DO.BUFFERED_IO,
    exclusive: false,
    attach: null,
    values: {},
    events: {},
    dispatch: { majors: new Map(dispatch.majors ?? []), ioctls: new Map(dispatch.ioctls ?? []), otherwise: dispatch.otherwise ?? null },
    ...more,
  });
}

/** Boots a machine, loads the drivers from the boot thread, runs `user` in a process of its own; records the trace. */
function boot(drivers: readonly DriverDefinition[], user: (u: Win32, m: Machine) => Routine<unknown> = function* () {}) {
  const machine = new Machine({ strategy: firstCome() });
  machine.trace.record();
  const io = new IoManager(machine);
  const loaded: NtStatus[] = [];
  let returned: unknown;
  machine.createSystemThread('boot', function* () {
    for (const d of drivers) loaded.push(yield* loadDriver(io, d));
    machine.createThread(machine.createProcess('app'), 'main', function* (thread) {
      returned = yield* user(new Win32(io, thread), machine);
    });
  });
  const result = machine.engine.run();
  const prints = machine.trace.events.flatMap((e) => (e.type === 'io.dbgprint' ? [(e as { message: string }).message] : []));
  return { result, loaded, returned: () => returned, prints };
}

/** Opens `\\.\Name` and sends one IOCTL; [ok, last error, bytes returned, output text]. */
function* ioctl(u: Win32, h: number, ctl: number, input: string, outSize: number): Routine<[boolean, number, number, string]> {
  const inBuf = u.scratch(Math.max(input.length, 1));
  const outBuf = u.scratch(Math.max(outSize, 1));
  const count = u.scratch(4);
  u.write(inBuf, encodeUtf8(input));
  u.write(outBuf, new Uint8Array(outSize).fill(0x2e)); // '.': bytes nobody wrote
  u.write(count, new Uint8Array([0xef, 0xbe, 0xad, 0xde]));
  u.SetLastError(0);
  const ok = yield* u.DeviceIoControl(h, ctl, input.length === 0 ? 0 : inBuf, input.length, outSize === 0 ? 0 : outBuf, outSize, count);
  return [ok, u.GetLastError(), u.readU32(count), decodeUtf8(u.read(outBuf, outSize))];
}

const open = (u: Win32, name: string) => u.CreateFile(`\\\\.\\${name}`, 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);

const echoList: InlineAction[] = [
  { action: 'require', field: 'outputLength', atLeast: 'inputLength', atMost: null, otherwise: STATUS.BUFFER_TOO_SMALL },
  { action: 'copy', from: 'input', to: 'output' },
  { action: 'complete', status: STATUS.SUCCESS },
];

describe('inline drivers: buffers and completion', () => {
  it('IO-3.2 require + echo + complete: the echo comes back; a short output fails with STATUS_BUFFER_TOO_SMALL and copies nothing', () => {
    const echo = device('echo', { ioctls: [[ECHO, echoList], [ECHO_OUT_DIRECT, echoList], [ECHO_NEITHER, echoList]] });
    const run = boot([echo], function* (u) {
      const h = yield* open(u, 'Echo');
      return [
        yield* ioctl(u, h, ECHO, 'abc', 8),
        yield* ioctl(u, h, ECHO, 'abc', 2),
        yield* ioctl(u, h, ECHO_OUT_DIRECT, 'direct', 8),
        yield* ioctl(u, h, ECHO_NEITHER, 'raw', 4),
        yield* ioctl(u, h, OTHER, 'x', 4),
      ];
    });
    expect(run.loaded).toEqual([STATUS.SUCCESS]);
    expect(run.returned()).toEqual([
      [true, 0, 3, 'abc.....'],
      // IO-7.2: a failed synchronous DeviceIoControl does not write *lpBytesReturned.
      [false, ERROR.INSUFFICIENT_BUFFER, 0xdeadbeef, '..'],
      [true, 0, 6, 'direct..'],
      [true, 0, 3, 'raw.'],
      // No list for the code and no default: STATUS_INVALID_DEVICE_REQUEST.
      [false, ERROR.INVALID_FUNCTION, 0xdeadbeef, '....'],
    ]);
    expect(run.prints).toContain('outputLength 2 is less than 3: fails the request with STATUS_BUFFER_TOO_SMALL');
    expect(run.result.violations).toEqual([]);
  });

  it('IO-3.3 write + information: only Information bytes of the system buffer come back', () => {
    const d = device('w', {
      ioctls: [
        [ECHO, [{ action: 'write', bytes: encodeUtf8('hello'), offset: 1 }, { action: 'complete', status: STATUS.SUCCESS }]],
        [FIRE, [{ action: 'write', bytes: new Uint8Array([0x41, 0x42, 0x43]), offset: 0 }, { action: 'information', value: 2 }, { action: 'complete', status: STATUS.SUCCESS }]],
      ],
    });
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'W');
      return [yield* ioctl(u, h, ECHO, '', 8), yield* ioctl(u, h, ECHO, '', 3), yield* ioctl(u, h, FIRE, '', 8)];
    });
    const [first, second, third] = run.returned() as [[boolean, number, number, string], [boolean, number, number, string], unknown];
    // Information = 6 copies back byte 0 too, which the driver never wrote: pool bytes, not the caller's '.'.
    expect([first[0], first[2], first[3].slice(1)]).toEqual([true, 6, 'hello..']);
    expect(first[3].charAt(0)).not.toBe('.');
    // Only what fits is written: 2 of the 5 bytes at offset 1, Information = 3.
    expect([second[0], second[2], second[3].slice(1)]).toEqual([true, 3, 'he']);
    expect(third).toEqual([true, 0, 2, 'AB......']);
  });

  it('IO-4.1 copy to and from the device store: a WRITE is kept and read back (DO_BUFFERED_IO and DO_DIRECT_IO)', () => {
    const store = (name: string, flags: number) =>
      device(name, {
        majors: [
          [IRP_MJ.WRITE, [{ action: 'copy', from: 'input', to: 'store' }, { action: 'complete', status: STATUS.SUCCESS }]],
          [IRP_MJ.READ, [{ action: 'copy', from: 'store', to: 'output' }, { action: 'complete', status: STATUS.SUCCESS }]],
        ],
      }, { flags });
    const run = boot([store('buf', DO.BUFFERED_IO), store('dir', DO.DIRECT_IO)], function* (u) {
      const out: unknown[] = [];
      for (const name of ['Buf', 'Dir']) {
        const h = yield* open(u, name);
        const data = u.scratch(16);
        const count = u.scratch(4);
        u.write(data, encodeUtf8(`kept by ${name}`));
        out.push(yield* u.WriteFile(h, data, 11, count), u.readU32(count));
        u.write(data, new Uint8Array(16));
        out.push(yield* u.ReadFile(h, data, 16, count), u.readU32(count), decodeUtf8(u.read(data, 11)));
      }
      return out;
    });
    expect(run.returned()).toEqual([true, 11, true, 11, 'kept by Buf', true, 11, true, 11, 'kept by Dir']);
  });

  it('complete with a status: the caller sees its Win32 error; `return` changes only what the dispatch routine returns (IO-5.14: 0xC9/0x224)', () => {
    const d = device('deny', {
      ioctls: [
        [ECHO, [{ action: 'complete', status: STATUS.ACCESS_DENIED }]],
        [FIRE, [{ action: 'complete', status: STATUS.SUCCESS }, { action: 'return', status: STATUS.UNSUCCESSFUL }]],
      ],
    });
    let denied: unknown[] = [];
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Deny');
      denied = (yield* ioctl(u, h, ECHO, '', 0)).slice(0, 2);
      return yield* ioctl(u, h, FIRE, '', 0); // the bug check stops the run here
    });
    expect(denied).toEqual([false, ERROR.ACCESS_DENIED]);
    expect(run.result.outcome).toBe('bugcheck');
    expect(run.result.bugcheck?.code).toBe(0xc9);
    expect(run.result.bugcheck?.params[0]).toBe(0x224);
  });

  it('an exclusive device refuses a second open with ERROR_ACCESS_DENIED', () => {
    const d = device('solo', {}, { exclusive: true });
    const run = boot([d], function* (u) {
      const a = yield* open(u, 'Solo');
      const b = yield* open(u, 'Solo');
      return [a !== 0xffffffff, b, u.GetLastError()];
    });
    expect(run.returned()).toEqual([true, 0xffffffff, ERROR.ACCESS_DENIED]);
  });
});

describe('inline drivers: what a list leaves out', () => {
  it('IO-3.8 a METHOD_NEITHER echo probes the caller’s pointers: a kernel address fails the request with STATUS_ACCESS_VIOLATION', () => {
    const d = device('raw', { ioctls: [[ECHO_NEITHER, echoList]] });
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Raw');
      const out = u.scratch(8);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, ECHO_NEITHER, 0x80001000, 4, out, 8, count);
      return [ok, u.GetLastError()];
    });
    expect(run.returned()).toEqual([false, ERROR.NOACCESS]);
    expect(run.result.violations).toEqual([]);
  });

  it('a read with no list and no default finds MajorFunction empty: ERROR_INVALID_FUNCTION; information may name a length', () => {
    const d = device('half', { ioctls: [[ECHO, [{ action: 'information', value: 'inputLength' }, { action: 'complete', status: STATUS.SUCCESS }]]] });
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Half');
      const data = u.scratch(4);
      const count = u.scratch(4);
      const read = [yield* u.ReadFile(h, data, 4, count), u.GetLastError()];
      return [read, yield* ioctl(u, h, ECHO, 'four', 8)];
    });
    expect(run.returned()).toEqual([[false, ERROR.INVALID_FUNCTION], [true, 0, 4, 'four....']]);
  });

  it('IO-5.14 a list that neither completes, pends nor forwards loses the IRP: bug check 0xC9/0x226', () => {
    const d = device('lossy', { ioctls: [[ECHO, [{ action: 'log', text: 'forgot to complete' }]]] });
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Lossy');
      return yield* ioctl(u, h, ECHO, '', 0);
    });
    expect(run.result.outcome).toBe('bugcheck');
    expect(run.result.bugcheck?.params[0]).toBe(0x226);
    expect(run.prints).toContain('forgot to complete');
  });

  it('IO-5.14 return STATUS_PENDING without pend: violation 0xC9/0x23D', () => {
    const d = device('liar', { ioctls: [[ECHO, [{ action: 'return', status: STATUS.PENDING }]]] });
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Liar');
      return yield* ioctl(u, h, ECHO, '', 0);
    });
    expect(run.result.violations.map((v) => v.check)).toContain('0xC9/0x23D');
  });
});

describe('inline drivers: pending, timers, DPCs', () => {
  const notify = (deferred: 'timer' | 'dpc') => {
    const later: InlineAction =
      deferred === 'timer'
        ? { action: 'timer', afterNs: 10_000, then: [{ action: 'complete-queued', queue: 'waiters', status: STATUS.SUCCESS, bytes: new Uint8Array([1, 0, 0, 0]), information: null, all: true, sameFile: false }] }
        : { action: 'dpc', then: [{ action: 'complete-queued', queue: 'waiters', status: STATUS.SUCCESS, bytes: encodeUtf8('dpc!'), information: null, all: false, sameFile: false }] };
    return device('notify', {
      ioctls: [
        [WAIT_IOCTL, [{ action: 'require', field: 'outputLength', atLeast: 4, atMost: null, otherwise: STATUS.BUFFER_TOO_SMALL }, { action: 'pend', queue: 'waiters' }]],
        // The DPC variant queues its one KDPC twice.
        [FIRE, [later, ...(deferred === 'dpc' ? [later] : []), { action: 'complete', status: STATUS.SUCCESS }]],
      ],
    });
  };

  it('IO-6.4 pend + timer: a waiting IOCTL completes 10 µs after the fire, with the timer DPC’s bytes', () => {
    const d = notify('timer');
    const run = boot([d], function* (u, m) {
      const h = yield* open(u, 'Notify');
      let firedAt = 0;
      // A synchronous file object serialises its I/O: the firer opens its own.
      yield* u.CreateThread('firer', function* (v) {
        const own = yield* open(v, 'Notify');
        yield* v.Sleep(1);
        firedAt = m.now;
        yield* ioctl(v, own, FIRE, '', 0);
      });
      const waited = yield* ioctl(u, h, WAIT_IOCTL, '', 4);
      return [waited, m.now - firedAt >= 10_000];
    });
    expect(run.returned()).toEqual([[true, 0, 4, '\u0001\u0000\u0000\u0000'], true]);
    expect(run.prints.some((p) => /completes IRP \d+ from queue waiters: STATUS_SUCCESS, Information = 4/.test(p))).toBe(true);
  });

  it('C30 dpc: two KeInsertQueueDpc before it runs coalesce, so only one waiter completes', () => {
    const d = notify('dpc');
    const run = boot([d], function* (u) {
      const h = yield* open(u, 'Notify');
      const results: unknown[] = [];
      for (const name of ['w1', 'w2']) {
        yield* u.CreateThread(name, function* (v) {
          const own = yield* open(v, 'Notify');
          results.push([name, yield* ioctl(v, own, WAIT_IOCTL, '', 4)]);
        });
      }
      yield* u.Sleep(1);
      yield* ioctl(u, h, FIRE, '', 0);
      yield* u.Sleep(1);
      return results;
    });
    expect(run.returned()).toEqual([['w1', [true, 0, 4, 'dpc!']]]);
    expect(run.prints.filter((p) => p.includes('coalesce'))).toHaveLength(1);
  });
});

describe('inline drivers: filters', () => {
  const base = device('base', { ioctls: [[ECHO, echoList]] });
  const filter = (completion: InlineAction | null) =>
    inlineDriver({
      name: 'watch',
      device: null,
      link: null,
      flags: 0,
      exclusive: false,
      attach: '\\Device\\Base',
      values: {},
      events: {},
      dispatch: { majors: new Map(completion === null ? [] : [[IRP_MJ.DEVICE_CONTROL, [{ action: 'log', text: 'sees IRP ${irp}: in ${inputLength}, out ${outputLength}, input ${input}' }, completion]]]), ioctls: new Map(), otherwise: null },
    });

  it('IO-5.4 forward without a completion routine: the request reaches the device below', () => {
    const run = boot([base, filter(null)], function* (u) {
      const h = yield* open(u, 'Base');
      return yield* ioctl(u, h, ECHO, 'down', 4);
    });
    expect(run.loaded).toEqual([STATUS.SUCCESS, STATUS.SUCCESS]);
    expect(run.returned()).toEqual([true, 0, 4, 'down']);
  });

  it('IO-5.13 forward with a completion routine: it sees the lower driver’s result, and the log shows what the filter saw', () => {
    const completion: InlineAction = { action: 'forward', completion: { onSuccess: true, onError: true, onCancel: true, propagatePending: true, then: [{ action: 'log', text: 'completion: ${status}, Information = ${information}' }] } };
    const run = boot([base, filter(completion)], function* (u) {
      const h = yield* open(u, 'Base');
      return [yield* ioctl(u, h, ECHO, 'up', 8), yield* ioctl(u, h, ECHO, 'long', 2)];
    });
    expect(run.returned()).toEqual([
      [true, 0, 2, 'up......'],
      [false, ERROR.INSUFFICIENT_BUFFER, 0xdeadbeef, '..'],
    ]);
    expect(run.prints.filter((p) => p.startsWith('sees') || p.startsWith('completion'))).toEqual([
      expect.stringMatching(/^sees IRP \d+: in 2, out 8, input 'up'$/),
      'completion: STATUS_SUCCESS, Information = 2',
      expect.stringMatching(/^sees IRP \d+: in 4, out 2, input 'long'$/),
      'completion: STATUS_BUFFER_TOO_SMALL, Information = 0',
    ]);
  });

  it('IO-5.13 a completion routine that does not propagate pending over a pending lower driver: violation 0xC9/0x228', () => {
    const pender = device('base', { ioctls: [[ECHO, [{ action: 'pend', queue: 'q' }, { action: 'timer', afterNs: 1000, then: [{ action: 'complete-queued', queue: 'q', status: STATUS.SUCCESS, bytes: null, information: null, all: false, sameFile: false }] }]]] });
    const make = (propagatePending: boolean): InlineAction => ({ action: 'forward', completion: { onSuccess: true, onError: true, onCancel: true, propagatePending, then: [] } });
    const good = boot([pender, filter(make(true))], function* (u) {
      const h = yield* open(u, 'Base');
      return yield* ioctl(u, h, ECHO, '', 0);
    });
    expect(good.returned()).toEqual([true, 0, 0, '']);
    expect(good.result.violations).toEqual([]);
    const bad = boot([pender, filter(make(false))], function* (u) {
      const h = yield* open(u, 'Base');
      return yield* ioctl(u, h, ECHO, '', 0);
    });
    expect(bad.result.violations.map((v) => v.check)).toContain('0xC9/0x228');
  });

  it('a filter whose device does not exist fails its DriverEntry and leaves no device', () => {
    const run = boot([filter(null)]);
    expect(run.loaded).toEqual([STATUS.OBJECT_NAME_NOT_FOUND]);
  });
});

describe('inline drivers: events', () => {
  it('signal a named event the driver created: user mode opens it by name and its wait is satisfied', () => {
    const d = device('sig', { ioctls: [[FIRE, [{ action: 'signal', event: 'SigReady' }, { action: 'complete', status: STATUS.SUCCESS }]]] }, { events: { SigReady: 'notification' } });
    const run = boot([d], function* (u) {
      const ev = yield* u.OpenEvent(0x00100000, 'SigReady'); // SYNCHRONIZE
      const h = yield* open(u, 'Sig');
      const before = yield* u.WaitForSingleObject(ev, 0);
      yield* ioctl(u, h, FIRE, '', 0);
      return [ev !== 0, before, yield* u.WaitForSingleObject(ev, INFINITE)];
    });
    expect(run.returned()).toEqual([true, WAIT.TIMEOUT, WAIT.OBJECT_0]);
  });

  it('IO-10.2 reference-event + signal: the app passes an event handle by IOCTL; a DPC signals it; a bad handle fails the IOCTL', () => {
    const d = device('pass', {
      ioctls: [
        [ECHO, [{ action: 'reference-event', event: 'app' }, { action: 'complete', status: STATUS.SUCCESS }]],
        [FIRE, [{ action: 'dpc', then: [{ action: 'signal', event: 'app' }] }, { action: 'complete', status: STATUS.SUCCESS }]],
      ],
    });
    const run = boot([d], function* (u) {
      const ev = yield* u.CreateEvent(false, false);
      const h = yield* open(u, 'Pass');
      const input = u.scratch(4);
      const count = u.scratch(4);
      u.write(input, new Uint8Array([0x7c, 0x7c, 0, 0])); // no such handle
      const bad = [yield* u.DeviceIoControl(h, ECHO, input, 4, 0, 0, count), u.GetLastError()];
      u.write(input, new Uint8Array([ev & 0xff, (ev >>> 8) & 0xff, 0, 0]));
      const good = yield* u.DeviceIoControl(h, ECHO, input, 4, 0, 0, count);
      const before = yield* u.WaitForSingleObject(ev, 0);
      yield* ioctl(u, h, FIRE, '', 0);
      return [bad, good, before, yield* u.WaitForSingleObject(ev, INFINITE)];
    });
    expect(run.returned()).toEqual([[false, ERROR.INVALID_HANDLE], true, WAIT.TIMEOUT, WAIT.OBJECT_0]);
  });
});
