import { Machine, STATUS, firstCome, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { CREATION, CTL_CODE, FILE_FLAG_OVERLAPPED, IRP_MJ, IoManager, METHOD, Win32, type DeviceRef, type DispatchRoutine, type DriverEntry, type IrpRef, type VerifierLevel } from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness, threeDeep, type Stack } from './__helpers__/irpDrivers.ts';

/** The level-2 checks of IRP handling, one test each, named by check id (docs/verifier.md). */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
/** The CREATE is IRP 1, the IOCTL IRP 2 (0x86000000 + 0x100 × id). */
const IOCTL_IRP = 0x86000200;

function* ioctlApp(u: Win32): Routine<boolean> {
  const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  return yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, u.scratch(4));
}

const checks = (result: { violations: readonly { check: string }[] }) => result.violations.map((v) => v.check);

/** A lower driver \Device\Buggy that pends every IOCTL and completes it 1 ms later from a DPC. */
const pendsThenCompletes: DispatchRoutine = function* (k, _d, irp) {
  k.IoMarkIrpPending(irp);
  k.KeSetTimer(k.KeInitializeTimerEx('t'), -10_000, k.KeInitializeDpc('Later', function* () {
    yield* complete(k, irp, STATUS.SUCCESS);
  }));
  return STATUS.PENDING;
};

/** \Device\Buggy (`low`) with a filter above it whose DEVICE_CONTROL routine is `filter`. */
function filtered(verifier: VerifierLevel, low: DispatchRoutine, filter: (lower: () => DeviceRef) => DispatchRoutine, app: (u: Win32) => Routine<unknown> = ioctlApp) {
  let lower: DeviceRef | null = null;
  return boot({
    verifier,
    drivers: {
      Low: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: low }, onDevice: (d) => (lower = d) }),
      Filter: deviceDriver({ name: null, attachTo: () => lower!, majors: { [IRP_MJ.DEVICE_CONTROL]: filter(() => lower!) } }),
    },
    threads: [{ name: 'app', body: app }],
  });
}

const completesAtOnce: DispatchRoutine = function* (k, _d, irp) {
  return yield* complete(k, irp, STATUS.SUCCESS);
};

describe('level-2 I/O verification on forwarding (0xC9 "WDM DRIVER ERROR" codes)', () => {
  const forwardsCancelable = (lower: () => DeviceRef): DispatchRoutine =>
    function* (k, _d, irp) {
      k.IoSetCancelRoutine(irp, function* () {});
      k.IoSkipCurrentIrpStackLocation(irp);
      return yield* k.IoCallDriver(lower(), irp);
    };

  it('0xC9/0x203 IoCallDriver with the cancel routine still set stops the run from standard up, naming the forwarding driver', () => {
    const { result } = filtered('standard', completesAtOnce, forwardsCancelable);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x203, 0, IOCTL_IRP, 0] });
    expect(result.bugcheck!.analysis).toMatchObject({ error: 'WDM DRIVER ERROR 0x203', cancelRoutineSetBy: 'Filter' });
    // Without the verifier the lower driver's completion is the 0x07 of a verifier run; off lets it through.
    expect(filtered('off', completesAtOnce, forwardsCancelable).result.bugcheck).toBeNull();
  });

  const toNull: DispatchRoutine = function* (k, _d, irp) {
    k.IoSkipCurrentIrpStackLocation(irp);
    return yield* k.IoCallDriver(null as unknown as DeviceRef, irp); // the lower device was never set
  };

  it('0xC9/0x204 IoCallDriver with a NULL device object is fatal under the verifier; without it the NULL dereference is 0x3B', () => {
    const on = boot({ verifier: 'standard', drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: toNull } }) }, threads: [{ name: 'app', body: ioctlApp }] });
    expect(on.result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Buggy', params: [0x204, 0, IOCTL_IRP, 0] });
    const off = boot({ verifier: 'off', drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: toNull } }) }, threads: [{ name: 'app', body: ioctlApp }] });
    expect(off.result.bugcheck).toMatchObject({ code: 0x3b, driver: 'Buggy', params: [STATUS.ACCESS_VIOLATION, 8, 0, 0] });
  });

  const forwardsTwice = (lower: () => DeviceRef): DispatchRoutine =>
    function* (k, _d, irp) {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      const status = yield* k.IoCallDriver(lower(), irp);
      if (status === STATUS.PENDING) {
        // The bug: it treats STATUS_PENDING as done and sends the same IRP again.
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        return yield* k.IoCallDriver(lower(), irp);
      }
      return status;
    };

  it('0xC9/0x205 forwarding an IRP a lower driver still holds (IoCallDriver returned STATUS_PENDING) is fatal from standard up', () => {
    const { result } = filtered('standard', pendsThenCompletes, forwardsTwice);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x205, 0, IOCTL_IRP, 0] });
    expect(checks(result)).toContain('irp-use-after-forward');
  });

  const completesForwarded = (lower: () => DeviceRef): DispatchRoutine =>
    function* (k, _d, irp) {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      const status = yield* k.IoCallDriver(lower(), irp);
      if (status === STATUS.PENDING) {
        yield* k.IoCompleteRequest(irp, 0); // the lower driver still owns it
        return STATUS.SUCCESS;
      }
      return status;
    };

  it('0xC9/0x209 completing an IRP queued beneath the caller is fatal from standard up; without the verifier the lower driver\'s completion is the 0x44', () => {
    const { result } = filtered('standard', pendsThenCompletes, completesForwarded);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x209, 0, IOCTL_IRP, 0] });
    const off = filtered('off', pendsThenCompletes, completesForwarded, function* (u) {
      yield* ioctlApp(u);
      yield* u.Sleep(5); // long enough for the lower driver's DPC
    });
    expect(off.result.bugcheck).toMatchObject({ code: 0x44, driver: 'Low' });
  });

  it('0xC9/0x208 an IRP forwarded into a deeper stack, with locations left but too few, is fatal under the verifier; without it the 0x35 comes one call later', () => {
    const run = (verifier: VerifierLevel) => {
      let other: DeviceRef | null = null;
      let buggy: DeviceRef | null = null;
      const passDown = (name: string): DriverEntry => {
        let below: DeviceRef | null = null;
        return deviceDriver({
          name: null,
          attachTo: () => other!,
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
              k.IoCopyCurrentIrpStackLocationToNext(irp);
              return yield* k.IoCallDriver(below!, irp);
            },
          },
          onDevice: (_d, lower) => {
            below = lower;
            void name;
          },
        });
      };
      return boot({
        verifier,
        drivers: {
          // Another stack, three deep: \Device\Other ← Mid ← Top, passing everything down.
          Other: deviceDriver({ name: 'Other', majors: { [IRP_MJ.DEVICE_CONTROL]: completesAtOnce }, onDevice: (d) => (other = d) }),
          Mid: passDown('Mid'),
          Top: passDown('Top'),
          // \Device\Buggy (a stack of 2: Buggy ← Hop); Hop sends its IRP to the top of the other stack.
          Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: completesAtOnce }, onDevice: (d) => (buggy = d) }),
          Hop: deviceDriver({
            name: null,
            attachTo: () => buggy!,
            majors: {
              *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
                k.IoCopyCurrentIrpStackLocationToNext(irp);
                return yield* k.IoCallDriver(k.IoGetAttachedDevice(other!), irp);
              },
            },
          }),
        },
        threads: [{ name: 'app', body: ioctlApp }],
      }).result;
    };
    const on = run('standard');
    expect(on.bugcheck).toMatchObject({ code: 0xc9, driver: 'Hop', params: [0x208, 0, IOCTL_IRP, 0] });
    expect(on.bugcheck!.message).toContain('needs 3 locations, with 1 left');
    expect(run('off').bugcheck).toMatchObject({ code: 0x35 });
  });

  it('0xC9/0x211 a filter that sends its IRP past the device IoAttachDeviceToDeviceStack returned is recorded (non-fatal) and the request goes on', () => {
    const s: Partial<Stack> = {};
    const { result } = boot({
      verifier: 'standard',
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            k.IoSkipCurrentIrpStackLocation(irp);
            return yield* k.IoCallDriver(s.c!, irp); // skips B
          },
          *b(k, _d, irp) {
            k.IoSkipCurrentIrpStackLocation(irp);
            return yield* k.IoCallDriver(s.belowB!, irp);
          },
          c: completesAtOnce,
        },
        s,
      ),
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            return yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, u.scratch(4));
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(checks(result)).toEqual(['0xC9/0x211']);
    expect(result.violations[0]!.message).toContain('A forwarded IRP 2');
  });

  it('0xC9/0x225 a dispatch routine returning 0xFFFFFFFF (an uninitialised status) is recorded, not fatal', () => {
    const returnsGarbage = (lower: () => DeviceRef): DispatchRoutine =>
      function* (k, _d, irp) {
        k.IoSkipCurrentIrpStackLocation(irp);
        yield* k.IoCallDriver(lower(), irp);
        return 0xffffffff;
      };
    const { result } = filtered('standard', completesAtOnce, returnsGarbage);
    expect(result.bugcheck).toBeNull();
    expect(checks(result)).toEqual(['0xC9/0x225']);
    expect(checks(filtered('off', completesAtOnce, returnsGarbage).result)).toEqual([]);
  });

  it('0xC9/0x229 setting a cancel routine on an IRP a lower driver is processing is fatal from standard up', () => {
    const setsAfterForward = (lower: () => DeviceRef): DispatchRoutine =>
      function* (k, _d, irp) {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        const status = yield* k.IoCallDriver(lower(), irp);
        k.IoSetCancelRoutine(irp, function* () {});
        return status;
      };
    const { result } = filtered('standard', pendsThenCompletes, setsAfterForward);
    expect(result.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x229, 0, IOCTL_IRP, 0] });
  });

  it('0xC9/0x307 sending a built IRP with an event already signalled and getting STATUS_PENDING is recorded: the wait returns before the I/O is done', () => {
    let target: DeviceRef | null = null;
    const early: boolean[] = [];
    const { result } = boot({
      verifier: 'standard',
      drivers: {
        Target: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: pendsThenCompletes }, onDevice: (d) => (target = d) }),
        Client: kernelHarness(function* (k) {
          const event = k.KeInitializeEvent('notification', true); // left signalled by an earlier request
          const irp = k.IoBuildDeviceIoControlRequest(IOCTL, target!, 0, 0, 0, 0, false, event, k.ExAllocatePool(8))!;
          const status = yield* k.IoCallDriver(target!, irp);
          yield* k.KeWaitForSingleObject(event);
          early.push(status === STATUS.PENDING);
        }),
      },
      threads: [],
    });
    expect(checks(result)).toEqual(['0xC9/0x307']);
    expect(result.violations[0]!.message).toContain('Client sent IRP 1');
    expect(early).toEqual([true]);
  });
});

describe('level-2 I/O verification on IoFreeIrp', () => {
  const freesTooSoon = (verifier: VerifierLevel, inRoutine: boolean) => {
    let target: DeviceRef | null = null;
    return boot({
      verifier,
      drivers: {
        Target: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: pendsThenCompletes }, onDevice: (d) => (target = d) }),
        Client: kernelHarness(function* (k) {
          const irp = k.IoAllocateIrp(target!.stackSize)!; // never NULL here: no fail-allocations adversary
          k.IoGetNextIrpStackLocation(irp).majorFunction = IRP_MJ.DEVICE_CONTROL;
          if (inRoutine) {
            k.IoSetCompletionRoutine(irp, function* (k2, _device, irp2) {
              k2.IoFreeIrp(irp2); // the canonical place
              return STATUS.MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
          }
          yield* k.IoCallDriver(target!, irp);
          if (!inRoutine) k.IoFreeIrp(irp); // the lower driver still holds it
        }),
      },
      threads: [],
    }).result;
  };

  it('0xC9/0x20B IoFreeIrp on an IRP a lower driver still holds is fatal from standard up; without the verifier the lower completion finds a freed IRP: 0x44; freeing it in the completion routine is fine', () => {
    expect(freesTooSoon('standard', false).bugcheck).toMatchObject({ code: 0xc9, driver: 'Client', params: [0x20b, 0, 0x86000100, 0] });
    expect(freesTooSoon('off', false).bugcheck).toMatchObject({ code: 0x44, driver: 'Target' });
    const fine = freesTooSoon('enhanced', true);
    expect(fine.bugcheck).toBeNull();
    expect(checks(fine)).toEqual([]);
  });
});

describe('level-2 I/O verification on completion', () => {
  it('0xC9/0x239 completing an IRP never sent with IoCallDriver is recorded (a warning), before the fault it leads to', () => {
    const { result } = boot({
      verifier: 'standard',
      drivers: {
        Client: kernelHarness(function* (k) {
          const irp = k.IoAllocateIrp(1)!; // never NULL here: no fail-allocations adversary
          irp.ioStatus.status = STATUS.SUCCESS;
          yield* k.IoCompleteRequest(irp, 0);
        }),
      },
      threads: [],
    });
    expect(checks(result)).toEqual(['0xC9/0x239']);
    // IopfCompleteRequest then queues the completion APC of an IRP with no thread (IO-5.19).
    expect(result.bugcheck).toMatchObject({ code: 0x7e, driver: 'Client' });
  });

  const rearmsInRoutine = (lower: () => DeviceRef): DispatchRoutine =>
    function* (k, _d, irp) {
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      k.IoSetCompletionRoutine(irp, function* (k2, _device, irp2) {
        if (irp2.pendingReturned) k2.IoMarkIrpPending(irp2);
        k2.IoSetCancelRoutine(irp2, function* () {}); // the bug: cancelable again, and completion goes on
        return STATUS.SUCCESS;
      }, null, true, true, true);
      return yield* k.IoCallDriver(lower(), irp);
    };

  it('0xC9/0x23C an IRP whose completion ends with a cancel routine set (a completion routine re-armed it) is fatal at the enhanced level only', () => {
    const enhanced = filtered('enhanced', completesAtOnce, rearmsInRoutine).result;
    expect(enhanced.bugcheck).toMatchObject({ code: 0xc9, driver: 'Filter', params: [0x23c, 0, IOCTL_IRP, 0] });
    expect(filtered('standard', completesAtOnce, rearmsInRoutine).result.bugcheck).toBeNull();
  });
});

/** \Device\Buggy keeps every IOCTL: marked pending, parked with or without a cancel routine that does nothing. */
function keeper(cancelable: boolean): DriverEntry {
  return deviceDriver({
    name: 'Buggy',
    majors: {
      *[IRP_MJ.DEVICE_CONTROL](k, _d, irp) {
        k.IoMarkIrpPending(irp);
        if (cancelable) {
          k.IoSetCancelRoutine(irp, function* (k2, _device, irp2: IrpRef) {
            yield* k2.IoReleaseCancelSpinLock(irp2.cancelIrql); // and forgets to complete it
          });
        }
        return STATUS.PENDING;
      },
    },
  });
}

describe('liveness at quiescence', () => {
  it('liveness-irp-pending and liveness-thread-waits-forever: a request never completed names the IRP, its IOCTL and where it is held; the waiting thread names its service', () => {
    const { result } = boot({ verifier: 'standard', drivers: { Buggy: keeper(true) }, threads: [{ name: 'app', body: ioctlApp }] });
    expect(result.outcome).toBe('deadlock');
    expect(checks(result)).toEqual(['liveness-irp-pending', 'liveness-thread-waits-forever']);
    expect(result.violations[0]!.message).toBe(
      'IRP 2 (IOCTL 0x222000) still pending at quiescence, held in the queue of \\Device\\Buggy (Buggy, cancel routine set), requested by app/app: every IRP a driver receives must be completed (IO-5.14)',
    );
    expect(result.violations[1]!.message).toContain('thread app/app (tid 2) waits forever in NtDeviceIoControlFile');
    expect(result.violations[1]!.message).toContain('IRP 2 (IOCTL 0x222000) never completed');
    // Without the verifier the run still deadlocks, silently.
    expect(checks(boot({ verifier: 'off', drivers: { Buggy: keeper(true) }, threads: [{ name: 'app', body: ioctlApp }] }).result)).toEqual([]);
  });

  it('liveness-irp-pending: an IRP a completion routine took back (STATUS_MORE_PROCESSING_REQUIRED) and never completed is held by that driver', () => {
    const keepsIt = (lower: () => DeviceRef): DispatchRoutine =>
      function* (k, _d, irp) {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, function* () {
          return STATUS.MORE_PROCESSING_REQUIRED; // and nobody completes it afterwards
        }, null, true, true, true);
        yield* k.IoCallDriver(lower(), irp);
        k.IoMarkIrpPending(irp);
        return STATUS.PENDING;
      };
    const { result } = filtered('enhanced', completesAtOnce, keepsIt);
    expect(checks(result)).toEqual(['liveness-irp-pending', 'liveness-thread-waits-forever']);
    expect(result.violations[0]!.message).toContain('IRP 2 (IOCTL 0x222000) still pending at quiescence, held by Filter, whose completion routine returned STATUS_MORE_PROCESSING_REQUIRED');
  });

  it('liveness-cancel-ignored: an IRP cancelled at thread exit and never completed is reported once the I/O manager gave up on it (5 minutes) and the run is quiescent', () => {
    const { result } = boot({
      verifier: 'enhanced',
      drivers: { Buggy: keeper(true) },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Buggy', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
            const ov = u.scratch(20);
            return yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, 0, ov); // and exits without waiting
          },
        },
      ],
    });
    expect(result.outcome).toBe('completed');
    expect(checks(result)).toEqual(['liveness-cancel-ignored']);
    expect(result.violations[0]!.message).toContain('IRP 2 (IOCTL 0x222000) was cancelled but never completed');
    expect(result.violations[0]!.message).toContain('disassociated after the 5-minute cancel wait');
    expect(result.stats.simTimeNs).toBeGreaterThanOrEqual(300_000_000_000);
  });

  it('liveness-irp-pending is not checked when the run is cut short (here by `until`), nor raised when every IRP was completed', () => {
    const machine = new Machine({ strategy: firstCome() });
    const io = new IoManager(machine, { verifier: 'enhanced' });
    machine.createSystemThread('boot', function* () {
      yield* io.loadDriver('Buggy', keeper(false));
      machine.createThread(machine.createProcess('app'), 'app', (thread) => ioctlApp(new Win32(io, thread)));
    });
    machine.engine.until = () => io.irpCount >= 2;
    const cut = machine.engine.run();
    expect(cut.reason).toBe('the until condition held');
    expect(checks(cut)).toEqual([]);
    const fine = boot({ verifier: 'enhanced', drivers: { Buggy: deviceDriver({ name: 'Buggy', majors: { [IRP_MJ.DEVICE_CONTROL]: pendsThenCompletes } }) }, threads: [{ name: 'app', body: ioctlApp }] });
    expect(fine.result.outcome).toBe('completed');
    expect(checks(fine.result)).toEqual([]);
  });
});

describe('crash analysis', () => {
  it('0x44 reports the IRP\'s history: who sent it where, who marked it pending, whose completion routine ran, who completed it and when, and the threads involved', () => {
    const completesTwice = (lower: () => DeviceRef): DispatchRoutine =>
      function* (k, _d, irp) {
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, function* (k2, _device, irp2) {
          if (irp2.pendingReturned) k2.IoMarkIrpPending(irp2);
          return STATUS.SUCCESS;
        }, null, true, true, true);
        const status = yield* k.IoCallDriver(lower(), irp);
        yield* k.IoCompleteRequest(irp, 0); // the lower driver completed it already
        return status;
      };
    const { result } = filtered('off', completesAtOnce, completesTwice);
    expect(result.bugcheck).toMatchObject({ code: 0x44, driver: 'Filter', params: [IOCTL_IRP, 0, 0, 0] });
    const analysis = result.bugcheck!.analysis as { irp: string; history: { what: string }[]; threads: string[]; stack: unknown[] };
    // The completion walk cleared the stack locations, as on Windows: the major comes from the trace.
    expect(analysis.irp).toBe('IRP 2 (IRP_MJ_DEVICE_CONTROL) at 0x86000200');
    const history = analysis.history.map((h) => h.what);
    expect(history[0]).toMatch(/^allocated for IRP_MJ_DEVICE_CONTROL with 2 stack locations/);
    expect(history.some((h) => /^the I\/O manager called IoCallDriver: location 2 of 2 to \S+ \(Filter\), IRP_MJ_DEVICE_CONTROL$/.test(h))).toBe(true);
    expect(history).toContain('Filter called IoCallDriver: location 1 of 2 to \\Device\\Buggy (Low), IRP_MJ_DEVICE_CONTROL');
    expect(history).toContain('Low completed it (IoCompleteRequest) at location 1 with STATUS_SUCCESS (0x00000000), Information 0');
    expect(history.some((h) => h.startsWith('the completion routine of Filter at location 2 ran'))).toBe(true);
    expect(analysis.threads[0]).toMatch(/^requester app\/app \(tid 2, in NtDeviceIoControlFile\)/);
    expect(analysis.stack).toHaveLength(2);
  });
});
