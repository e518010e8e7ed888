import { STATUS, type KDpc } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_ACCESS, IRP_MJ, METHOD, type DriverEntry, type Mdl } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, succeed } from './__helpers__/irpDrivers.ts';

const IOCTL_OUT_DIRECT = CTL_CODE(0x22, 0x802, METHOD.OUT_DIRECT, FILE_ACCESS.ANY);
const MS = 1_000_000;

/**
 * A driver that writes the caller's METHOD_OUT_DIRECT output through the MDL's system
 * address and completes at once; with `late`, a timer DPC 1 ms later writes through the
 * same address again — after the IRP completed.
 */
function directDriver(late: boolean, seen: { address: number; mappedAfter: boolean | null }): DriverEntry {
  return function* (k, driver) {
    k.IoCreateDevice(driver, { deviceName: '\\Device\\Direct' });
    k.IoCreateSymbolicLink('\\??\\Direct', '\\Device\\Direct');
    driver.MajorFunction[IRP_MJ.CREATE] = succeed;
    driver.MajorFunction[IRP_MJ.CLEANUP] = succeed;
    driver.MajorFunction[IRP_MJ.CLOSE] = succeed;
    const timer = k.KeInitializeTimerEx('stale-write');
    const dpc: KDpc = k.KeInitializeDpc('WriteAfterCompletion', function* () {
      seen.mappedAfter = k._machine.memory.protectionOf(k._machine.system.space, seen.address) !== null;
      k.writeMemory(seen.address, new TextEncoder().encode('late'));
    });
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _device, irp) {
      const address = k.MmGetSystemAddressForMdlSafe(irp.mdlAddress as Mdl);
      seen.address = address;
      k.writeMemory(address, new TextEncoder().encode('direct'));
      if (late) k.KeSetTimer(timer, (-1 * MS) / 100, dpc);
      return yield* complete(k, irp, STATUS.SUCCESS, 6);
    };
    return STATUS.SUCCESS;
  };
}

function run(late: boolean) {
  const seen = { address: 0, mappedAfter: null as boolean | null };
  let output = '';
  const { result, machine } = boot({
    verifier: 'off',
    drivers: { Direct: directDriver(late, seen) },
    threads: [
      {
        name: 'app',
        *body(u) {
          const h = yield* u.CreateFile('\\\\.\\Direct', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
          const out = u.scratch(4096);
          const ok = yield* u.DeviceIoControl(h, IOCTL_OUT_DIRECT, 0, 0, out, 16, u.scratch(4));
          output = new TextDecoder().decode(u.read(out, 6));
          yield* u.Sleep(5);
          return ok;
        },
      },
    ],
  });
  return { result, machine, seen, output: () => output };
}

describe('the I/O manager unlocks the IRP’s MDLs when the completion walk ends (IO-5.19)', () => {
  it('IO-5.19 a direct IOCTL’s system mapping is valid in dispatch and gone once the IRP completed', () => {
    const { result, machine, seen, output } = run(false);
    expect(result.outcome).toBe('completed');
    expect(output()).toBe('direct');
    expect(seen.address).not.toBe(0);
    expect(machine.memory.protectionOf(machine.system.space, seen.address)).toBeNull();
  });

  it('IO-5.19 a DPC writing through the MDL’s system address after completion faults: 0x50, not the caller’s page', () => {
    const { result, seen } = run(true);
    expect(seen.mappedAfter).toBe(false);
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x50, name: 'PAGE_FAULT_IN_NONPAGED_AREA' });
    expect(result.bugcheck!.params[0]).toBe(seen.address);
  });
});
