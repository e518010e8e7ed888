import { STATUS, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, IRP_MJ, METHOD, Win32, type DeviceRef, type DispatchRoutine, type VerifierLevel } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver } from './__helpers__/irpDrivers.ts';

/** The part-E invariants (verifier-and-objects.md E6, E13, E15) checked by `src/verifier/`, one buggy and one correct driver each. */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);

function* ioctlApp(u: Win32): Routine<boolean> {
  const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  return yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, u.scratch(4));
}

const checks = (result: { violations: readonly { check: string }[] }) => result.violations.map((v) => v.check);

function run(verifier: VerifierLevel, routine: DispatchRoutine, extra: Record<string, ReturnType<typeof deviceDriver>> = {}) {
  return boot({ verifier, drivers: { ...extra, Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: routine } }) }, threads: [{ name: 'app', body: ioctlApp }] });
}

describe('part E 6: no spin lock held at IoCompleteRequest (SDV SpinLockSafe)', () => {
  /** Completes the IOCTL inside its queue lock's region, or after releasing it when `correct`. */
  const underLock = (correct: boolean): DispatchRoutine => {
    let lock: ReturnType<Parameters<DispatchRoutine>[0]['KeInitializeSpinLock']> | null = null;
    return function* (k, _d, irp) {
      lock ??= k.KeInitializeSpinLock('queue lock');
      const old = yield* k.KeAcquireSpinLock(lock);
      irp.ioStatus.status = STATUS.SUCCESS;
      if (correct) yield* k.KeReleaseSpinLock(lock, old);
      yield* k.IoCompleteRequest(irp, 0);
      if (!correct) yield* k.KeReleaseSpinLock(lock, old);
      return STATUS.SUCCESS;
    };
  };

  it('spin-lock-held-at-completion: IoCompleteRequest inside a KeAcquireSpinLock region is recorded once, from standard up, naming the lock', () => {
    for (const level of ['standard', 'enhanced'] as const) {
      const { result } = run(level, underLock(false));
      expect(result.outcome).toBe('completed');
      expect(checks(result)).toEqual(['spin-lock-held-at-completion']);
      expect(result.violations[0]!.message).toContain('Buggy called IoCompleteRequest for IRP 2');
      expect(result.violations[0]!.message).toContain('queue lock');
    }
    expect(checks(run('off', underLock(false)).result)).toEqual([]);
  });

  it('spin-lock-held-at-completion: completing while holding the cancel spin lock is caught too', () => {
    const { result } = run('standard', function* (k, _d, irp) {
      const old = yield* k.IoAcquireCancelSpinLock();
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, 0);
      yield* k.IoReleaseCancelSpinLock(old);
      return STATUS.SUCCESS;
    });
    expect(checks(result)).toEqual(['spin-lock-held-at-completion']);
    expect(result.violations[0]!.message).toContain('cancel spin lock');
  });

  it('spin-lock-held-at-completion: a driver that releases its lock before completing, and one completing from a DPC at DISPATCH_LEVEL without a lock, run clean', () => {
    expect(checks(run('enhanced', underLock(true)).result)).toEqual([]);
    const fromDpc = run('enhanced', function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Later', function* () {
        yield* complete(k, irp, STATUS.SUCCESS);
      }));
      return STATUS.PENDING;
    });
    expect(fromDpc.result.outcome).toBe('completed');
    expect(checks(fromDpc.result)).toEqual([]);
  });
});

describe('part E 13: KernelMode IRPs never carry user addresses (0xC4/0xE2)', () => {
  /**
   * \Device\Buggy relays its METHOD_BUFFERED IOCTL to \Device\Low with
   * IoBuildDeviceIoControlRequest (a KernelMode IRP): the buggy relay passes the caller's
   * output buffer (Irp->UserBuffer, a user address), the correct one a pool buffer.
   */
  const relay = (correct: boolean) => {
    let low: DeviceRef | null = null;
    const lowDriver = deviceDriver({ name: 'Low', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (low = d) });
    const routine: DispatchRoutine = function* (k, _d, irp) {
      const event = k.KeInitializeEvent('notification');
      const iosb = k.ExAllocatePool(8);
      const output = correct ? k.ExAllocatePool(8) : irp.userBuffer;
      const built = k.IoBuildDeviceIoControlRequest(IOCTL, low!, 0, 0, output, 8, false, event, iosb);
      if (built === null) return yield* complete(k, irp, STATUS.INSUFFICIENT_RESOURCES);
      if ((yield* k.IoCallDriver(low!, built)) === STATUS.PENDING) yield* k.KeWaitForSingleObject(event);
      return yield* complete(k, irp, STATUS.SUCCESS);
    };
    return { routine, extra: { Low: lowDriver } };
  };

  it('0xC4/0xE2: IoCallDriver of a built (KernelMode) IOCTL whose UserBuffer is the caller\'s user address stops the run from standard up, naming the relay', () => {
    const { routine, extra } = relay(false);
    const { result } = run('standard', routine, extra);
    expect(result.bugcheck).toMatchObject({ code: 0xc4, driver: 'Buggy' });
    const [p1, irp, address] = result.bugcheck!.params;
    expect(p1).toBe(0xe2);
    expect(irp).toBe(0x86000300); // IRP 3: the CREATE is 1, the user's IOCTL 2
    expect(address).toBeGreaterThanOrEqual(0x10000);
    expect(address).toBeLessThan(0x80000000);
    expect(result.bugcheck!.message).toContain('Irp->UserBuffer');
    const off = relay(false);
    expect(run('off', off.routine, off.extra).result.bugcheck).toBeNull();
  });

  it('0xC4/0xE2: a relay that gives the lower driver pool buffers, and a filter forwarding the user\'s own UserMode IRP, run clean', () => {
    const { routine, extra } = relay(true);
    const ok = run('enhanced', routine, extra);
    expect(ok.result.bugcheck).toBeNull();
    expect(checks(ok.result)).toEqual([]);
    let lower: DeviceRef | null = null;
    const filtered = boot({
      verifier: 'enhanced',
      drivers: {
        Low: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (lower = d) }),
        Filter: deviceDriver({ name: null, attachTo: () => lower!, majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { k.IoSkipCurrentIrpStackLocation(irp); return yield* k.IoCallDriver(lower!, irp); } } }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(filtered.result.bugcheck).toBeNull();
    expect(checks(filtered.result)).toEqual([]);
  });
});

describe('part E 15: user mappings unmapped before IoFreeMdl (0xC4/0xB8)', () => {
  /**
   * Maps a 16-byte pool buffer into the requester's user space from its dispatch routine
   * (PASSIVE_LEVEL, the requester's context), then frees the MDL — after MmUnmapLockedPages
   * when `unmap` says where: 'here' (same process) or 'worker' (a work item: the System process).
   */
  const mapper = (unmap: 'never' | 'here' | 'worker', seen: { address: number; mapped?: boolean }) =>
    function* (k: Parameters<DispatchRoutine>[0], _d: DeviceRef, irp: Parameters<DispatchRoutine>[2]): Routine<number> {
      const pool = k.ExAllocatePool(16);
      const mdl = k.IoAllocateMdl(pool, 16, false, false, null)!;
      k.MmBuildMdlForNonPagedPool(mdl);
      seen.address = k.MmMapLockedPagesSpecifyCache(mdl, 'UserMode');
      const finish = function* () {
        k.IoFreeMdl(mdl);
        k.ExFreePool(pool);
        yield* complete(k, irp, STATUS.SUCCESS);
      };
      if (unmap === 'worker') {
        k.IoMarkIrpPending(irp);
        k.IoQueueWorkItem('UnmapLater', function* () {
          k.MmUnmapLockedPages(seen.address, mdl);
          yield* finish();
        });
        return STATUS.PENDING;
      }
      if (unmap === 'here') {
        k.MmUnmapLockedPages(seen.address, mdl);
        seen.mapped = k._machine.currentProcess().space.regions.has(seen.address & ~0xfff);
      }
      yield* finish();
      return STATUS.SUCCESS;
    };

  it('0xC4/0xB8: IoFreeMdl of an MDL still mapped into user space stops the run from standard up, naming the driver and the mapped address', () => {
    const seen = { address: 0 };
    const { result } = run('standard', mapper('never', seen));
    expect(seen.address).toBeGreaterThan(0);
    expect(result.bugcheck).toMatchObject({ code: 0xc4, driver: 'Buggy', params: [0xb8, 0, seen.address, 0] });
    expect(run('off', mapper('never', { address: 0 })).result.bugcheck).toBeNull();
  });

  it('0xC4/0xB8: MmUnmapLockedPages in another process (a work item, in System) unmaps nothing, so the IoFreeMdl after it is still caught (C9)', () => {
    const seen = { address: 0 };
    const { result } = run('standard', mapper('worker', seen));
    expect(result.bugcheck).toMatchObject({ code: 0xc4, params: [0xb8, 0, seen.address, 0] });
  });

  it('0xC4/0xB8: a driver that unmaps in the requester\'s process before IoFreeMdl runs clean, and the view is gone', () => {
    const seen: { address: number; mapped?: boolean } = { address: 0 };
    const { result, machine } = run('enhanced', mapper('here', seen));
    expect(result.bugcheck).toBeNull();
    expect(checks(result)).toEqual([]);
    const app = machine.processes.find((p) => p.name === 'app')!;
    expect(app.space.regions.has(seen.address & ~0xfff)).toBe(false);
  });
});
