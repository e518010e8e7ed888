import { Machine, STATUS, firstCome, seededRandom, type Routine, type Strategy } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  ERROR,
  IRP_MJ,
  METHOD,
  IoManager,
  Win32,
  installAdversaries,
  type AdversarySettings,
  type DeviceRef,
  type DispatchRoutine,
  type DriverEntry,
  type Kernel,
  type Mdl,
} from '../src/index.ts';
import { complete, deviceDriver, kernelHarness } from './__helpers__/irpDrivers.ts';

/**
 * The fail-allocations adversary on IoAllocateIrp and IoAllocateMdl (Driver Verifier's Low
 * Resources Simulation fails both since Windows Vista), and the driver-facing MDL DDIs:
 * IoAllocateMdl, MmBuildMdlForNonPagedPool, MmProbeAndLockPages, MmUnlockPages, IoFreeMdl.
 */

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
const IOCTL_LOCK = CTL_CODE(0x22, 0x801, METHOD.NEITHER, 0);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Answers every choice of kind `fault` with 1 (inject), everything else with 0. */
const injecting: Strategy = { name: 'inject', choose: (_n, kind) => (kind === 'fault' ? 1 : 0) };

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

/**
 * A correct driver that serves its IOCTL by sending an IRP of its own (IoAllocateIrp) down to
 * \Device\Stack with a pool buffer described by an MDL on that IRP (IoAllocateMdl +
 * MmBuildMdlForNonPagedPool). Every allocation may fail: it then undoes what it did and
 * completes the request with STATUS_INSUFFICIENT_RESOURCES, as a driver must.
 */
function allocatingDriver(lower: () => DeviceRef, seen: string[]): DispatchRoutine {
  const fail = (k: Kernel, irp: Parameters<DispatchRoutine>[2]) => complete(k, irp, STATUS.INSUFFICIENT_RESOURCES);
  return function* (k, _d, irp) {
    const own = k.IoAllocateIrp(lower().stackSize, false);
    if (own === null) return yield* fail(k, irp);
    const pool = k.ExAllocatePool(16);
    if (pool === 0) {
      k.IoFreeIrp(own);
      return yield* fail(k, irp);
    }
    const mdl = k.IoAllocateMdl(pool, 16, false, false, own);
    if (mdl === null) {
      k.ExFreePool(pool);
      k.IoFreeIrp(own);
      return yield* fail(k, irp);
    }
    k.MmBuildMdlForNonPagedPool(mdl);
    const next = k.IoGetNextIrpStackLocation(own);
    next.majorFunction = IRP_MJ.DEVICE_CONTROL;
    next.parameters.deviceIoControl.ioControlCode = IOCTL;
    const event = k.KeInitializeEvent('notification');
    k.IoSetCompletionRoutine(own, function* (k2) {
      k2.KeSetEvent(event);
      return STATUS.MORE_PROCESSING_REQUIRED; // IO-5.12: the IRP is ours again
    }, null, true, true, true);
    if ((yield* k.IoCallDriver(lower(), own)) === STATUS.PENDING) yield* k.KeWaitForSingleObject(event);
    const status = own.ioStatus.status;
    seen.push(text(k.readMemory(pool, 5)));
    k.IoFreeMdl(mdl);
    k.IoFreeIrp(own);
    k.ExFreePool(pool);
    return yield* complete(k, irp, status);
  };
}

/** \Device\Stack writes "lower" through Irp->MdlAddress's system address; \Device\Alloc sits on its own. */
function drivers(seen: string[]): Record<string, DriverEntry> {
  let stack: DeviceRef | null = null;
  const bottom: DispatchRoutine = function* (k, _d, irp) {
    const mdl = irp.mdlAddress as Mdl | null;
    if (mdl === null) return yield* complete(k, irp, STATUS.INVALID_PARAMETER);
    k.writeMemory(k.MmGetSystemAddressForMdlSafe(mdl), new TextEncoder().encode('lower'));
    return yield* complete(k, irp, STATUS.SUCCESS, 5);
  };
  return {
    Stack: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: bottom }, onDevice: (d) => (stack = d) }),
    Alloc: deviceDriver({ name: 'Alloc', majors: { [IRP_MJ.DEVICE_CONTROL]: allocatingDriver(() => stack!, seen) } }),
  };
}

function* callAlloc(u: Win32): Routine<{ ok: boolean; error: number }> {
  const h = yield* u.CreateFile('\\\\.\\Alloc', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, 0, 0, u.scratch(4));
  return { ok, error: ok ? 0 : u.GetLastError() };
}

describe('fail-allocations: IoAllocateIrp and IoAllocateMdl (docs/verifier.md "Adversaries")', () => {
  it('IO-5.1 without the adversary IoAllocateIrp and IoAllocateMdl allocate, no fault choice is made, and the MDL reaches the lower driver as Irp->MdlAddress', () => {
    const seen: string[] = [];
    const run = bootWith([], injecting, drivers(seen), callAlloc);
    expect(run.results['app']).toEqual({ ok: true, error: 0 });
    expect(seen).toEqual(['lower']);
    expect(run.result.choices).toEqual([]);
    expect(run.result.violations).toEqual([]);
  });

  it('IO-5.1 under the adversary with every fault injected, IoAllocateIrp returns NULL and the correct driver fails the request with STATUS_INSUFFICIENT_RESOURCES', () => {
    const seen: string[] = [];
    const run = bootWith(['fail-allocations'], injecting, drivers(seen), callAlloc);
    expect(run.results['app']).toEqual({ ok: false, error: ERROR.NO_SYSTEM_RESOURCES });
    expect(seen).toEqual([]);
    expect(run.result.bugcheck).toBeNull();
    expect(run.result.violations).toEqual([]);
    const injected = run.events.filter((e) => e.type === 'verifier.adversary');
    expect(injected).toEqual([expect.objectContaining({ mode: 'fail-allocations', irp: null, detail: 'IoAllocateIrp failed (Low Resources Simulation)' })]);
  });

  it('each allocation is its own fault choice: failing only the IoAllocateMdl one (the third) gives NULL from IoAllocateMdl alone', () => {
    let n = 0;
    const third: Strategy = { name: 'third', choose: (_n, kind) => (kind === 'fault' && ++n === 3 ? 1 : 0) };
    const seen: string[] = [];
    const run = bootWith(['fail-allocations'], third, drivers(seen), callAlloc);
    expect(run.results['app']).toEqual({ ok: false, error: ERROR.NO_SYSTEM_RESOURCES });
    expect(run.events.filter((e) => e.type === 'verifier.adversary').map((e) => (e as { detail: string }).detail)).toEqual(['IoAllocateMdl failed (Low Resources Simulation)']);
    expect(run.result.violations).toEqual([]);
  });

  it('no false positive: under random seeds with fail-allocations on, the correct driver either succeeds or fails with ERROR_NO_SYSTEM_RESOURCES and no check fires', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (seed) => {
        const seen: string[] = [];
        const run = bootWith(['fail-allocations'], seededRandom(seed), drivers(seen), callAlloc);
        const app = run.results['app'] as { ok: boolean; error: number };
        expect(run.result.bugcheck).toBeNull();
        expect(run.result.violations).toEqual([]);
        expect(app.ok ? seen : app.error).toEqual(app.ok ? ['lower'] : ERROR.NO_SYSTEM_RESOURCES);
      }),
      { numRuns: 25, seed: 6 },
    );
  });
});

describe('driver-allocated MDLs (IoAllocateMdl, wdm.h)', () => {
  /** Runs `body` in a driver's DriverEntry with the adversaries off. */
  const inKernel = (body: (k: Kernel) => Routine<void>) => bootWith([], firstCome(), { Probe: kernelHarness(body) }, function* () {});

  it('IoAllocateMdl with an IRP: SecondaryBuffer FALSE sets Irp->MdlAddress, TRUE appends to the end of its MDL->Next chain; without an IRP nothing is linked', () => {
    const got: unknown[] = [];
    const run = inKernel(function* (k) {
      const irp = k.IoAllocateIrp(1)!; // never NULL here: no fail-allocations adversary
      const a = k.ExAllocatePool(32);
      const first = k.IoAllocateMdl(a, 8, false, false, irp)!;
      const second = k.IoAllocateMdl(a + 8, 8, true, false, irp)!;
      const third = k.IoAllocateMdl(a + 16, 8, true, false, irp)!;
      const loose = k.IoAllocateMdl(a + 24, 8, false, false, null)!;
      got.push(irp.mdlAddress === first, first.next === second, second.next === third, third.next, loose.next, irp.mdlAddress === loose);
      got.push([first.address - a, first.byteCount, first.frames.length]);
      for (const mdl of [third, second, first, loose]) k.IoFreeMdl(mdl);
      k.IoFreeIrp(irp);
      yield* [];
    });
    expect(run.result.outcome).toBe('completed');
    expect(got).toEqual([true, true, true, null, null, false, [0, 8, 0]]);
  });

  it('IoAllocateMdl returns NULL for a length over 4 GB - PAGE_SIZE (Windows 7 and later)', () => {
    const got: unknown[] = [];
    inKernel(function* (k) {
      got.push(k.IoAllocateMdl(0x1000, 0x1_0000_0000 - 0x1000, false, false, null) !== null, k.IoAllocateMdl(0x1000, 0x1_0000_0000 - 0xfff, false, false, null));
      yield* [];
    });
    expect(got).toEqual([true, null]);
  });

  it('MmBuildMdlForNonPagedPool: the MDL describes every page the pool buffer spans and its system address is the buffer itself', () => {
    const got: unknown[] = [];
    inKernel(function* (k) {
      const pool = k.ExAllocatePool(0x1800);
      const mdl = k.IoAllocateMdl(pool + 0x10, 0x1700, false, false, null)!;
      k.MmBuildMdlForNonPagedPool(mdl);
      const pages = Math.floor((pool + 0x10 + 0x1700 - 1) / 0x1000) - Math.floor((pool + 0x10) / 0x1000) + 1;
      got.push(mdl.frames.length === pages, k.MmGetSystemAddressForMdlSafe(mdl) === pool + 0x10);
      k.IoFreeMdl(mdl);
      yield* [];
    });
    expect(got).toEqual([true, true]);
  });

  /** A METHOD_NEITHER IOCTL whose driver locks the caller's output buffer with its own MDL. */
  function locker(seen: unknown[]): Record<string, DriverEntry> {
    const control: DispatchRoutine = function* (k, _d, irp) {
      const p = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl;
      const mdl = k.IoAllocateMdl(irp.userBuffer, p.outputBufferLength, false, false, null);
      if (mdl === null) return yield* complete(k, irp, STATUS.INSUFFICIENT_RESOURCES);
      try {
        k.MmProbeAndLockPages(mdl, irp.requestorMode, 'IoWriteAccess');
      } catch (error) {
        const code = k.GetExceptionCode(error);
        seen.push(code);
        k.IoFreeMdl(mdl);
        return yield* complete(k, irp, code);
      }
      // In the requester's context the locked pages are the caller's: write through system space.
      k.writeMemory(k.MmGetSystemAddressForMdlSafe(mdl), new TextEncoder().encode('locked'));
      k.MmUnlockPages(mdl);
      seen.push(mdl.frames.length);
      k.IoFreeMdl(mdl);
      return yield* complete(k, irp, STATUS.SUCCESS, 6);
    };
    return { Locker: deviceDriver({ name: 'Locker', majors: { [IRP_MJ.DEVICE_CONTROL]: control } }) };
  }

  function* lockApp(u: Win32, bad: boolean): Routine<{ ok: boolean; error: number; data: string }> {
    const h = yield* u.CreateFile('\\\\.\\Locker', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
    const out = bad ? 0x10 : u.scratch(16);
    const ok = yield* u.DeviceIoControl(h, IOCTL_LOCK, 0, 0, out, 16, u.scratch(4));
    return { ok, error: ok ? 0 : u.GetLastError(), data: ok ? text(u.read(out, 6)) : '' };
  }

  it('MmProbeAndLockPages locks the caller\'s buffer in its own context (written through the system address, seen by the caller); MmUnlockPages releases the frames', () => {
    const seen: unknown[] = [];
    const run = bootWith([], firstCome(), locker(seen), (u) => lockApp(u, false));
    expect(run.results['app']).toEqual({ ok: true, error: 0, data: 'locked' });
    expect(seen).toEqual([0]);
    expect(run.result.violations).toEqual([]);
  });

  it('MmProbeAndLockPages raises STATUS_ACCESS_VIOLATION for a bad user range, caught as __except would', () => {
    const seen: unknown[] = [];
    const run = bootWith([], firstCome(), locker(seen), (u) => lockApp(u, true));
    expect(seen).toEqual([STATUS.ACCESS_VIOLATION]);
    expect(run.results['app']).toMatchObject({ ok: false, error: ERROR.NOACCESS });
    expect(run.result.bugcheck).toBeNull();
  });

  it('under fail-allocations, MmProbeAndLockPages raises STATUS_INSUFFICIENT_RESOURCES when its fault choice fails it (Low Resources Simulation)', () => {
    let n = 0;
    const second: Strategy = { name: 'second', choose: (_n, kind) => (kind === 'fault' && ++n === 2 ? 1 : 0) };
    const seen: unknown[] = [];
    const run = bootWith(['fail-allocations'], second, locker(seen), (u) => lockApp(u, false));
    expect(seen).toEqual([STATUS.INSUFFICIENT_RESOURCES]);
    expect(run.results['app']).toMatchObject({ ok: false, error: ERROR.NO_SYSTEM_RESOURCES });
    expect(run.result.violations).toEqual([]);
  });
});
