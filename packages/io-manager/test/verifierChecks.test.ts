import { STATUS, encodeUtf8, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  DO,
  FILE_FLAG_OVERLAPPED,
  IRP_MJ,
  METHOD,
  type DeviceRef,
  type DispatchRoutine,
  type VerifierLevel,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
/** IRPs are named 0x86000000 + 0x100 × id: the CREATE is IRP 1, the IOCTL IRP 2. */
const IOCTL_IRP = 0x86000200;

function* ioctlApp(u: Win32): Routine<{ ok: boolean; error: number; status: number }> {
  const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  u.SetLastError(0);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, u.scratch(4));
  return { ok, error: u.GetLastError(), status: u.thread.lastStatus };
}

/** One device, \Device\Buggy, whose DEVICE_CONTROL routine is `ioctl`, called once from a sync handle. */
function runBuggy(verifier: VerifierLevel, ioctl: DispatchRoutine, app: (u: Win32) => Routine<unknown> = ioctlApp) {
  return boot({ verifier, drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: ioctl } }) }, threads: [{ name: 'app', body: app }] });
}

const checks = (result: { violations: readonly { check: string }[] }) => result.violations.map((v) => v.check);

describe('the I/O verifier checks (docs/verifier.md)', () => {
  const mismatch: DispatchRoutine = function* (k, _d, irp) {
    yield* complete(k, irp, STATUS.INVALID_PARAMETER);
    return STATUS.SUCCESS;
  };

  it('IO-5.14 (c) completing with one status and returning another stops with 0xC9/0x224 from standard up', () => {
    for (const level of ['standard', 'enhanced'] as const) {
      const { result } = runBuggy(level, mismatch);
      expect(result.outcome).toBe('bugcheck');
      expect(result.bugcheck).toMatchObject({ code: 0xc9, name: 'DRIVER_VERIFIER_IOMANAGER_VIOLATION', driver: 'Buggy' });
      expect(result.bugcheck!.params).toEqual([0x224, 0, IOCTL_IRP, 0]);
    }
    expect(runBuggy('off', mismatch).result.outcome).toBe('completed');
  });

  const lost: DispatchRoutine = function* () {
    return STATUS.SUCCESS;
  };

  it('IO-5.14 (d) returning without completing, forwarding or pending stops with 0xC9/0x226; with the verifier off the IRP just stays pending', () => {
    const { result } = runBuggy('standard', lost);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Buggy' });
    expect(result.bugcheck!.params[0]).toBe(0x226);
    const off = runBuggy('off', lost);
    expect(off.result.bugcheck).toBeNull();
    expect(off.io.irps.size).toBe(1);
  });

  const pendingUnmarked: DispatchRoutine = function* (k, _d, irp) {
    const dpc = k.KeInitializeDpc('Later', function* () {
      yield* complete(k, irp, STATUS.SUCCESS);
    });
    k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, dpc);
    return STATUS.PENDING;
  };
  const markedButFailed: DispatchRoutine = function* (k, _d, irp) {
    k.IoMarkIrpPending(irp);
    yield* complete(k, irp, STATUS.INSUFFICIENT_RESOURCES);
    return STATUS.INSUFFICIENT_RESOURCES;
  };

  it('IO-5.14 (b) STATUS_PENDING without IoMarkIrpPending is 0xC9/0x23D and (a) IoMarkIrpPending without STATUS_PENDING is 0xC9/0x23E: non-fatal, enhanced only', () => {
    const b = runBuggy('enhanced', pendingUnmarked);
    expect(b.result.bugcheck).toBeNull();
    // The consequence (IO-5.19): the deferred completion is never finished, the caller hangs.
    expect(checks(b.result)).toEqual(['0xC9/0x23D', 'liveness-thread-waits-forever']);
    const a = runBuggy('enhanced', markedButFailed);
    expect(a.result.bugcheck).toBeNull();
    expect(checks(a.result)).toEqual(['0xC9/0x23E']);
    expect(checks(runBuggy('standard', pendingUnmarked).result)).toEqual(['liveness-thread-waits-forever']);
    expect(checks(runBuggy('off', pendingUnmarked).result)).toEqual([]);
    for (const level of ['standard', 'off'] as const) {
      expect(checks(runBuggy(level, markedButFailed).result)).toEqual([]);
    }
  });

  it('IO-5.14 with the verifier off, the returned status and the notification are independent (§11 mismatch rows)', () => {
    const overlapped = (status: NtStatus, returned: NtStatus, data: string) =>
      runBuggy(
        'off',
        function* (k, _d, irp) {
          k.writeMemory(irp.systemBuffer, encodeUtf8(data));
          yield* complete(k, irp, status, 3);
          return returned;
        },
        function* (u) {
          const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
          const out = u.scratch(8);
          u.write(out, encodeUtf8('abcdef'));
          const ov = u.scratch(20);
          u.writeU32(ov, 0x1234);
          const event = yield* u.CreateEvent(true, false);
          u.writeU32(ov + 16, event);
          u.SetLastError(0);
          const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, out, 6, u.scratch(4), ov);
          return {
            ok,
            status: u.thread.lastStatus,
            iosb: [u.readU32(ov), u.readU32(ov + 4)],
            out: new TextDecoder().decode(u.read(out, 6)),
            signalled: (yield* u.WaitForSingleObject(event, 0)) === 0,
          };
        },
      ).results['app'] as Record<string, unknown>;
    const lying = overlapped(STATUS.NOT_IMPLEMENTED, STATUS.SUCCESS, 'xyz');
    expect(lying).toMatchObject({ ok: true, status: STATUS.SUCCESS, out: 'abcdef', signalled: false });
    expect((lying['iosb'] as number[])[0]).not.toBe(STATUS.NOT_IMPLEMENTED);
    const failing = overlapped(STATUS.SUCCESS, STATUS.NOT_IMPLEMENTED, 'ghi');
    expect(failing).toMatchObject({ ok: false, status: STATUS.NOT_IMPLEMENTED, iosb: [STATUS.SUCCESS, 3], out: 'ghidef', signalled: true });
  });

  const leavesLockHeld: DispatchRoutine = function* (k, _d, irp) {
    yield* k.KeAcquireSpinLock(k.KeInitializeSpinLock('forgotten'));
    return yield* complete(k, irp, STATUS.INVALID_PARAMETER);
  };

  it('a dispatch routine that returns at another IRQL (a spin lock left held) stops with 0xC9/0x05 (P2 device, P3/P4 IRQL before/after); without the verifier the system service returns to user mode at DISPATCH_LEVEL: 0x4A', () => {
    const { result, machine } = runBuggy('standard', leavesLockHeld);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Buggy' });
    const device = machine.objects.lookup('\\Device\\Buggy').object!.id;
    expect(result.bugcheck!.params).toEqual([0x05, device, 0, 2]);
    expect(runBuggy('off', leavesLockHeld).result.bugcheck?.code).toBe(0x4a);
  });

  const touchesAfter: DispatchRoutine = function* (k, _d, irp) {
    yield* complete(k, irp, STATUS.SUCCESS);
    return irp.ioStatus.status;
  };

  it('IO-5.15 reading IoStatus after IoCompleteRequest is recorded as irp-use-after-complete at every level but off', () => {
    for (const level of ['standard', 'enhanced'] as const) {
      const { result } = runBuggy(level, touchesAfter);
      expect(result.outcome).toBe('completed');
      expect(checks(result)).toEqual(['irp-use-after-complete']);
      expect(result.violations[0]!.message).toContain('Buggy accessed IoStatus.Status');
    }
    expect(checks(runBuggy('off', touchesAfter).result)).toEqual([]);
  });

  it('IO-5.15 touching an IRP after IoCallDriver returned STATUS_PENDING is recorded as irp-use-after-forward; getting it back through a routine that returns MORE_PROCESSING_REQUIRED is not', () => {
    const forwardThen = (verifier: VerifierLevel, wait: boolean) => {
      let lower: DeviceRef | null = null;
      return boot({
        verifier,
        drivers: {
          Low: deviceDriver({
            name: 'Buggy',
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                k.IoMarkIrpPending(irp);
                k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Later', function* () {
                  yield* complete(k, irp, STATUS.SUCCESS);
                }));
                return STATUS.PENDING;
              },
            },
            onDevice: (d) => (lower = d),
          }),
          Filter: deviceDriver({
            name: null,
            attachTo: () => lower!,
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                const back = k.KeInitializeEvent('notification');
                k.IoCopyCurrentIrpStackLocationToNext(irp);
                if (wait) {
                  k.IoSetCompletionRoutine(irp, function* (k2) {
                    k2.KeSetEvent(back);
                    return STATUS.MORE_PROCESSING_REQUIRED;
                  }, null, true, true, true);
                }
                const status = yield* k.IoCallDriver(lower!, irp);
                if (!wait) {
                  void irp.ioStatus.status; // the bug: the lower driver still owns it
                  void irp.ioStatus.information;
                  return status;
                }
                yield* k.KeWaitForSingleObject(back);
                return yield* complete(k, irp, irp.ioStatus.status);
              },
            },
          }),
        },
        threads: [{ name: 'app', body: ioctlApp }],
      }).result;
    };
    const buggy = forwardThen('standard', false);
    expect(checks(buggy)).toEqual(['irp-use-after-forward']);
    expect(buggy.violations[0]!.message).toContain('Filter accessed IoStatus.Status');
    expect(checks(forwardThen('off', false))).toEqual([]);
    const correct = forwardThen('enhanced', true);
    expect(correct.outcome).toBe('completed');
    expect(checks(correct)).toEqual([]);
  });

  const completesPending: DispatchRoutine = function* (k, _d, irp) {
    k.IoMarkIrpPending(irp);
    yield* complete(k, irp, STATUS.PENDING, 3);
    return STATUS.PENDING;
  };

  it('IO-5.17 completing with STATUS_PENDING stops with 0xC9/0x06 (P2 = the status, P3 = the IRP)', () => {
    const { result } = runBuggy('standard', completesPending);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Buggy' });
    expect(result.bugcheck!.params).toEqual([0x06, STATUS.PENDING, IOCTL_IRP, 0]);
  });

  it('IO-5.17 with the verifier off a STATUS_PENDING completion is a success: the service returns 0x103, IOSB {0x103, 3}, DeviceIoControl TRUE', () => {
    const { result, results } = runBuggy('off', completesPending, function* (u) {
      const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
      u.SetLastError(1234);
      const count = u.scratch(4);
      const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
      return { ok, error: u.GetLastError(), status: u.thread.lastStatus, count: u.readU32(count), iosb: [u.readU32(u.thread.userStack + 0x20), u.readU32(u.thread.userStack + 0x24)] };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ ok: true, error: 1234, status: STATUS.PENDING, count: 3, iosb: [STATUS.PENDING, 3] });
  });

  const completesCancelable: DispatchRoutine = function* (k, _d, irp) {
    k.IoSetCancelRoutine(irp, function* () {});
    return yield* complete(k, irp, STATUS.SUCCESS);
  };

  it('IO-5.17 completing while the cancel routine is still set stops with 0xC9/0x07 from standard up', () => {
    const { result } = runBuggy('standard', completesCancelable);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Buggy' });
    expect(result.bugcheck!.params[0]).toBe(0x07);
    expect(result.bugcheck!.params[2]).toBe(IOCTL_IRP);
    expect(runBuggy('off', completesCancelable).result.bugcheck).toBeNull();
  });

  it('IO-5.16 double completion is 0x44 even with the verifier off', () => {
    const { result } = runBuggy('off', function* (k, _d, irp) {
      yield* complete(k, irp, STATUS.SUCCESS);
      yield* k.IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    });
    expect(result.bugcheck).toMatchObject({ code: 0x44, driver: 'Buggy', params: [IOCTL_IRP, 0, 0, 0] });
  });

  /** A filter whose completion routine ignores PendingReturned over a driver that pends and completes 1 ms later (IO-5.13). */
  const forgetsPending = (verifier: VerifierLevel) => {
    let lower: DeviceRef | null = null;
    return boot({
      verifier,
      drivers: {
        Low: deviceDriver({
          name: 'Buggy',
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              k.IoMarkIrpPending(irp);
              k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Later', function* () {
                yield* complete(k, irp, STATUS.SUCCESS);
              }));
              return STATUS.PENDING;
            },
          },
          onDevice: (d) => (lower = d),
        }),
        Filter: deviceDriver({
          name: null,
          attachTo: () => lower!,
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              k.IoCopyCurrentIrpStackLocationToNext(irp);
              k.IoSetCompletionRoutine(irp, function* () { return STATUS.SUCCESS; }, null, true, true, true);
              return yield* k.IoCallDriver(lower!, irp);
            },
          },
        }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    }).result;
  };

  it('IO-5.13 0xC9/0x228 is recorded at the standard level too; at off nothing is, and the synchronous caller hangs as on Windows (the deferred completion is never finished)', () => {
    expect(checks(forgetsPending('standard'))).toEqual(['0xC9/0x228', 'liveness-thread-waits-forever']);
    const off = forgetsPending('off');
    expect(off.outcome).toBe('deadlock');
    expect(checks(off)).toEqual([]);
  });

  it('a driver routine that throws: the bug check report names that driver, not the filter that called it', () => {
    let lower: DeviceRef | null = null;
    const { result } = boot({
      drivers: {
        Thrower: deviceDriver({
          name: 'Buggy',
          majors: {
            *[IRP_MJ.DEVICE_CONTROL]() {
              throw new TypeError('Cannot read properties of null (reading "extension")');
            },
          },
          onDevice: (d) => (lower = d),
        }),
        Filter: deviceDriver({
          name: null,
          attachTo: () => lower!,
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              k.IoSkipCurrentIrpStackLocation(irp);
              return yield* k.IoCallDriver(lower!, irp);
            },
          },
        }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x3b, name: 'SYSTEM_SERVICE_EXCEPTION', driver: 'Thrower' });
    expect(result.bugcheck!.analysis).toMatchObject({ exception: expect.stringContaining('TypeError') });
  });

  it('a completion routine that throws: the report names the driver that registered it', () => {
    let lower: DeviceRef | null = null;
    const { result } = boot({
      drivers: {
        Low: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (lower = d) }),
        Filter: deviceDriver({
          name: null,
          attachTo: () => lower!,
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              k.IoCopyCurrentIrpStackLocationToNext(irp);
              k.IoSetCompletionRoutine(irp, function* () { throw new Error('bad routine'); }, null, true, true, true);
              return yield* k.IoCallDriver(lower!, irp);
            },
          },
        }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x3b, driver: 'Filter' });
  });

  it('a DPC or a work item that throws: the report names the driver that queued it', () => {
    const crash = (how: 'dpc' | 'work') =>
      boot({
        drivers: {
          Deferring: kernelHarness(function* (k) {
            const boom = function* (): Routine<void> {
              yield 0;
              throw new RangeError(`${how} went wrong`);
            };
            if (how === 'dpc') k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Boom', boom));
            else k.IoQueueWorkItem('Boom', boom);
          }),
        },
        threads: [
          {
            name: 'app',
            *body(u) {
              yield* u.Sleep(5);
            },
          },
        ],
      }).result;
    expect(crash('dpc').bugcheck).toMatchObject({ code: 0x1e, driver: 'Deferring' });
    expect(crash('work').bugcheck).toMatchObject({ code: 0x7e, driver: 'Deferring' });
  });

  it('a DriverEntry that throws: the report names the driver', () => {
    const { result } = boot({
      drivers: { Broken: function* () { throw new Error('DriverEntry failed badly'); } },
      threads: [],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x7e, driver: 'Broken' });
  });

  it('IO-5.19 an IoAllocateIrp IRP completed to the end (no routine to take it back) faults in the I/O manager: a kernel NULL access naming the completing driver', () => {
    let target: DeviceRef | null = null;
    const { result } = boot({
      drivers: {
        Target: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (target = d) }),
        Client: kernelHarness(function* (k) {
          const irp = k.IoAllocateIrp(target!.stackSize, false)!; // never NULL here: no fail-allocations adversary
          k.IoGetNextIrpStackLocation(irp).majorFunction = IRP_MJ.DEVICE_CONTROL;
          yield* k.IoCallDriver(target!, irp);
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x7e, driver: 'Target', params: [STATUS.ACCESS_VIOLATION, 0, 0, 0] });
    expect(result.bugcheck!.message).toContain('from IoAllocateIrp was completed to the end');
  });

  it('IO-5.19 IoBuildSynchronousFsdRequest: the I/O manager copies back, writes the IOSB and signals the event in the builder\'s thread; IoBuildAsynchronousFsdRequest is freed by its routine', () => {
    let target: DeviceRef | null = null;
    const seen: unknown[] = [];
    const { result } = boot({
      drivers: {
        Target: deviceDriver({
          name: 'Buggy',
          flags: DO.BUFFERED_IO,
          majors: {
            *[IRP_MJ.READ](k, _d, irp) {
              const p = k.IoGetCurrentIrpStackLocation(irp).parameters.read;
              seen.push(['read', p.length, p.byteOffset, irp.requestorMode, irp.systemBuffer !== 0]);
              k.writeMemory(irp.systemBuffer, encodeUtf8('data'));
              irp.ioStatus.status = STATUS.SUCCESS;
              irp.ioStatus.information = 4;
              k.IoMarkIrpPending(irp);
              k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Done', function* () {
                yield* k.IoCompleteRequest(irp, 0);
              }));
              return STATUS.PENDING;
            },
          },
          onDevice: (d) => (target = d),
        }),
        Client: kernelHarness(function* (k) {
          const m = k._machine;
          const buffer = k.ExAllocatePool(8);
          const iosb = k.ExAllocatePool(8);
          const event = k.KeInitializeEvent('notification');
          const irp = k.IoBuildSynchronousFsdRequest(IRP_MJ.READ, target!, buffer, 8, 0x20, event, iosb);
          const status = yield* k.IoCallDriver(target!, irp!);
          if (status === STATUS.PENDING) yield* k.KeWaitForSingleObject(event);
          seen.push(['sync', status, m.memory.readU32(m.system.space, iosb, 'kernel'), m.memory.readU32(m.system.space, iosb + 4, 'kernel'), new TextDecoder().decode(k.readMemory(buffer, 4))]);
          const done = k.KeInitializeEvent('notification');
          const asyncIrp = k.IoBuildAsynchronousFsdRequest(IRP_MJ.READ, target!, buffer, 8, 0, iosb);
          k.IoSetCompletionRoutine(asyncIrp!, function* (k2, _device, irp2) {
            seen.push(['async routine', irp2.ioStatus.status, irp2.ioStatus.information]);
            k2.IoFreeIrp(irp2);
            k2.KeSetEvent(done);
            return STATUS.MORE_PROCESSING_REQUIRED;
          }, null, true, true, true);
          yield* k.IoCallDriver(target!, asyncIrp!);
          yield* k.KeWaitForSingleObject(done);
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('completed');
    expect(result.violations).toEqual([]);
    expect(seen).toEqual([
      ['read', 8, 0x20, 'KernelMode', true],
      ['sync', STATUS.PENDING, STATUS.SUCCESS, 4, 'data'],
      ['read', 8, 0, 'KernelMode', true],
      ['async routine', STATUS.SUCCESS, 4],
    ]);
  });

  it('IO-3.10 IoFreeIrp twice on an IoAllocateIrp IRP is 0xC9/0x01 (no longer an IRP), at every level', () => {
    for (const verifier of ['off', 'standard'] as const) {
      const { result } = boot({
        verifier,
        drivers: {
          Client: kernelHarness(function* (k) {
            const irp = k.IoAllocateIrp(1)!; // never NULL here: no fail-allocations adversary
            k.IoFreeIrp(irp);
            k.IoFreeIrp(irp);
          }),
        },
        threads: [],
      });
      expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Client', params: [0x01, 0x86000100, 0, 0] });
    }
  });

  it('IO-5.1 IoReuseIrp on an IRP a builder made (0xC9/0x311) or on one a lower driver still owns (0xC9/0x310) is recorded, not fatal; off records nothing', () => {
    const reuse = (verifier: VerifierLevel) => {
      let target: DeviceRef | null = null;
      return boot({
        verifier,
        drivers: {
          Target: deviceDriver({
            name: 'Buggy',
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                k.IoMarkIrpPending(irp); // and never completes it
                return STATUS.PENDING;
              },
            },
            onDevice: (d) => (target = d),
          }),
          Client: kernelHarness(function* (k) {
            const built = k.IoBuildDeviceIoControlRequest(IOCTL, target!, 0, 0, 0, 0, true, null, k.ExAllocatePool(8))!;
            k.IoReuseIrp(built, STATUS.SUCCESS);
            const mine = k.IoAllocateIrp(target!.stackSize)!; // never NULL here: no fail-allocations adversary
            k.IoGetNextIrpStackLocation(mine).majorFunction = IRP_MJ.DEVICE_CONTROL;
            yield* k.IoCallDriver(target!, mine);
            k.IoReuseIrp(mine, STATUS.SUCCESS);
          }),
        },
        threads: [],
      }).result;
    };
    // Reaching for the forwarded IRP is itself a touch after forwarding (IO-5.15).
    expect(checks(reuse('standard'))).toEqual(['0xC9/0x311', 'irp-use-after-forward', '0xC9/0x310']);
    expect(checks(reuse('off'))).toEqual([]);
  });

  it('IO-3.10 IoBuildDeviceIoControlRequest with an unreadable input buffer: 0xC9/0x09 under the verifier, NULL without it', () => {
    const seen: unknown[] = [];
    const build = (verifier: VerifierLevel) => {
      let target: DeviceRef | null = null;
      return boot({
        verifier,
        drivers: {
          Target: deviceDriver({ name: 'Buggy', onDevice: (d) => (target = d) }),
          Client: kernelHarness(function* (k) {
            seen.push(k.IoBuildDeviceIoControlRequest(IOCTL, target!, 0x1000, 4, 0, 0, false, null, k.ExAllocatePool(8)));
          }),
        },
        threads: [],
      }).result;
    };
    const on = build('standard');
    expect(on.bugcheck).toMatchObject({ code: 0xc9, driver: 'Client' });
    expect(on.bugcheck!.params.slice(0, 1)).toEqual([0x09]);
    expect(on.bugcheck!.params.slice(2)).toEqual([IOCTL, STATUS.ACCESS_VIOLATION]);
    expect(build('off').bugcheck).toBeNull();
    expect(seen).toEqual([null]);
  });

  it('IO-5.15 sending an IRP on after completing it stops with 0xC9/0x03 under the verifier (a stale IRP pointer); without it the stale access is an unhandled kernel exception', () => {
    const resend = (verifier: VerifierLevel) => {
      let lower: DeviceRef | null = null;
      return boot({
        verifier,
        drivers: {
          Low: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (lower = d) }),
          Filter: deviceDriver({
            name: null,
            attachTo: () => lower!,
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                yield* complete(k, irp, STATUS.SUCCESS);
                k.IoSkipCurrentIrpStackLocation(irp);
                return yield* k.IoCallDriver(lower!, irp);
              },
            },
          }),
        },
        threads: [{ name: 'app', body: ioctlApp }],
      }).result;
    };
    const on = resend('standard');
    expect(on.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x03, IOCTL_IRP, 0, 0] });
    expect(checks(on)).toContain('irp-use-after-complete');
    const off = resend('off');
    expect(off.outcome).toBe('bugcheck');
    expect(off.bugcheck).toMatchObject({ code: 0x3b, driver: 'Filter', params: [STATUS.ACCESS_VIOLATION, IOCTL_IRP, 0, 0] });
  });

  it('0x35 stops at every verifier level (IO-5.2), naming the driver that made the call', () => {
    const { result } = boot({
      verifier: 'off',
      drivers: {
        Low: deviceDriver({
          name: 'Buggy',
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, device, irp) {
              // Sends the IRP to itself again: the stack runs out.
              k.IoCopyCurrentIrpStackLocationToNext(irp);
              return yield* k.IoCallDriver(device, irp);
            },
          },
        }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.bugcheck).toMatchObject({ code: 0x35, driver: 'Low', params: [IOCTL_IRP, 0, 0, 0] });
  });
});
