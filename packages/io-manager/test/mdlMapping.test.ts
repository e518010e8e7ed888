import { STATUS, type KDpc, type Process } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_ACCESS, IO_NO_INCREMENT, IRP_MJ, METHOD, probeAndLockPages, type DriverEntry, type IrpRef, type Mdl } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';

const IOCTL_MAP = CTL_CODE(0x22, 0x801, METHOD.NEITHER, FILE_ACCESS.ANY);
const MS = 1_000_000;

interface Mapping {
  readonly where: 'dispatch' | 'dpc';
  readonly address: number;
  readonly process: Process;
}

/**
 * A driver that locks the caller's METHOD_NEITHER output buffer in an MDL and maps it into
 * user space twice: in its dispatch routine (the requester's context) and from a timer DPC
 * 2 ms later (an arbitrary context), which then completes the pended IRP.
 */
function mappingDriver(mappings: Mapping[]): DriverEntry {
  return function* (k, driver) {
    k.IoCreateDevice(driver, { deviceName: '\\Device\\Mapper' });
    k.IoCreateSymbolicLink('\\??\\Mapper', '\\Device\\Mapper');
    const ok = function* (_k: unknown, _d: unknown, irp: IrpRef) {
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    };
    driver.MajorFunction[IRP_MJ.CREATE] = ok;
    driver.MajorFunction[IRP_MJ.CLEANUP] = ok;
    driver.MajorFunction[IRP_MJ.CLOSE] = ok;
    let pending: { irp: IrpRef; mdl: Mdl } | null = null;
    const timer = k.KeInitializeTimerEx('map-later');
    const dpc: KDpc = k.KeInitializeDpc('MapFromDpc', function* () {
      const { irp, mdl } = pending!;
      const m = k._machine;
      mappings.push({ where: 'dpc', address: k.MmMapLockedPagesSpecifyCache(mdl, 'UserMode'), process: m.currentProcess() });
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    });
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _device, irp) {
      const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
      const m = k._machine;
      const process = m.currentProcess();
      const mdl = probeAndLockPages(m.memory, process.space, process.id, irp.userBuffer, p.outputBufferLength, true, 'user');
      mappings.push({ where: 'dispatch', address: k.MmMapLockedPagesSpecifyCache(mdl, 'UserMode'), process });
      pending = { irp, mdl };
      k.IoMarkIrpPending(irp);
      k.KeSetTimer(timer, (-2 * MS) / 100, dpc);
      return STATUS.PENDING;
    };
    return STATUS.SUCCESS;
  };
}

describe('MmMapLockedPagesSpecifyCache(UserMode) maps into the current process (verifier-and-objects.md C27)', () => {
  it('VO-C27 from the dispatch routine it lands in the requester; from a DPC in whichever process ran last', () => {
    const mappings: Mapping[] = [];
    const { result, machine } = boot({
      verifier: 'off',
      drivers: { Mapper: mappingDriver(mappings) },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Mapper', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const out = u.scratch(4096);
            const count = u.scratch(4);
            u.write(out, new TextEncoder().encode('secret of app'));
            return yield* u.DeviceIoControl(h, IOCTL_MAP, 0, 0, out, 64, count);
          },
        },
        {
          name: 'bystander',
          *body(u) {
            yield* u.Sleep(1); // still running when the DPC fires
            yield* u.Sleep(5);
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    const [inDispatch, inDpc] = mappings;
    expect(inDispatch!.where).toBe('dispatch');
    expect(inDispatch!.process.name).toBe('app');
    expect(inDpc!.where).toBe('dpc');
    expect(inDpc!.process.name).toBe('bystander');
    // The bystander can now read the app's buffer through the mapping it never asked for.
    const leaked = machine.memory.read(inDpc!.process.space, inDpc!.address, 13, 'user');
    expect(new TextDecoder().decode(leaked)).toBe('secret of app');
    expect(machine.trace.events.filter((e) => e.type === 'mm.mdl.map').map((e) => (e as { pid: number | null }).pid)).toEqual([
      inDispatch!.process.id,
      inDpc!.process.id,
    ]);
  });

  it('VO-C27 under the verifier, a UserMode mapping from a DPC is 0xC4/0x75', () => {
    const { result } = boot({
      verifier: 'standard',
      drivers: { Mapper: mappingDriver([]) },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Mapper', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            return yield* u.DeviceIoControl(h, IOCTL_MAP, 0, 0, u.scratch(4096), 64, u.scratch(4));
          },
        },
      ],
    });
    expect(result.bugcheck?.code).toBe(0xc4);
    expect(result.bugcheck?.params[0]).toBe(0x75);
  });
});
