import { STATUS, encodeUtf8, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, IRP_MJ, METHOD, type DispatchRoutine, type Kernel, type IrpRef, type VerifierLevel, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

const IOCTL_NEITHER = CTL_CODE(0x22, 0x810, METHOD.NEITHER, 0);

/** What the driver does with the caller's raw pointers, given its kernel API and the IRP. */
type Use = (k: Kernel, irp: IrpRef) => void;

/** One device, \Device\Raw, whose DEVICE_CONTROL routine applies `use` inside __try; the app passes `output` (or scratch memory) as its output buffer. */
function run(use: Use, options: { verifier?: VerifierLevel; kernelOutput?: boolean; read?: boolean } = {}) {
  let pool = 0;
  const ioctl: DispatchRoutine = function* (k, _d, irp) {
    try {
      use(k, irp);
    } catch (error) {
      return yield* complete(k, irp, k.GetExceptionCode(error));
    }
    return yield* complete(k, irp, STATUS.SUCCESS);
  };
  const app = function* (u: Win32): Routine<boolean> {
    const h = yield* u.CreateFile('\\\\.\\Raw', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
    const input = u.scratch(8);
    u.write(input, encodeUtf8('abcdefgh'));
    const output = options.kernelOutput === true ? pool : u.scratch(8);
    if (options.read === true) return yield* u.ReadFile(h, output, 8, u.scratch(4));
    return yield* u.DeviceIoControl(h, IOCTL_NEITHER, input, 8, output, 8, u.scratch(4));
  };
  const entry = deviceDriver({ name: 'Raw', majors: { [IRP_MJ.DEVICE_CONTROL]: ioctl, [IRP_MJ.READ]: ioctl } });
  return boot({
    verifier: options.verifier ?? 'standard',
    drivers: {
      Raw: function* (k, driver, path) {
        pool = k.ExAllocatePool(16); // a kernel address for the caller to pass
        k.writeMemory(pool, encodeUtf8('kernel!!'));
        return yield* entry(k, driver, path);
      },
    },
    threads: [{ name: 'app', body: app }],
  });
}

const output: Use = (k, irp) => k.writeMemory(irp.userBuffer, encodeUtf8('ANSWER'));
const probedOutput: Use = (k, irp) => {
  k.ProbeForWrite(irp.userBuffer, 8, 1);
  output(k, irp);
};
const input: Use = (k, irp) => void k.readMemory(k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.type3InputBuffer, 8);

const unprobed = (r: ReturnType<typeof run>) => r.result.violations.filter((v) => v.check === 'unprobed-user-pointer');

describe('unprobed-user-pointer: a METHOD_NEITHER request\'s raw pointers used without a probe (IO-3.8, docs/verifier.md)', () => {
  it('IO-3.8 unprobed-user-pointer: writing a caller-supplied kernel address without ProbeForWrite: the kernel writes it, and the violation names the pointer and the bytes', () => {
    const r = run(output, { kernelOutput: true });
    expect(r.results['app']).toBe(true);
    const [v, ...more] = unprobed(r);
    expect(more).toEqual([]);
    expect(v!.message).toMatch(/^Raw wrote 6 bytes 41 4e 53 57 45 52 over 6b 65 72 6e 65 6c at Irp->UserBuffer = 0x81[0-9A-F]{6} of IRP 2 .*never probed with ProbeForWrite: a kernel address/);
    expect(r.result.outcome).toBe('completed');
  });

  it('IO-3.8 with the probe the same request fails with STATUS_ACCESS_VIOLATION and nothing is recorded', () => {
    const r = run(probedOutput, { kernelOutput: true });
    expect(r.results['app']).toBe(false);
    expect(unprobed(r)).toEqual([]);
  });

  it('IO-3.8 an unprobed user address is recorded too: the bug is the missing probe, not this caller', () => {
    const r = run(output);
    expect(unprobed(r)).toHaveLength(1);
    expect(unprobed(r)[0]!.message).toContain('a user address this time');
    expect(unprobed(run(probedOutput))).toEqual([]);
  });

  it('IO-3.8 reading Type3InputBuffer without ProbeForRead is recorded as a read', () => {
    const [v] = unprobed(run(input));
    expect(v!.message).toMatch(/^Raw read 8 bytes at Parameters\.DeviceIoControl\.Type3InputBuffer = 0x[0-9A-F]+ .*never probed with ProbeForRead/);
    const probedInput: Use = (k, irp) => {
      k.ProbeForRead(k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.type3InputBuffer, 8, 1);
      input(k, irp);
    };
    expect(unprobed(run(probedInput))).toEqual([]);
  });

  it('IO-3.8 a probe must cover what is touched: probing 2 of the 6 bytes written is recorded; once per pointer and IRP', () => {
    const partly: Use = (k, irp) => {
      k.ProbeForWrite(irp.userBuffer, 2, 1);
      output(k, irp);
      output(k, irp);
    };
    expect(unprobed(run(partly))).toHaveLength(1);
  });

  it('IO-4.6 a neither-I/O read is not concerned: NtReadFile probes the buffer itself, so a kernel address never reaches the driver', () => {
    const r = run(output, { read: true, kernelOutput: true });
    expect(r.results['app']).toBe(false);
    expect(r.events.some((e) => e.type === 'io.irp.call' && e.major === IRP_MJ.READ)).toBe(false);
    expect(unprobed(run(output, { read: true }))).toEqual([]);
  });

  it('is off with the verifier off', () => {
    const r = run(output, { kernelOutput: true, verifier: 'off' });
    expect(r.results['app']).toBe(true);
    expect(unprobed(r)).toEqual([]);
  });
});
