import { Machine, STATUS, firstCome, type Routine } from '@irpsim/core';
import { CREATION, CTL_CODE, IO_NO_INCREMENT, IRP_MJ, IoManager, METHOD, Win32, type DeviceRef, type DriverEntry, type IrpRef, type Kernel, type VerifierLevel } from '@irpsim/io-manager';
import { describe, expect, it } from 'vitest';
import { IoStartNextPacket, IoStartPacket, type StartIoRoutine, type StartIoState } from '../src/index.ts';

/** Part E 17 (verifier-and-objects.md C34, C35, SDV StartIoRecursion): one StartIo per device at a time. */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
const complete = function* (k: Kernel, irp: IrpRef, status: number): Routine<void> {
  irp.ioStatus.status = status;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
};

/**
 * \Device\Queue: every IOCTL is marked pending and handed to IoStartPacket. StartIo starts
 * a 1 ms "transfer" (a timer) whose DPC calls IoStartNextPacket, then completes its IRP.
 * A request with no output buffer is special, and buggy: with `drain` it is a "flush" the
 * dispatch routine serves by emptying the device queue itself with KeRemoveDeviceQueue —
 * which leaves the queue Not-Busy while a packet is still in progress (C33); with
 * `recurse` StartIo fails it at once and calls IoStartNextPacket itself first.
 */
type Bug = 'none' | 'drain' | 'recurse';
function queueDriver(bug: Bug): DriverEntry {
  return function* (k, driver) {
    const { device } = k.IoCreateDevice(driver, { deviceName: '\\Device\\Queue' });
    k.IoCreateSymbolicLink('\\??\\Queue', '\\Device\\Queue');
    const startIo: StartIoRoutine = function* (k, dev, irp) {
      if (bug === 'recurse' && k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.outputBufferLength === 0) {
        yield* IoStartNextPacket(k, dev);
        yield* complete(k, irp, STATUS.INVALID_PARAMETER);
        return;
      }
      k.KeSetTimer(k.KeInitializeTimerEx('transfer'), -10_000, k.KeInitializeDpc('TransferDone', function* () {
        yield* IoStartNextPacket(k, dev);
        yield* complete(k, irp, STATUS.SUCCESS);
      }));
    };
    const state: StartIoState = { queue: k.KeInitializeDeviceQueue(), currentIrp: null, startIo };
    device!.extension = { startIo: state };
    const ok = function* (k: Kernel, _d: DeviceRef, irp: IrpRef): Routine<number> {
      yield* complete(k, irp, STATUS.SUCCESS);
      return STATUS.SUCCESS;
    };
    for (const major of [IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE]) driver.MajorFunction[major] = ok;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, dev, irp) {
      if (bug === 'drain' && k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.outputBufferLength === 0) {
        for (let queued = k.KeRemoveDeviceQueue(state.queue); queued !== null; queued = k.KeRemoveDeviceQueue(state.queue)) yield* complete(k, queued, STATUS.CANCELLED);
        yield* complete(k, irp, STATUS.SUCCESS);
        return STATUS.SUCCESS;
      }
      k.IoMarkIrpPending(irp);
      yield* IoStartPacket(k, dev, irp);
      return STATUS.PENDING;
    };
    return STATUS.SUCCESS;
  };
}

/** Three apps, each sending one IOCTL with an output buffer of `lengths[n]` bytes, in this order. */
function run(verifier: VerifierLevel, bug: Bug, lengths: readonly number[] = [8, 8, 8]) {
  const machine = new Machine({ strategy: firstCome() });
  const io = new IoManager(machine, { verifier });
  machine.createSystemThread('boot', function* () {
    yield* io.loadDriver('Queue', queueDriver(bug));
    for (const [n, length] of lengths.entries()) {
      machine.createThread(machine.createProcess(`app${n + 1}`), 'main', function* (thread) {
        const u = new Win32(io, thread);
        const h = yield* u.CreateFile('\\\\.\\Queue', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
        yield* u.DeviceIoControl(h, IOCTL, 0, 0, length === 0 ? 0 : u.scratch(length), length, u.scratch(4));
        yield* u.CloseHandle(h);
      });
    }
  });
  return machine.engine.run();
}

const checks = (result: { violations: readonly { check: string }[] }) => result.violations.map((v) => v.check);

describe('part E 17: StartIo is not re-entered for a device', () => {
  it('startio-reentered: a queue emptied by hand (KeRemoveDeviceQueue) goes Not-Busy mid-packet, so the next IoStartPacket starts a second packet', () => {
    const result = run('standard', 'drain', [8, 0, 8]);
    expect(checks(result)).toEqual(['startio-reentered']);
    expect(result.violations[0]!.message).toMatch(/with IRP \d+ while IRP \d+, given to the previous StartIo, has not been released with IoStartNextPacket/);
    expect(checks(run('off', 'drain', [8, 0, 8]))).toEqual([]);
  });

  it('startio-reentered: StartIo calling IoStartNextPacket itself nests a second StartIo (SDV StartIoRecursion)', () => {
    const result = run('standard', 'recurse', [8, 0, 0]);
    expect(checks(result)).toEqual(['startio-reentered']);
    expect(result.violations[0]!.message).toContain('while a StartIo for it is still running');
  });

  it('startio-reentered: one IoStartNextPacket per packet, from the DPC, runs clean with three requests queued', () => {
    const result = run('enhanced', 'none');
    expect(result.outcome).toBe('completed');
    expect(result.bugcheck).toBeNull();
    expect(checks(result)).toEqual([]);
    // The buggy drivers are clean too while no request takes their buggy path.
    expect(checks(run('enhanced', 'recurse'))).toEqual([]);
    expect(checks(run('enhanced', 'drain'))).toEqual([]);
  });
});
