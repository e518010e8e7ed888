import { Machine, STATUS, firstCome, seededRandom, type NtStatus, type Routine, type Strategy, type TraceEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  FILE_FLAG_OVERLAPPED,
  IRP_MJ,
  METHOD,
  IoManager,
  Win32,
  ADVERSARY_MODES,
  adversariesFromMask,
  adversaryMask,
  installAdversaries,
  resolveAdversaries,
  type AdversarySettings,
  type CancelRoutine,
  type CompletionRoutine,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
  type IrpRef,
} from '../src/index.ts';
import { complete, deviceDriver, kernelHarness } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);

/** Answers every adversary choice of kind `fault` with 1 (inject), everything else with 0. */
const injecting: Strategy = { name: 'inject', choose: (_n, kind) => (kind === 'fault' ? 1 : 0) };

/** Boots like the shared harness, with the adversary modes switched on before anything runs. */
function bootWith(adversaries: AdversarySettings, strategy: Strategy, drivers: Record<string, DriverEntry>, app: (u: Win32) => Routine<unknown>) {
  const machine = new Machine({ strategy });
  machine.trace.record();
  const io = new IoManager(machine);
  installAdversaries(io, adversaries);
  const results: Record<string, unknown> = {};
  machine.createSystemThread('boot', function* () {
    for (const [name, entry] of Object.entries(drivers)) yield* io.loadDriver(name, entry);
    machine.createThread(machine.createProcess('app'), 'main', function* (thread) {
      results['app'] = yield* app(new Win32(io, thread));
    });
  });
  const result = machine.engine.run();
  return { machine, io, result, results, events: machine.trace.events };
}

/** A sync DeviceIoControl on \\.\Stack with an 8-byte output. */
function* ioctlApp(u: Win32): Routine<{ ok: boolean; count: number }> {
  const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  const count = u.scratch(4);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, u.scratch(8), 8, count);
  return { ok, count: u.readU32(count) };
}

/** C (\Device\Stack) completes at once with 8 bytes; A (attached above) dispatches with `top`. */
function twoDeep(top: (lower: () => DeviceRef) => DispatchRoutine): Record<string, DriverEntry> {
  let c: DeviceRef | null = null;
  let below: DeviceRef | null = null;
  const bottom: DispatchRoutine = function* (k, _d, irp) {
    return yield* complete(k, irp, STATUS.SUCCESS, 8);
  };
  return {
    C: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: bottom }, onDevice: (d) => (c = d) }),
    A: deviceDriver({ name: null, attachTo: () => c!, majors: { [IRP_MJ.DEVICE_CONTROL]: top(() => below!) }, onDevice: (_d, lower) => (below = lower) }),
  };
}

/** "Forward and wait" (IO-5.12): a completion routine that signals and takes the IRP back; `waits` false is the bug. */
function forwardAndWait(waits: boolean, seen: { returned?: NtStatus; pendingReturned?: boolean }) {
  return (lower: () => DeviceRef): DispatchRoutine =>
    function* (k, _d, irp) {
      const event = k.KeInitializeEvent('notification');
      const routine: CompletionRoutine = function* (k2, _device, irp2) {
        seen.pendingReturned = irp2.pendingReturned;
        k2.KeSetEvent(event);
        return STATUS.MORE_PROCESSING_REQUIRED;
      };
      k.IoCopyCurrentIrpStackLocationToNext(irp);
      k.IoSetCompletionRoutine(irp, routine, null, true, true, true);
      const status = yield* k.IoCallDriver(lower(), irp);
      seen.returned = status;
      if (waits && status === STATUS.PENDING) yield* k.KeWaitForSingleObject(event);
      const final = irp.ioStatus.status;
      yield* k.IoCompleteRequest(irp, 0);
      return final;
    };
}

describe('adversary modes (docs/verifier.md "Adversaries", part E 20)', () => {
  it('resolveAdversaries: true and all are every mode, false none, a list keeps the known modes in order', () => {
    expect(resolveAdversaries(true)).toEqual(['force-pending', 'inject-cancel', 'fail-allocations', 'end-threads', 'close-handles']);
    expect(resolveAdversaries('all')).toEqual(resolveAdversaries(true));
    expect(resolveAdversaries(false)).toEqual([]);
    expect(resolveAdversaries(['close-handles', 'force-pending'])).toEqual(['force-pending', 'close-handles']);
  });

  it('adversaryMask and adversariesFromMask round-trip every subset of the modes (schedule tokens)', () => {
    for (let mask = 0; mask < 1 << ADVERSARY_MODES.length; mask++) {
      expect(adversaryMask(adversariesFromMask(mask))).toBe(mask);
    }
    expect(adversaryMask([])).toBe(0);
  });

  it('adversary force-pending — IoCallDriver to a lower driver that completed at once returns STATUS_PENDING, and the completion routine sees PendingReturned (IO-5.13)', () => {
    const seen: { returned?: NtStatus; pendingReturned?: boolean } = {};
    const run = bootWith(['force-pending'], injecting, twoDeep(forwardAndWait(true, seen)), ioctlApp);
    expect(seen).toEqual({ returned: STATUS.PENDING, pendingReturned: true });
    expect(run.results['app']).toEqual({ ok: true, count: 8 });
    expect(run.result.violations).toEqual([]);
    expect(run.result.bugcheck).toBeNull();
    expect(run.events.filter((e) => e.type === 'verifier.adversary').map((e) => e.type === 'verifier.adversary' && e.mode)).toEqual(['force-pending']);
  });

  it('adversary force-pending — option 0 passes the call through (first-come injects nothing)', () => {
    const seen: { returned?: NtStatus; pendingReturned?: boolean } = {};
    const run = bootWith(['force-pending'], firstCome(), twoDeep(forwardAndWait(true, seen)), ioctlApp);
    expect(seen).toEqual({ returned: STATUS.SUCCESS, pendingReturned: false });
    expect(run.events.some((e) => e.type === 'verifier.adversary')).toBe(false);
    expect(run.result.choices.length).toBeGreaterThan(0);
  });

  it('force-pending reveals a driver that does not wait when IoCallDriver returns STATUS_PENDING: 0xC9/0x209 (IO-5.15)', () => {
    const clean = bootWith(['force-pending'], firstCome(), twoDeep(forwardAndWait(false, {})), ioctlApp);
    expect(clean.result.bugcheck).toBeNull();
    const forced = bootWith(['force-pending'], injecting, twoDeep(forwardAndWait(false, {})), ioctlApp);
    expect(forced.result.bugcheck?.code).toBe(0xc9);
    expect(forced.result.bugcheck?.params[0]).toBe(0x209);
    expect(forced.result.bugcheck?.driver).toBe('A');
  });

  it('adversary force-pending — skip-forwarding through two filters, the walk resumes past every location and the request completes', () => {
    let c: DeviceRef | null = null;
    const belows: (DeviceRef | null)[] = [null, null];
    const skip = (i: number): DispatchRoutine =>
      function* (k, _d, irp) {
        k.IoSkipCurrentIrpStackLocation(irp);
        return yield* k.IoCallDriver(belows[i]!, irp);
      };
    const bottom: DispatchRoutine = function* (k, _d, irp) {
      return yield* complete(k, irp, STATUS.SUCCESS, 8);
    };
    const drivers = {
      C: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: bottom }, onDevice: (d) => (c = d) }),
      B: deviceDriver({ name: null, attachTo: () => c!, majors: { [IRP_MJ.DEVICE_CONTROL]: skip(0) }, onDevice: (_d, lower) => (belows[0] = lower) }),
      A: deviceDriver({ name: null, attachTo: () => c!, majors: { [IRP_MJ.DEVICE_CONTROL]: skip(1) }, onDevice: (_d, lower) => (belows[1] = lower) }),
    };
    const run = bootWith(['force-pending'], injecting, drivers, ioctlApp);
    expect(run.results['app']).toEqual({ ok: true, count: 8 });
    expect(run.result.violations).toEqual([]);
    expect(run.result.outcome).toBe('completed');
  });

  it('adversary fail-allocations — ExAllocatePool returns 0 and IoBuildDeviceIoControlRequest NULL when the fault choice picks 1 (Low Resources Simulation)', () => {
    const got: unknown[] = [];
    const probe = (strategy: Strategy) => {
      got.length = 0;
      const drivers = {
        Stack: deviceDriver({ name: 'Stack' }),
        Probe: kernelHarness(function* (k) {
          got.push(k.ExAllocatePool(64) !== 0);
          const { device } = (yield* k.IoGetDeviceObjectPointer('\\Device\\Stack', 0x1f01ff));
          got.push(k.IoBuildDeviceIoControlRequest(IOCTL, device!, 0, 0, 0, 0, false, k.KeInitializeEvent('notification'), k.ExAllocatePool(8)) !== null);
        }),
      };
      bootWith(['fail-allocations'], strategy, drivers, function* () {});
      return [...got];
    };
    expect(probe(firstCome())).toEqual([true, true]);
    expect(probe(injecting)).toEqual([false, false]);
  });

  it('adversaries are off by default: no adversary choice is made', () => {
    const seen: { returned?: NtStatus; pendingReturned?: boolean } = {};
    const run = bootWith([], injecting, twoDeep(forwardAndWait(true, seen)), ioctlApp);
    expect(seen.returned).toBe(STATUS.SUCCESS);
    expect(run.result.choices).toEqual([]);
  });

  describe('end-threads, inject-cancel, close-handles act on a pending user request', () => {
    const HOLD = CTL_CODE(0x22, 0x801, METHOD.BUFFERED, 0);
    const RELEASE = CTL_CODE(0x22, 0x802, METHOD.BUFFERED, 0);
    /** Holds the HOLD IRP until RELEASE; `cancelable` gives it a cancel routine, and CLEANUP completes it. */
    function holder(cancelable: boolean): DriverEntry {
      let held: IrpRef | null = null;
      const cancel: CancelRoutine = function* (k, _device, irp) {
        yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
        held = null;
        yield* complete(k, irp, STATUS.CANCELLED, 0);
      };
      const take = (k: Parameters<DispatchRoutine>[0]): IrpRef | null => {
        const irp = held;
        if (irp === null || (cancelable && k.IoSetCancelRoutine(irp, null) === null)) return null;
        held = null;
        return irp;
      };
      const control: DispatchRoutine = function* (k, _d, irp) {
        if (k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode === HOLD) {
          k.IoMarkIrpPending(irp);
          held = irp;
          if (cancelable) k.IoSetCancelRoutine(irp, cancel);
          return STATUS.PENDING;
        }
        const before = take(k);
        if (before !== null) yield* complete(k, before, STATUS.SUCCESS, 0);
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      };
      const cleanup: DispatchRoutine = function* (k, _d, irp) {
        const before = cancelable ? take(k) : null;
        if (before !== null) yield* complete(k, before, STATUS.CANCELLED, 0);
        return yield* complete(k, irp, STATUS.SUCCESS, 0);
      };
      return deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: control, [IRP_MJ.CLEANUP]: cleanup } });
    }
    /** An overlapped HOLD, a pause (a UserMode wait), then RELEASE and the wait for HOLD. */
    function* holdApp(u: Win32): Routine<void> {
      const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
      const ov = u.scratch(20);
      const event = yield* u.CreateEvent(true, false);
      u.writeU32(ov + 16, event);
      yield* u.DeviceIoControl(h, HOLD, 0, 0, 0, 0, u.scratch(4), ov);
      yield* u.Sleep(1);
      const ov2 = u.scratch(20);
      u.writeU32(ov2 + 16, yield* u.CreateEvent(true, false));
      yield* u.DeviceIoControl(h, RELEASE, 0, 0, 0, 0, u.scratch(4), ov2);
      yield* u.WaitForSingleObject(event, 0xffffffff);
    }
    /** Random scheduling, but the disruption choice always picks the one mode switched on, at once. */
    const disrupting = (seed: number): Strategy => {
      const inner = seededRandom(seed);
      return { name: 'disrupt', choose: (n, kind, options) => (kind === 'cancel' ? 1 : kind === 'latency' ? 0 : inner.choose(n, kind, options)) };
    };
    const modesOf = (events: readonly TraceEvent[]) => events.flatMap((e) => (e.type === 'verifier.adversary' ? [e.mode] : []));

    it('IO-6.5 end-threads on a driver that holds an IRP without a cancel routine: liveness-cancel-ignored', () => {
      expect(bootWith([], disrupting(1), { Hold: holder(false) }, holdApp).result.violations).toEqual([]);
      const run = bootWith(['end-threads'], disrupting(1), { Hold: holder(false) }, holdApp);
      expect(modesOf(run.events)).toContain('end-threads');
      expect(run.result.violations.map((v) => v.check)).toContain('liveness-cancel-ignored');
    });

    it('an application left hanging after a disruption is ended (TerminateProcess); a hang with no disruption is still reported', () => {
      function* hangs(u: Win32): Routine<void> {
        yield* holdApp(u);
        yield* u.WaitForSingleObject(yield* u.CreateEvent(true, false), 0xffffffff); // nobody sets it
      }
      const plain = bootWith(['inject-cancel'], firstCome(), { Hold: holder(true) }, hangs);
      expect(plain.result.violations.map((v) => v.check)).toEqual(['liveness-thread-waits-forever']);
      const disrupted = bootWith(['inject-cancel'], disrupting(1), { Hold: holder(true) }, hangs);
      expect(modesOf(disrupted.events).at(-1)).toBe('end-threads');
      expect(new Set(modesOf(disrupted.events))).toEqual(new Set(['inject-cancel', 'end-threads']));
      expect(disrupted.result.violations).toEqual([]);
      expect(disrupted.machine.processes.find((p) => p.name === 'app')?.exitStatus).toBe(1);
    });

    it('IO-6.5 end-threads, inject-cancel and close-handles on a driver with a cancel routine and a CLEANUP that completes: clean', () => {
      for (const mode of ['end-threads', 'inject-cancel', 'close-handles'] as const) {
        for (const seed of [1, 2, 3]) {
          const run = bootWith([mode], disrupting(seed), { Hold: holder(true) }, holdApp);
          expect(modesOf(run.events)).toContain(mode);
          expect({ mode, seed, violations: run.result.violations.map((v) => v.check), bugcheck: run.result.bugcheck }).toEqual({ mode, seed, violations: [], bugcheck: null });
        }
      }
    });
  });
});
