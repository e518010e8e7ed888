import { PAGE, STATUS, encodeUtf8, type KEvent, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_FROM_CTL_CODE,
  CREATION,
  CTL_CODE,
  DEVICE_TYPE_FROM_CTL_CODE,
  ERROR,
  FILE_ACCESS,
  IRP_MJ,
  METHOD,
  METHOD_FROM_CTL_CODE,
  UNINITIALISED_FILL,
  type DeviceRef,
  type DispatchRoutine,
  type IrpRef,
  type Kernel,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness } from './__helpers__/irpDrivers.ts';

const GENERIC_READ = 0x80000000;
const GENERIC_WRITE = 0x40000000;
const ioctl = (method: number, access: number = FILE_ACCESS.ANY, fn = 0x800) => CTL_CODE(0x22, fn, method, access);

/** Boots the `Methods` device with `onIoctl` as its DEVICE_CONTROL routine and runs `app` in one user thread. */
function run(onIoctl: DispatchRoutine, app: (u: Win32) => Routine<unknown>, options: { verifier?: 'off' | 'standard' | 'enhanced'; kernel?: (k: Kernel, device: DeviceRef) => Routine<void> } = {}) {
  let device: DeviceRef | null = null;
  const drivers: Record<string, ReturnType<typeof deviceDriver>> = {
    Methods: deviceDriver({ name: 'Methods', majors: { [IRP_MJ.DEVICE_CONTROL]: onIoctl, [IRP_MJ.INTERNAL_DEVICE_CONTROL]: onIoctl }, onDevice: (d) => (device = d) }),
  };
  if (options.kernel !== undefined) {
    const body = options.kernel;
    drivers['Client'] = kernelHarness((k) => body(k, device!));
  }
  const booted = boot({ ...(options.verifier !== undefined ? { verifier: options.verifier } : {}), drivers, threads: [{ name: 'app', body: app }] });
  return { ...booted, app: booted.results['app'] as Record<string, unknown> };
}

function* open(u: Win32, access: number = GENERIC_READ | GENERIC_WRITE): Routine<number> {
  return yield* u.CreateFile('\\\\.\\Methods', access, 0, CREATION.OPEN_EXISTING, 0);
}

/** What a dispatch routine saw of its IOCTL. */
interface Seen {
  major: number;
  code: number;
  inputLength: number;
  outputLength: number;
  systemBuffer: number;
  systemBytes: number[];
  type3: number;
  userBuffer: number;
  mdl: { byteCount: number; address: number } | null;
  requestorMode: string;
}

function look(k: Kernel, irp: IrpRef, systemLength: number): Seen {
  const sl = k.IoGetCurrentIrpStackLocation(irp);
  const p = sl.parameters.deviceIoControl;
  const systemBuffer = irp.systemBuffer;
  return {
    major: sl.majorFunction,
    code: p.ioControlCode,
    inputLength: p.inputBufferLength,
    outputLength: p.outputBufferLength,
    systemBuffer,
    systemBytes: systemBuffer === 0 || systemLength === 0 ? [] : [...k.readMemory(systemBuffer, systemLength)],
    type3: p.type3InputBuffer,
    userBuffer: irp.userBuffer,
    mdl: irp.mdlAddress === null ? null : { byteCount: irp.mdlAddress.byteCount, address: irp.mdlAddress.address },
    requestorMode: irp.requestorMode,
  };
}

/** Kernel-side: sends an IOCTL built with IoBuildDeviceIoControlRequest and waits for it if it pends. */
function* kernelIoctl(k: Kernel, device: DeviceRef, code: number, input: Uint8Array, outputLength: number, internal: boolean): Routine<{ status: NtStatus; iosb: [number, number]; output: number[] }> {
  const inBuf = k.ExAllocatePool(Math.max(1, input.length));
  k.writeMemory(inBuf, input);
  const outBuf = outputLength > 0 ? k.ExAllocatePool(outputLength) : 0;
  if (outBuf !== 0) k.writeMemory(outBuf, new Uint8Array(outputLength).fill(0xee));
  const iosb = k.ExAllocatePool(8);
  const event: KEvent = k.KeInitializeEvent('notification');
  const irp = k.IoBuildDeviceIoControlRequest(code, device, inBuf, input.length, outBuf, outputLength, internal, event, iosb);
  let status = yield* k.IoCallDriver(device, irp!);
  if (status === STATUS.PENDING) {
    yield* k.KeWaitForSingleObject(event);
    status = k._machine.memory.readU32(k._machine.system.space, iosb, 'kernel');
  }
  const m = k._machine;
  return {
    status,
    iosb: [m.memory.readU32(m.system.space, iosb, 'kernel'), m.memory.readU32(m.system.space, iosb + 4, 'kernel')],
    output: outBuf === 0 ? [] : [...k.readMemory(outBuf, outputLength)],
  };
}

describe('IOCTL codes and the access check (io-semantics.md §2)', () => {
  it('IO-2.1 CTL_CODE is bit-exact and the decoders invert it', () => {
    expect(CTL_CODE(0x22, 0x800, 0, 0)).toBe(0x00222000);
    expect(CTL_CODE(0x22, 0x800, 3, 0)).toBe(0x00222003);
    expect(CTL_CODE(0x22, 0x800, 0, 1)).toBe(0x00226000);
    expect(CTL_CODE(0x22, 0x800, 0, 2)).toBe(0x0022a000);
    expect(CTL_CODE(0x22, 0x800, 0, 3)).toBe(0x0022e000);
    const vendor = CTL_CODE(0x8001, 0x801, 2, 0);
    expect(vendor >>> 31).toBe(1);
    expect((vendor >>> 13) & 1).toBe(1);
    expect(METHOD_FROM_CTL_CODE(0x0022e003)).toBe(3);
    expect(DEVICE_TYPE_FROM_CTL_CODE(0x0022e003)).toBe(0x22);
    expect(ACCESS_FROM_CTL_CODE(0x0022e003)).toBe(3);
  });

  it('IO-2.2 the driver matches the full 32-bit code: a code differing in Access reaches its default branch → ERROR_INVALID_FUNCTION', () => {
    const codes: number[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
        codes.push(code);
        return yield* complete(k, irp, code === 0x00222000 ? STATUS.SUCCESS : STATUS.INVALID_DEVICE_REQUEST);
      },
      function* (u) {
        const h = yield* open(u);
        const known = yield* u.DeviceIoControl(h, 0x00222000, 0, 0, 0, 0, u.scratch(4));
        const other = yield* u.DeviceIoControl(h, 0x00226000, 0, 0, 0, 0, u.scratch(4));
        return { known, other, error: u.GetLastError() };
      },
    );
    expect(codes).toEqual([0x00222000, 0x00226000]);
    expect(app).toEqual({ known: true, other: false, error: ERROR.INVALID_FUNCTION });
  });

  it('IO-2.3 the IOCTL access bits are checked against the handle before any IRP exists; kernel-mode requests skip the check', () => {
    let dispatched = 0;
    const kernelResults: NtStatus[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        dispatched++;
        return yield* complete(k, irp, STATUS.SUCCESS);
      },
      function* (u) {
        const count = u.scratch(4);
        const out: Record<string, unknown> = {};
        const irpsBefore = u._io.irpCount;
        // (a) a handle opened with no access: SYNCHRONIZE | FILE_READ_ATTRIBUTES only.
        const none = yield* open(u, 0);
        const before = dispatched;
        out['a'] = [yield* u.DeviceIoControl(none, ioctl(METHOD.BUFFERED, FILE_ACCESS.READ), 0, 0, 0, 0, count), u.GetLastError(), dispatched - before];
        // (b) the same handle, FILE_ANY_ACCESS.
        out['b'] = [yield* u.DeviceIoControl(none, ioctl(METHOD.BUFFERED, FILE_ACCESS.ANY), 0, 0, 0, 0, count), dispatched - before];
        // (c) GENERIC_READ.
        const r = yield* open(u, GENERIC_READ);
        const c: unknown[] = [];
        for (const access of [FILE_ACCESS.READ, FILE_ACCESS.WRITE, FILE_ACCESS.READ | FILE_ACCESS.WRITE]) {
          u.SetLastError(0);
          c.push([yield* u.DeviceIoControl(r, ioctl(METHOD.BUFFERED, access), 0, 0, 0, 0, count), u.GetLastError()]);
        }
        out['c'] = c;
        // (d) GENERIC_READ | GENERIC_WRITE.
        const rw = yield* open(u, GENERIC_READ | GENERIC_WRITE);
        const d: boolean[] = [];
        for (const access of [FILE_ACCESS.ANY, FILE_ACCESS.READ, FILE_ACCESS.WRITE, FILE_ACCESS.READ | FILE_ACCESS.WRITE]) {
          d.push(yield* u.DeviceIoControl(rw, ioctl(METHOD.BUFFERED, access), 0, 0, 0, 0, count));
        }
        out['d'] = d;
        out['irps'] = u._io.irpCount - irpsBefore;
        return out;
      },
      {
        // (e) a kernel component sends an Access=WRITE IOCTL: no handle, no check.
        *kernel(k, device) {
          kernelResults.push((yield* kernelIoctl(k, device, ioctl(METHOD.BUFFERED, FILE_ACCESS.WRITE), new Uint8Array(0), 0, false)).status);
        },
      },
    );
    expect(app['a']).toEqual([false, ERROR.ACCESS_DENIED, 0]);
    expect(app['b']).toEqual([true, 1]);
    expect(app['c']).toEqual([[true, 0], [false, ERROR.ACCESS_DENIED], [false, ERROR.ACCESS_DENIED]]);
    expect(app['d']).toEqual([true, true, true, true]);
    // 3 CREATEs and the 6 IOCTLs that passed the check; the 3 refused ones never got an IRP.
    expect(app['irps']).toBe(3 + 6);
    expect(kernelResults).toEqual([STATUS.SUCCESS]);
  });

  it('IO-2.4 FILE_ANY_ACCESS reaches the driver from any handle; IoValidateDeviceIoControlAccess refuses write for it and accepts a kernel-built IRP', () => {
    const validated: [string, NtStatus, NtStatus][] = [];
    const { app } = run(
      function* (k, _d, irp) {
        validated.push([irp.requestorMode, k.IoValidateDeviceIoControlAccess(irp, FILE_ACCESS.WRITE), k.IoValidateDeviceIoControlAccess(irp, FILE_ACCESS.ANY)]);
        return yield* complete(k, irp, STATUS.SUCCESS);
      },
      function* (u) {
        const h = yield* open(u, 0);
        return { ok: yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED, FILE_ACCESS.ANY), 0, 0, 0, 0, u.scratch(4)) };
      },
      {
        *kernel(k, device) {
          yield* kernelIoctl(k, device, ioctl(METHOD.BUFFERED, FILE_ACCESS.ANY), new Uint8Array(0), 0, false);
        },
      },
    );
    expect(app['ok']).toBe(true);
    expect(validated).toEqual([
      ['KernelMode', STATUS.SUCCESS, STATUS.SUCCESS],
      ['UserMode', STATUS.ACCESS_DENIED, STATUS.SUCCESS],
    ]);
  });
});

describe('the four transfer methods (io-semantics.md §3)', () => {
  it('IO-3.1 BUFFERED: one system buffer of max(in, out), the input copied in before dispatch, the rest not initialised (0xCD, POLICY)', () => {
    const seen: Seen[] = [];
    let later: number[] = [];
    let input = 0;
    const { app } = run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 16));
        // Give the app time to scribble on its input, then look again.
        yield* k.KeDelayExecutionThread('KernelMode', false, -10_000);
        later = [...k.readMemory(irp.systemBuffer, 8)];
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        input = u.scratch(8);
        u.write(input, encodeUtf8('ABCDEFGH'));
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), input, 8, u.scratch(16), 16, u.scratch(4));
        return { ok };
      },
      {},
    );
    expect(app['ok']).toBe(true);
    const s = seen[0]!;
    expect([s.inputLength, s.outputLength]).toEqual([8, 16]);
    expect(s.systemBuffer).not.toBe(0);
    expect(s.mdl).toBeNull();
    expect(s.systemBytes.slice(0, 8)).toEqual([...encodeUtf8('ABCDEFGH')]);
    expect(s.systemBytes.slice(8)).toEqual(new Array(8).fill(UNINITIALISED_FILL));
    expect(later).toEqual([...encodeUtf8('ABCDEFGH')]);
  });

  it('IO-3.1 BUFFERED: a change the caller makes to its input while the IRP is pending is invisible to the driver', () => {
    let input = 0;
    let later: number[] = [];
    const booted = boot({
      drivers: {
        Methods: deviceDriver({
          name: 'Methods',
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              yield* k.KeDelayExecutionThread('KernelMode', false, -20_000); // 2 ms: the other thread runs
              later = [...k.readMemory(irp.systemBuffer, 8)];
              return yield* complete(k, irp, STATUS.SUCCESS, 0);
            },
          },
        }),
      },
      threads: [
        {
          name: 'caller',
          process: 'app',
          *body(u) {
            const h = yield* open(u);
            input = u.scratch(8);
            u.write(input, encodeUtf8('ABCDEFGH'));
            return yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), input, 8, u.scratch(16), 16, u.scratch(4));
          },
        },
        {
          name: 'scribbler',
          process: 'app',
          *body(u) {
            yield* u.Sleep(1);
            u.write(input, encodeUtf8('zzzzzzzz'));
          },
        },
      ],
    });
    expect(booted.result.outcome).toBe('completed');
    expect(later).toEqual([...encodeUtf8('ABCDEFGH')]);
  });

  /** A BUFFERED IOCTL whose driver writes 16 bytes 0x41.. into the system buffer and completes with {status, info}. */
  function buffered(status: NtStatus, information: number, outputLength = 16) {
    return run(
      function* (k, _d, irp) {
        k.writeMemory(irp.systemBuffer, Uint8Array.from({ length: 16 }, (_, i) => 0x41 + i));
        return yield* complete(k, irp, status, information);
      },
      function* (u) {
        const h = yield* open(u);
        const out = u.scratch(16);
        u.write(out, new Uint8Array(16).fill(0xee));
        const count = u.scratch(4);
        u.writeU32(count, 0xdeadf00d);
        u.SetLastError(0);
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), 0, 0, out, outputLength, count);
        return { ok, error: u.GetLastError(), count: u.readU32(count), out: [...u.read(out, 16)] };
      },
    );
  }
  const driverBytes = (n: number) => Array.from({ length: n }, (_, i) => 0x41 + i);

  it('IO-3.2 BUFFERED success copies back exactly Information bytes; the rest of the caller buffer is untouched', () => {
    const { app } = buffered(STATUS.SUCCESS, 5);
    expect(app).toEqual({ ok: true, error: 0, count: 5, out: [...driverBytes(5), ...new Array(11).fill(0xee)] });
  });

  it('IO-3.2 BUFFERED warning (STATUS_BUFFER_OVERFLOW) still copies Information bytes: FALSE, ERROR_MORE_DATA, count written', () => {
    const { app } = buffered(STATUS.BUFFER_OVERFLOW, 16);
    expect(app).toEqual({ ok: false, error: ERROR.MORE_DATA, count: 16, out: driverBytes(16) });
  });

  it('IO-3.2 BUFFERED error (STATUS_BUFFER_TOO_SMALL, STATUS_INVALID_PARAMETER): nothing copied back, count not written', () => {
    const tooSmall = buffered(STATUS.BUFFER_TOO_SMALL, 16).app;
    expect(tooSmall).toEqual({ ok: false, error: ERROR.INSUFFICIENT_BUFFER, count: 0xdeadf00d, out: new Array(16).fill(0xee) });
    const invalid = buffered(STATUS.INVALID_PARAMETER, 0).app;
    expect(invalid['out']).toEqual(new Array(16).fill(0xee));
    expect(invalid['error']).toBe(ERROR.INVALID_PARAMETER);
  });

  it('IO-3.2 IRP_INPUT_OPERATION follows the output pointer, not its length: with out = 0 but a non-NULL pointer Information bytes still go back (0xC9/0x312)', () => {
    const { app, result } = run(
      function* (k, _d, irp) {
        k.writeMemory(irp.systemBuffer, encodeUtf8('XY'));
        return yield* complete(k, irp, STATUS.SUCCESS, 2);
      },
      function* (u) {
        const h = yield* open(u);
        const input = u.scratch(4);
        u.write(input, encodeUtf8('inpt'));
        const out = u.scratch(4);
        u.write(out, encodeUtf8('----'));
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), input, 4, out, 0, u.scratch(4));
        return { ok, out: new TextDecoder().decode(u.read(out, 4)) };
      },
    );
    expect(app).toEqual({ ok: true, out: 'XY--' });
    expect(result.violations.map((v) => v.check)).toEqual(['0xC9/0x312']);
  });

  it('IO-3.2 BUFFERED with STATUS_VERIFY_REQUIRED (a warning) copies nothing back, yet the count is written', () => {
    const { app } = buffered(0x80000016, 16);
    expect(app).toMatchObject({ ok: false, count: 16, out: new Array(16).fill(0xee) });
  });

  it('IO-3.3 Information above OutputBufferLength: 0xC9/0x312 recorded (non-fatal) and the caller receives kernel pool bytes past the system buffer', () => {
    const { app, result } = run(
      function* (k, _d, irp) {
        return yield* complete(k, irp, STATUS.SUCCESS, 8 + 8);
      },
      function* (u) {
        const h = yield* open(u);
        const input = u.scratch(4);
        u.write(input, encodeUtf8('abcd'));
        const out = u.scratch(16);
        u.write(out, new Uint8Array(16).fill(0xee));
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), input, 4, out, 8, u.scratch(4));
        return { ok, out: [...u.read(out, 16)] };
      },
    );
    expect(result.outcome).toBe('completed');
    expect(result.violations.map((v) => v.check)).toContain('0xC9/0x312');
    const out = app['out'] as number[];
    expect(out.slice(0, 4)).toEqual([...encodeUtf8('abcd')]);
    expect(out.slice(4, 8)).toEqual(new Array(4).fill(UNINITIALISED_FILL));
    // The last 8 bytes came from the pool next to the 8-byte system buffer, never from the request.
    expect(out.slice(8)).not.toEqual(new Array(8).fill(0xee));
  });

  it('IO-3.3 0xC9/0x312 is recorded at the standard level too', () => {
    const { result } = run(
      function* (k, _d, irp) {
        return yield* complete(k, irp, STATUS.SUCCESS, 16);
      },
      function* (u) {
        const h = yield* open(u);
        return { ok: yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), 0, 0, u.scratch(16), 8, u.scratch(4)) };
      },
      { verifier: 'standard' },
    );
    expect(result.violations.map((v) => v.check)).toEqual(['0xC9/0x312']);
    expect(result.violations[0]!.message).toContain('Information 16 for an output buffer of 8 bytes');
  });

  it('IO-3.3 at verifier off nothing is recorded', () => {
    const { result } = run(
      function* (k, _d, irp) {
        return yield* complete(k, irp, STATUS.SUCCESS, 16);
      },
      function* (u) {
        const h = yield* open(u);
        return { ok: yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), 0, 0, u.scratch(16), 8, u.scratch(4)) };
      },
      { verifier: 'off' },
    );
    expect(result.violations).toEqual([]);
  });

  it('IO-3.4 direct methods double-buffer the input; the driver scribbling on SystemBuffer never reaches the caller', () => {
    const seen: Seen[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 6));
        k.writeMemory(irp.systemBuffer, encodeUtf8('XXXXXX'));
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        const input = u.scratch(6);
        u.write(input, encodeUtf8('input!'));
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.OUT_DIRECT), input, 6, u.scratch(8), 8, u.scratch(4));
        return { ok, input: new TextDecoder().decode(u.read(input, 6)) };
      },
    );
    expect(app).toEqual({ ok: true, input: 'input!' });
    expect(seen[0]!.systemBytes).toEqual([...encodeUtf8('input!')]);
    expect(seen[0]!.inputLength).toBe(6);
  });

  it('IO-3.5 a read-only output page: IN_DIRECT is probed for read (driver called, MDL present), OUT_DIRECT and BUFFERED fail with ERROR_NOACCESS before dispatch', () => {
    const seen: Seen[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 0));
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        const readOnly = yield* u.VirtualAlloc(4096, PAGE.READONLY);
        const count = u.scratch(4);
        const results: [boolean, number][] = [];
        for (const method of [METHOD.IN_DIRECT, METHOD.OUT_DIRECT, METHOD.BUFFERED]) {
          u.SetLastError(0);
          results.push([yield* u.DeviceIoControl(h, ioctl(method), 0, 0, readOnly, 4096, count), u.GetLastError()]);
        }
        return { results, readOnly };
      },
    );
    expect(app['results']).toEqual([[true, 0], [false, ERROR.NOACCESS], [false, ERROR.NOACCESS]]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.mdl).toEqual({ byteCount: 4096, address: app['readOnly'] });
    expect(seen[0]!.outputLength).toBe(4096);
  });

  it('IO-3.5 OUT_DIRECT with out = 0 has no MDL; with out = 6 the driver writes 6 bytes through the MDL and the caller gets Information unchecked', () => {
    const seen: Seen[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        const s = look(k, irp, 0);
        seen.push(s);
        if (irp.mdlAddress !== null) {
          const system = k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Parameters<Kernel['MmGetSystemAddressForMdlSafe']>[0]);
          k.writeMemory(system, encodeUtf8('123456'));
        }
        return yield* complete(k, irp, STATUS.SUCCESS, 3);
      },
      function* (u) {
        const h = yield* open(u);
        const out = u.scratch(8);
        u.write(out, encodeUtf8('abcdefgh'));
        const count = u.scratch(4);
        const empty = yield* u.DeviceIoControl(h, ioctl(METHOD.OUT_DIRECT), 0, 0, out, 0, count);
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.OUT_DIRECT), 0, 0, out, 6, count);
        return { empty, ok, count: u.readU32(count), out: new TextDecoder().decode(u.read(out, 8)) };
      },
    );
    expect(seen[0]!.mdl).toBeNull();
    expect(seen[1]!.mdl?.byteCount).toBe(6);
    expect(app).toEqual({ empty: true, ok: true, count: 3, out: '123456gh' });
  });

  it('IO-3.6 direct output is visible even when the IRP fails; with BUFFERED the same failure leaves the buffer unchanged', () => {
    const failing = (method: number) =>
      run(
        function* (k, _d, irp) {
          if (method === METHOD.BUFFERED) k.writeMemory(irp.systemBuffer, encodeUtf8('XY'));
          else k.writeMemory(k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Parameters<Kernel['MmGetSystemAddressForMdlSafe']>[0]), encodeUtf8('XY'));
          return yield* complete(k, irp, STATUS.UNSUCCESSFUL, 2);
        },
        function* (u) {
          const h = yield* open(u);
          const out = u.scratch(4);
          u.write(out, encodeUtf8('----'));
          const count = u.scratch(4);
          u.writeU32(count, 77);
          const ok = yield* u.DeviceIoControl(h, ioctl(method), 0, 0, out, 4, count);
          return { ok, error: u.GetLastError(), count: u.readU32(count), out: new TextDecoder().decode(u.read(out, 4)) };
        },
      ).app;
    expect(failing(METHOD.OUT_DIRECT)).toEqual({ ok: false, error: ERROR.GEN_FAILURE, count: 77, out: 'XY--' });
    expect(failing(METHOD.BUFFERED)).toEqual({ ok: false, error: ERROR.GEN_FAILURE, count: 77, out: '----' });
  });

  it('IO-3.7 NULL pointers: BUFFERED forces both lengths to 0 and has no system buffer; NEITHER passes them through', () => {
    const seen: Seen[] = [];
    run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 0));
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), 0, 16, 0, 32, u.scratch(4));
        yield* u.DeviceIoControl(h, ioctl(METHOD.NEITHER), 0, 16, 0, 0, u.scratch(4));
        return {};
      },
    );
    expect(seen[0]).toMatchObject({ inputLength: 0, outputLength: 0, systemBuffer: 0 });
    expect(seen[1]).toMatchObject({ type3: 0, inputLength: 16 });
  });

  it('IO-3.7 a direct method with a NULL output pointer but a length fails the MDL probe (ERROR_NOACCESS, driver not called); zero-length buffers are never probed', () => {
    let dispatched = 0;
    const { app } = run(
      function* (k, _d, irp) {
        dispatched++;
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        const count = u.scratch(4);
        const direct = yield* u.DeviceIoControl(h, ioctl(METHOD.IN_DIRECT), 0, 0, 0, 16, count);
        const directError = u.GetLastError();
        // Bad pointers with zero lengths: nothing is probed, the IOCTL goes through.
        const empty = yield* u.DeviceIoControl(h, ioctl(METHOD.BUFFERED), 0x10, 0, 0x10, 0, count);
        return { direct, directError, empty };
      },
    );
    expect(app).toEqual({ direct: false, directError: ERROR.NOACCESS, empty: true });
    expect(dispatched).toBe(1);
  });

  it('IO-3.8 NEITHER is never validated: a bad input pointer reaches the driver, which probes it in __try and fails with ERROR_NOACCESS', () => {
    let dispatched = 0;
    const { app } = run(
      function* (k, _d, irp) {
        dispatched++;
        const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
        try {
          k.ProbeForRead(p.type3InputBuffer, p.inputBufferLength, 1);
          k.readMemory(p.type3InputBuffer, p.inputBufferLength);
        } catch (error) {
          return yield* complete(k, irp, k.GetExceptionCode(error), 0);
        }
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.NEITHER), 0x1, 4, 0, 0, u.scratch(4));
        return { ok, error: u.GetLastError() };
      },
    );
    expect(dispatched).toBe(1);
    expect(app).toEqual({ ok: false, error: ERROR.NOACCESS });
  });

  it('IO-3.8 NEITHER: a driver that dereferences the raw pointer without probing brings the machine down (POLICY)', () => {
    const { result } = run(
      function* (k, _d, irp) {
        k.readMemory(k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.type3InputBuffer, 4);
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* (u) {
        const h = yield* open(u);
        return { ok: yield* u.DeviceIoControl(h, ioctl(METHOD.NEITHER), 0x1, 4, 0, 0, u.scratch(4)) };
      },
    );
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck?.params[0]).toBe(STATUS.ACCESS_VIOLATION);
    expect(result.bugcheck?.driver).toBe('Methods');
  });

  it('IO-3.8 NEITHER: bytes written through UserBuffer stay even when the IRP fails; the count is not written', () => {
    const seen: Seen[] = [];
    const { app } = run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 0));
        k.writeMemory(irp.userBuffer, encodeUtf8('654321'));
        return yield* complete(k, irp, STATUS.NOT_IMPLEMENTED, 3);
      },
      function* (u) {
        const h = yield* open(u);
        const out = u.scratch(8);
        const count = u.scratch(4);
        u.writeU32(count, 9);
        const ok = yield* u.DeviceIoControl(h, ioctl(METHOD.NEITHER), 0, 0, out, 6, count);
        return { ok, error: u.GetLastError(), count: u.readU32(count), out: new TextDecoder().decode(u.read(out, 6)), address: out };
      },
    );
    expect(seen[0]!.userBuffer).toBe(app['address']);
    expect(seen[0]!.systemBuffer).toBe(0);
    expect(seen[0]!.mdl).toBeNull();
    expect(app).toMatchObject({ ok: false, error: ERROR.INVALID_FUNCTION, count: 9, out: '654321' });
  });

  it('IO-3.8 NEITHER pointers used by a lower driver outside the requester\'s context (a work item) are flagged once (POLICY); in the requester\'s thread they are not', () => {
    const runStack = (viaWorkItem: boolean) => {
      let lower: DeviceRef | null = null;
      const read: DispatchRoutine = function* (k, _d, irp) {
        const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
        void p.type3InputBuffer;
        void irp.userBuffer;
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      };
      return boot({
        drivers: {
          Low: deviceDriver({ name: 'Methods', majors: { [IRP_MJ.DEVICE_CONTROL]: read }, onDevice: (d) => (lower = d) }),
          Filter: deviceDriver({
            name: null,
            attachTo: () => lower!,
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                if (!viaWorkItem) {
                  k.IoSkipCurrentIrpStackLocation(irp);
                  return yield* k.IoCallDriver(lower!, irp);
                }
                k.IoMarkIrpPending(irp);
                k.IoCopyCurrentIrpStackLocationToNext(irp);
                k.IoQueueWorkItem('ForwardLater', function* () {
                  yield* k.IoCallDriver(lower!, irp);
                });
                return STATUS.PENDING;
              },
            },
          }),
        },
        threads: [
          {
            name: 'app',
            *body(u) {
              const h = yield* open(u);
              return yield* u.DeviceIoControl(h, ioctl(METHOD.NEITHER), u.scratch(4), 4, u.scratch(4), 4, u.scratch(4));
            },
          },
        ],
      }).result;
    };
    const worker = runStack(true);
    expect(worker.outcome).toBe('completed');
    expect(worker.violations.map((v) => v.check)).toEqual(['user-pointer-wrong-context']);
    expect(worker.violations[0]!.message).toContain('Low read Parameters.DeviceIoControl.Type3InputBuffer');
    expect(runStack(false).violations).toEqual([]);
  });

  it('IO-3.10 an internal IOCTL built by a kernel component: IRP_MJ_INTERNAL_DEVICE_CONTROL, KernelMode, BUFFERED copy-back and the IOSB filled at completion', () => {
    const seen: Seen[] = [];
    let sent: { status: NtStatus; iosb: [number, number]; output: number[] } | null = null;
    const { result } = run(
      function* (k, _d, irp) {
        seen.push(look(k, irp, 8));
        k.writeMemory(irp.systemBuffer, encodeUtf8('internal'));
        return yield* complete(k, irp, STATUS.SUCCESS, 8);
      },
      function* () {
        return {};
      },
      {
        *kernel(k, device) {
          sent = yield* kernelIoctl(k, device, ioctl(METHOD.BUFFERED), encodeUtf8('in'), 8, true);
        },
      },
    );
    expect(result.outcome).toBe('completed');
    expect(seen[0]).toMatchObject({ major: IRP_MJ.INTERNAL_DEVICE_CONTROL, requestorMode: 'KernelMode', inputLength: 2, outputLength: 8 });
    expect(seen[0]!.systemBytes.slice(0, 2)).toEqual([...encodeUtf8('in')]);
    expect(sent).toEqual({ status: STATUS.SUCCESS, iosb: [STATUS.SUCCESS, 8], output: [...encodeUtf8('internal')] });
  });

  it('IO-3.10 IoBuildDeviceIoControlRequest buffers per METHOD as the I/O manager does: direct output in an MDL over the kernel buffer, NEITHER pointers passed raw', () => {
    const seen: Seen[] = [];
    const sent: { status: NtStatus; iosb: [number, number]; output: number[] }[] = [];
    run(
      function* (k, _d, irp) {
        const s = look(k, irp, 0);
        seen.push(s);
        if (s.mdl !== null) k.writeMemory(k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Parameters<Kernel['MmGetSystemAddressForMdlSafe']>[0]), encodeUtf8('mdl!'));
        else if (s.userBuffer !== 0) k.writeMemory(s.userBuffer, encodeUtf8('raw!'));
        return yield* complete(k, irp, STATUS.SUCCESS, 4);
      },
      function* () {
        return {};
      },
      {
        *kernel(k, device) {
          sent.push(yield* kernelIoctl(k, device, ioctl(METHOD.OUT_DIRECT), encodeUtf8('ab'), 4, false));
          sent.push(yield* kernelIoctl(k, device, ioctl(METHOD.NEITHER), encodeUtf8('cd'), 4, false));
        },
      },
    );
    expect(seen[0]).toMatchObject({ major: IRP_MJ.DEVICE_CONTROL, requestorMode: 'KernelMode', inputLength: 2, outputLength: 4, mdl: { byteCount: 4 } });
    expect(seen[0]!.systemBuffer).not.toBe(0);
    expect(seen[1]).toMatchObject({ systemBuffer: 0, mdl: null, inputLength: 2, outputLength: 4 });
    expect(seen[1]!.type3).toBeGreaterThanOrEqual(0x80000000);
    expect(seen[1]!.userBuffer).toBeGreaterThanOrEqual(0x80000000);
    expect(sent.map((r) => [r.status, r.iosb, new TextDecoder().decode(Uint8Array.from(r.output))])).toEqual([
      [STATUS.SUCCESS, [STATUS.SUCCESS, 4], 'mdl!'],
      [STATUS.SUCCESS, [STATUS.SUCCESS, 4], 'raw!'],
    ]);
  });

  it('IO-3.10 the creator of an IoBuildDeviceIoControlRequest IRP calling IoFreeIrp on it is 0xC9/0x02', () => {
    const { result } = run(
      function* (k, _d, irp) {
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      },
      function* () {
        return {};
      },
      {
        *kernel(k, device) {
          const irp = k.IoBuildDeviceIoControlRequest(ioctl(METHOD.BUFFERED), device, 0, 0, 0, 0, true, k.KeInitializeEvent('notification'), k.ExAllocatePool(8));
          k.IoFreeIrp(irp!);
        },
      },
    );
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Client' });
    expect(result.bugcheck?.params.slice(0, 2)).toEqual([0x02, 0x86000000 + 0x100]);
  });
});
