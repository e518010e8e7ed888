import { IRQL, STATUS, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, DO, FILE_FLAG_OVERLAPPED, IRP_MJ, METHOD, type DeviceRef, type DispatchRoutine, type Kernel, type VerifierLevel, type Win32 } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness } from './__helpers__/irpDrivers.ts';

/**
 * The bug checks of docs/verifier.md that the I/O manager does not raise itself — the CPU
 * model's IRQL rules, kernel exceptions, bad system addresses — and the catalogue's
 * policy checks, each provoked by a driver, named by check id.
 */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
const checks = (result: { violations: readonly { check: string }[] }) => result.violations.map((v) => v.check);

/** A driver whose DriverEntry runs `body` at PASSIVE_LEVEL in the boot thread. */
function inDriverEntry(verifier: VerifierLevel, body: (k: Kernel) => Routine<void>) {
  return boot({ verifier, drivers: { Buggy: kernelHarness(body) }, threads: [] }).result;
}

/** \Device\Buggy whose DEVICE_CONTROL routine is `ioctl`, called once by `app` (synchronous handle unless `overlapped`). */
function withIoctl(verifier: VerifierLevel, ioctl: DispatchRoutine, overlapped = false) {
  return boot({
    verifier,
    drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: ioctl } }) },
    threads: [
      {
        name: 'app',
        *body(u: Win32) {
          const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, overlapped ? FILE_FLAG_OVERLAPPED : 0);
          yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, u.scratch(4), overlapped ? u.scratch(20) : 0);
          yield* u.Sleep(10);
        },
      },
    ],
  }).result;
}

describe('IRQL rules of the CPU model (docs/semantics.md "The CPU model")', () => {
  const raiseLower: (k: Kernel) => Routine<void> = function* (k) {
    k.KeRaiseIrql(IRQL.DISPATCH);
    k.KeRaiseIrql(IRQL.PASSIVE);
  };

  it('0xC4/0x30 KeRaiseIrql to a lower IRQL under the verifier; 0x9 IRQL_NOT_GREATER_OR_EQUAL without it', () => {
    expect(inDriverEntry('standard', raiseLower).bugcheck).toMatchObject({ code: 0xc4, params: [0x30, IRQL.DISPATCH, IRQL.PASSIVE, 0] });
    expect(inDriverEntry('off', raiseLower).bugcheck).toMatchObject({ code: 0x9, name: 'IRQL_NOT_GREATER_OR_EQUAL', params: [IRQL.DISPATCH, IRQL.PASSIVE, 0, 0] });
  });

  const lowerUp: (k: Kernel) => Routine<void> = function* (k) {
    yield* k.KeLowerIrql(IRQL.DISPATCH);
  };

  it('0xC4/0x31 KeLowerIrql to a higher IRQL under the verifier; 0xA IRQL_NOT_LESS_OR_EQUAL without it', () => {
    expect(inDriverEntry('standard', lowerUp).bugcheck).toMatchObject({ code: 0xc4, params: [0x31, IRQL.PASSIVE, IRQL.DISPATCH, 0] });
    expect(inDriverEntry('off', lowerUp).bugcheck).toMatchObject({ code: 0xa, name: 'IRQL_NOT_LESS_OR_EQUAL', params: [0, IRQL.PASSIVE, 0, 0] });
  });

  const waitHigh: (k: Kernel) => Routine<void> = function* (k) {
    k.KeRaiseIrql(IRQL.DIRQL_MIN);
    yield* k.KeWaitForSingleObject(k.KeInitializeEvent('notification'));
  };

  it('0xC4/0x120 a wait above DISPATCH_LEVEL under the verifier; without it the thread cannot be switched out: 0xA', () => {
    expect(inDriverEntry('standard', waitHigh).bugcheck).toMatchObject({ code: 0xc4, params: [0x120, IRQL.DIRQL_MIN, 0, 0] });
    expect(inDriverEntry('off', waitHigh).bugcheck).toMatchObject({ code: 0xa, params: [0, IRQL.DIRQL_MIN, 0, 0] });
  });

  it('0xD1 a driver touching the caller\'s (pageable) buffer while holding a spin lock, at every level', () => {
    const touchesUserAtDispatch: DispatchRoutine = function* (k, _d, irp) {
      const user = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
      void user;
      const irql = yield* k.KeAcquireSpinLock(k.KeInitializeSpinLock('lock'));
      k.readMemory(irp.userBuffer, 4); // METHOD_BUFFERED's Irp->UserBuffer is the caller's output pointer
      yield* k.KeReleaseSpinLock(k.KeInitializeSpinLock('lock'), irql);
      return yield* complete(k, irp, STATUS.SUCCESS);
    };
    for (const level of ['off', 'enhanced'] as const) {
      expect(withIoctl(level, touchesUserAtDispatch).bugcheck).toMatchObject({ code: 0xd1, name: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL', params: [expect.any(Number), IRQL.DISPATCH, 0, 0] });
    }
  });
});

describe('kernel exceptions and bad addresses (design.md §3)', () => {
  const throws: DispatchRoutine = function* () {
    throw new TypeError('Cannot read properties of undefined');
  };

  it('0x3B SYSTEM_SERVICE_EXCEPTION: an exception in a dispatch routine called from a system service names the driver', () => {
    const result = withIoctl('enhanced', throws);
    expect(result.bugcheck).toMatchObject({ code: 0x3b, name: 'SYSTEM_SERVICE_EXCEPTION', driver: 'Buggy', params: [STATUS.ACCESS_VIOLATION, 0, 0, 0] });
  });

  it('0x1E KMODE_EXCEPTION_NOT_HANDLED: an exception in a DPC names the driver that queued it', () => {
    const dpcThrows: DispatchRoutine = function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Boom', function* () {
        throw new RangeError('index out of range');
      }));
      return STATUS.PENDING;
    };
    expect(withIoctl('enhanced', dpcThrows, true).bugcheck).toMatchObject({ code: 0x1e, name: 'KMODE_EXCEPTION_NOT_HANDLED', driver: 'Buggy' });
  });

  it('0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED: an exception in a system thread or work item names the driver', () => {
    const result = inDriverEntry('enhanced', function* (k) {
      k.IoQueueWorkItem('Boom', function* () {
        yield 0;
        throw new Error('work item failed');
      });
    });
    expect(result.bugcheck).toMatchObject({ code: 0x7e, name: 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED', driver: 'Buggy' });
  });

  it('0x50 PAGE_FAULT_IN_NONPAGED_AREA: a kernel read of an invalid system address (P1 the address, P2 0 for a read)', () => {
    const result = inDriverEntry('off', function* (k) {
      k.readMemory(0xfe000000, 4);
    });
    expect(result.bugcheck).toMatchObject({ code: 0x50, name: 'PAGE_FAULT_IN_NONPAGED_AREA', params: [0xfe000000, 0, 0, 0] });
  });
});

describe('policy checks of the catalogue', () => {
  it('irp-no-next-location: IoCopyCurrentIrpStackLocationToNext on an IRP with no location below is recorded, then IoCallDriver raises 0x35', () => {
    const copiesPastTheEnd: DispatchRoutine = function* (k, device: DeviceRef, irp) {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      return yield* k.IoCallDriver(device, irp);
    };
    const result = withIoctl('standard', copiesPastTheEnd);
    expect(checks(result)).toEqual(['irp-no-next-location']);
    expect(result.bugcheck).toMatchObject({ code: 0x35, driver: 'Buggy' });
  });

  it('0xC9/0x08 IoBuildAsynchronousFsdRequest with a buffer it cannot access stops the run under the verifier; without it the builder returns NULL', () => {
    const built: unknown[] = [];
    const run = (verifier: VerifierLevel) => {
      let target: DeviceRef | null = null;
      return boot({
        verifier,
        drivers: {
          Target: deviceDriver({ name: 'Target', flags: DO.BUFFERED_IO, onDevice: (d) => (target = d) }),
          Client: kernelHarness(function* (k) {
            built.push(k.IoBuildAsynchronousFsdRequest(IRP_MJ.WRITE, target!, 0x1000, 8, 0, k.ExAllocatePool(8)));
          }),
        },
        threads: [],
      }).result;
    };
    const on = run('standard');
    expect(on.bugcheck).toMatchObject({ code: 0xc9, driver: 'Client' });
    expect([on.bugcheck!.params[0], on.bugcheck!.params[2], on.bugcheck!.params[3]]).toEqual([0x08, IRP_MJ.WRITE, STATUS.ACCESS_VIOLATION]);
    expect(run('off').bugcheck).toBeNull();
    expect(built).toEqual([null]);
  });

  it('user-pointer-wrong-context: a driver reading a NEITHER request\'s Irp->UserBuffer in a work item (the System process) is recorded once', () => {
    const inWorkItem: DispatchRoutine = function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.IoQueueWorkItem('Later', function* () {
        void irp.userBuffer; // not the requesting process's context
        yield* complete(k, irp, STATUS.SUCCESS);
      });
      return STATUS.PENDING;
    };
    const result = boot({
      verifier: 'standard',
      drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: inWorkItem } }) },
      threads: [
        {
          name: 'app',
          *body(u: Win32) {
            const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            return yield* u.DeviceIoControl(h, CTL_CODE(0x22, 0x800, METHOD.NEITHER, 0), 0, 0, u.scratch(8), 8, u.scratch(4));
          },
        },
      ],
    }).result;
    expect(result.outcome).toBe('completed');
    expect(checks(result)).toEqual(['user-pointer-wrong-context']);
  });

  it('cancel-lock-held: a cancel routine that returns without IoReleaseCancelSpinLock is recorded; the canceller goes on at DISPATCH_LEVEL', () => {
    const keepsTheLock: DispatchRoutine = function* (k, _d, irp) {
      k.IoMarkIrpPending(irp);
      k.IoSetCancelRoutine(irp, function* (k2) {
        yield* k2.schedulingPoint(); // and never releases the cancel spin lock
      });
      return STATUS.PENDING;
    };
    const result = boot({
      verifier: 'standard',
      drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: keepsTheLock } }) },
      threads: [
        {
          name: 'app',
          *body(u: Win32) {
            const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
            yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, 0, u.scratch(20));
            return yield* u.CancelIoEx(h, 0);
          },
        },
      ],
    }).result;
    expect(checks(result)[0]).toBe('cancel-lock-held');
    expect(result.bugcheck).toMatchObject({ code: 0xd1 });
  });
});
