import { IRQL, STATUS, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  ERROR,
  IRP_ALLOCATION,
  IRP_MJ,
  METHOD,
  SL,
  type CompletionRoutine,
  type DeviceRef,
  type DispatchRoutine,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness, passThrough, threeDeep, type Stack } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);


function* ioctlApp(u: Win32): Routine<{ ok: boolean; error: number }> {
  const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  u.SetLastError(0);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, 0, 0, u.scratch(4));
  return { ok, error: u.GetLastError() };
}

const forward = (lower: () => DeviceRef, how: 'copy' | 'skip', routine?: CompletionRoutine): DispatchRoutine =>
  function* (k, _d, irp) {
    if (how === 'copy') k.IoCopyCurrentIrpStackLocationToNext(irp);
    else k.IoSkipCurrentIrpStackLocation(irp);
    if (routine !== undefined) k.IoSetCompletionRoutine(irp, routine, null, true, true, true);
    return yield* k.IoCallDriver(lower(), irp);
  };

const completeOk: DispatchRoutine = function* (k, _d, irp) {
  return yield* complete(k, irp, STATUS.SUCCESS);
};

describe('stack locations and device stacks (io-semantics.md §5a)', () => {
  it('IO-5.1 a user request to PDO(1) ← FDO(2) ← Filter(3) gets an IRP with StackCount 3', () => {
    const s: Partial<Stack> = {};
    const counts: number[] = [];
    const { result, results } = boot({
      drivers: threeDeep(
        {
          a: passThrough(() => s.belowA!),
          b: passThrough(() => s.belowB!),
          *c(k, _d, irp) {
            counts.push(irp.stackCount);
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ ok: true, error: 0 });
    expect([s.c!.stackSize, s.b!.stackSize, s.a!.stackSize]).toEqual([1, 2, 3]);
    expect(counts).toEqual([3]);
  });

  it('each driver is handed one reference to an IRP, the same in its dispatch and its completion routine and not another driver\'s (IoManager.irpRef)', () => {
    const s: Partial<Stack> = {};
    const seen: Record<'a' | 'b' | 'c', unknown[]> = { a: [], b: [], c: [] };
    const noted = (who: 'a' | 'b'): CompletionRoutine => (_k, _d, irp) => {
      seen[who].push(irp);
      return STATUS.SUCCESS;
    };
    const forwardNoting = (who: 'a' | 'b', lower: () => DeviceRef): DispatchRoutine =>
      function* (k, _d, irp) {
        seen[who].push(irp);
        k.IoCopyCurrentIrpStackLocationToNext(irp);
        k.IoSetCompletionRoutine(irp, noted(who), null, true, true, true);
        return yield* k.IoCallDriver(lower(), irp);
      };
    const { result, results } = boot({
      drivers: threeDeep(
        {
          a: forwardNoting('a', () => s.belowA!),
          b: forwardNoting('b', () => s.belowB!),
          *c(k, _d, irp) {
            seen.c.push(irp);
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ ok: true, error: 0 });
    expect(seen.a).toHaveLength(2);
    expect(seen.b).toHaveLength(2);
    expect(seen.a[1]).toBe(seen.a[0]);
    expect(seen.b[1]).toBe(seen.b[0]);
    expect(new Set([seen.a[0], seen.b[0], seen.c[0]]).size).toBe(3);
  });

  it('IO-5.1 IoAttachDeviceToDeviceStack attaches above the current top and returns it; IoDetachDevice clears only AttachedDevice; IoAllocateIrp / IoReuseIrp geometry', () => {
    const s: Partial<Stack> = {};
    const seen: Record<string, unknown> = {};
    const { result } = boot({
      drivers: {
        ...threeDeep({ a: completeOk, b: completeOk, c: completeOk }, s),
        Harness: kernelHarness(function* (k) {
          // A was attached to C (T) while B (F) sat on top of it: it got B back.
          seen['returned'] = s.belowA!.id === s.b!.id;
          seen['sizes'] = [s.b!.stackSize, s.a!.stackSize];
          k.IoDetachDevice(s.b!);
          seen['afterDetach'] = [s.b!.attachedDevice, s.a!.stackSize, s.c!.attachedDevice?.id === s.b!.id];
          const irp = k.IoAllocateIrp(1, false)!; // never NULL here: no fail-allocations adversary
          seen['allocated'] = [irp.stackCount, irp.currentLocation, irp.allocationFlags];
          k.IoGetNextIrpStackLocation(irp).majorFunction = IRP_MJ.DEVICE_CONTROL;
          k.IoReuseIrp(irp, STATUS.NOT_SUPPORTED);
          seen['reused'] = [irp.currentLocation, irp.allocationFlags, irp.ioStatus.status, k.IoGetNextIrpStackLocation(irp).majorFunction];
          k.IoFreeIrp(irp);
          const quota = k.IoAllocateIrp(2, true)!; // never NULL here: no fail-allocations adversary
          seen['quota'] = [quota.currentLocation, quota.allocationFlags];
          k.IoFreeIrp(quota);
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual({
      returned: true,
      sizes: [2, 3],
      afterDetach: [null, 3, true],
      allocated: [1, 2, IRP_ALLOCATION.ALLOCATED_FIXED_SIZE],
      reused: [2, IRP_ALLOCATION.ALLOCATED_FIXED_SIZE, STATUS.NOT_SUPPORTED, 0],
      quota: [3, IRP_ALLOCATION.QUOTA_CHARGED],
    });
  });

  it('IO-5.2 StackCount 2 and three drivers copying down: bug check 0x35 on the third IoCallDriver, after the out-of-range copy is flagged', () => {
    const s: { top?: DeviceRef; lower?: DeviceRef; third?: DeviceRef } = {};
    const { result } = boot({
      drivers: {
        Third: deviceDriver({ name: 'Third', majors: { [IRP_MJ.DEVICE_CONTROL]: completeOk }, onDevice: (d) => (s.third = d) }),
        Lower: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: forward(() => s.third!, 'copy') }, onDevice: (d) => (s.lower = d) }),
        Top: deviceDriver({ name: null, attachTo: () => s.lower!, majors: { [IRP_MJ.DEVICE_CONTROL]: forward(() => s.lower!, 'copy') } }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x35, name: 'NO_MORE_IRP_STACK_LOCATIONS', driver: 'Lower' });
    const irpAddress = result.bugcheck!.params[0];
    expect(result.bugcheck!.params).toEqual([irpAddress, 0, 0, 0]);
    expect(result.violations.map((v) => v.check)).toEqual(['irp-no-next-location']);
  });

  it('IO-5.2 the same stack with the middle driver skipping: no bug check, the third driver runs on the second driver\'s location', () => {
    const s: { top?: DeviceRef; lower?: DeviceRef; third?: DeviceRef } = {};
    const locations: [number, number | undefined][] = [];
    const { result, results } = boot({
      drivers: {
        Third: deviceDriver({
          name: 'Third',
          majors: {
            *[IRP_MJ.DEVICE_CONTROL](k, device, irp) {
              locations.push([irp.currentLocation, k.IoGetCurrentIrpStackLocation(irp).deviceObject?.id]);
              expect(k.IoGetCurrentIrpStackLocation(irp).deviceObject?.id).toBe(device.id);
              return yield* complete(k, irp, STATUS.SUCCESS);
            },
          },
          onDevice: (d) => (s.third = d),
        }),
        Lower: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: forward(() => s.third!, 'skip') }, onDevice: (d) => (s.lower = d) }),
        Top: deviceDriver({ name: null, attachTo: () => s.lower!, majors: { [IRP_MJ.DEVICE_CONTROL]: forward(() => s.lower!, 'copy') } }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ ok: true, error: 0 });
    expect(locations).toEqual([[1, s.third!.id]]);
  });

  it('IO-5.2 IoCallDriver returns the dispatch routine\'s value unchanged, whatever IoStatus.Status says', () => {
    const s: Partial<Stack> = {};
    const returned: NtStatus[] = [];
    boot({
      verifier: 'off',
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            k.IoSkipCurrentIrpStackLocation(irp);
            const status = yield* k.IoCallDriver(s.belowA!, irp);
            returned.push(status);
            return status;
          },
          b: passThrough(() => s.belowB!),
          *c(k, _d, irp) {
            yield* complete(k, irp, STATUS.SUCCESS);
            return 0x12345678;
          },
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(returned).toEqual([0x12345678]);
  });

  it('IO-5.3 the current location is the one IoCallDriver gave this driver (its device, the major the caller set); the next is the one below', () => {
    const s: Partial<Stack> = {};
    const seen: unknown[] = [];
    boot({
      drivers: threeDeep(
        {
          *a(k, device, irp) {
            const current = k.IoGetCurrentIrpStackLocation(irp);
            seen.push(['A', current.deviceObject?.id === device.id, current.majorFunction, irp.currentLocation]);
            k.IoCopyCurrentIrpStackLocationToNext(irp);
            k.IoGetNextIrpStackLocation(irp).majorFunction = IRP_MJ.INTERNAL_DEVICE_CONTROL;
            return yield* k.IoCallDriver(s.belowA!, irp);
          },
          b: completeOk,
          c: completeOk,
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    // B has no INTERNAL_DEVICE_CONTROL routine, so record what it received through its default.
    expect(seen).toEqual([['A', true, IRP_MJ.DEVICE_CONTROL, 3]]);
  });

  it('IO-5.3 a lower driver sees the major function its caller wrote in the next location', () => {
    const seen: [number, boolean, number][] = [];
    const look: DispatchRoutine = function* (k, device, irp) {
      const current = k.IoGetCurrentIrpStackLocation(irp);
      seen.push([current.majorFunction, current.deviceObject?.id === device.id, irp.currentLocation]);
      return yield* complete(k, irp, STATUS.SUCCESS);
    };
    const t: Partial<Stack> = {};
    const drivers = threeDeep(
      {
        *a(k, _d, irp) {
          k.IoCopyCurrentIrpStackLocationToNext(irp);
          k.IoGetNextIrpStackLocation(irp).majorFunction = IRP_MJ.INTERNAL_DEVICE_CONTROL;
          return yield* k.IoCallDriver(t.belowA!, irp);
        },
        b: completeOk,
        c: completeOk,
      },
      t,
    );
    const b = drivers['B']!;
    drivers['B'] = function* (k, driver, path) {
      const status = yield* b(k, driver, path);
      driver.MajorFunction[IRP_MJ.INTERNAL_DEVICE_CONTROL] = look;
      return status;
    };
    boot({ drivers, threads: [{ name: 'app', body: ioctlApp }] });
    expect(seen).toEqual([[IRP_MJ.INTERNAL_DEVICE_CONTROL, true, 2]]);
  });

  it('IO-5.4 skip hands the lower driver the same location: the routine A set there runs (with A\'s device); B skipping and setting Rb replaces it', () => {
    const run = (bSetsRoutine: boolean) => {
      const s: Partial<Stack> = {};
      const calls: [string, number | null][] = [];
      const ra: CompletionRoutine = function* (_k, device) {
        calls.push(['Ra', device?.id ?? null]);
        return STATUS.SUCCESS;
      };
      const rb: CompletionRoutine = function* (k, device) {
        calls.push([`Rb of ${k.driverName}`, device?.id ?? null]);
        return STATUS.SUCCESS;
      };
      boot({
        drivers: threeDeep({ a: forward(() => s.belowA!, 'copy', ra), b: forward(() => s.belowB!, 'skip', bSetsRoutine ? rb : undefined), c: completeOk }, s),
        threads: [{ name: 'app', body: ioctlApp }],
      });
      return { calls, s };
    };
    const plain = run(false);
    expect(plain.calls).toEqual([['Ra', plain.s.a!.id]]);
    // Rb sits in B's own location, so its DeviceObject argument is the device above it, A's.
    const overwritten = run(true);
    expect(overwritten.calls).toEqual([['Rb of B', overwritten.s.a!.id]]);
  });

  it('IO-5.5 IoCopyCurrentIrpStackLocationToNext copies everything before CompletionRoutine and zeroes Control: no pending bit, no routine inherited', () => {
    const s: Partial<Stack> = {};
    const ra: CompletionRoutine = function* () {
      return STATUS.SUCCESS;
    };
    const seen: Record<string, unknown> = {};
    boot({
      drivers: threeDeep(
        {
          a: forward(() => s.belowA!, 'copy', ra),
          *b(k, _d, irp) {
            k.IoMarkIrpPending(irp);
            const mine = k.IoGetCurrentIrpStackLocation(irp);
            mine.flags = 0x0a;
            seen['b'] = [mine.control, mine._sl.completionRoutine === ra];
            k.IoCopyCurrentIrpStackLocationToNext(irp);
            yield* k.IoCallDriver(s.belowB!, irp);
            return STATUS.PENDING;
          },
          *c(k, _d, irp) {
            const sl = k.IoGetCurrentIrpStackLocation(irp);
            seen['c'] = {
              control: sl.control,
              routine: sl._sl.completionRoutine,
              major: sl.majorFunction,
              flags: sl.flags,
              code: sl.parameters.deviceIoControl.ioControlCode,
              file: sl.fileObjectId !== null,
            };
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(seen['b']).toEqual([SL.PENDING_RETURNED | SL.INVOKE_ON_SUCCESS | SL.INVOKE_ON_ERROR | SL.INVOKE_ON_CANCEL, true]);
    expect(seen['c']).toEqual({ control: 0, routine: null, major: IRP_MJ.DEVICE_CONTROL, flags: 0x0a, code: IOCTL, file: true });
  });

  it('IO-5.6 IoSetCompletionRoutine writes the next location\'s Control from the three flags, overwriting it', () => {
    const s: Partial<Stack> = {};
    const controls: number[] = [];
    const r: CompletionRoutine = function* () {
      return STATUS.SUCCESS;
    };
    boot({
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            k.IoCopyCurrentIrpStackLocationToNext(irp);
            const next = k.IoGetNextIrpStackLocation(irp);
            for (const [success, error, cancel] of [[true, false, false], [false, true, false], [false, false, true], [true, true, true], [true, false, false]] as const) {
              k.IoSetCompletionRoutine(irp, r, 'ctx', success, error, cancel);
              controls.push(next.control);
            }
            return yield* k.IoCallDriver(s.belowA!, irp);
          },
          b: completeOk,
          c: completeOk,
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(controls).toEqual([0x40, 0x80, 0x20, 0xe0, 0x40]);
  });

  it('IO-5.7 a major function the driver leaves unset completes with STATUS_INVALID_DEVICE_REQUEST → ERROR_INVALID_FUNCTION', () => {
    const { results, events } = boot({
      drivers: { Plain: deviceDriver({ name: 'Plain' }) },
      threads: [
        {
          name: 'app',
          *body(u) {
            const h = yield* u.CreateFile('\\\\.\\Plain', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
            const data = u.scratch(4);
            const written = yield* u.WriteFile(h, data, 4, u.scratch(4));
            const writeError = u.GetLastError();
            u.SetLastError(0);
            const ioctl = yield* u.DeviceIoControl(h, IOCTL, 0, 0, 0, 0, u.scratch(4));
            return { written, writeError, ioctl, ioctlError: u.GetLastError() };
          },
        },
      ],
    });
    expect(results['app']).toEqual({ written: false, writeError: ERROR.INVALID_FUNCTION, ioctl: false, ioctlError: ERROR.INVALID_FUNCTION });
    const completions = events.filter((e) => e.type === 'io.irp.complete' && e.status === STATUS.INVALID_DEVICE_REQUEST);
    expect(completions.map((e) => (e.type === 'io.irp.complete' ? [e.information, e.boost] : null))).toEqual([[0, 0], [0, 0]]);
  });

  it('IO-5.8 a request to a named device goes to the top of its stack: the filter sees CREATE and the IOCTL first', () => {
    const s: { named?: DeviceRef; filter?: DeviceRef; below?: DeviceRef } = {};
    const order: string[] = [];
    const log = (who: string, then: DispatchRoutine): DispatchRoutine =>
      function* (k, device, irp) {
        order.push(`${who} ${k.IoGetCurrentIrpStackLocation(irp).majorFunction}`);
        return yield* then(k, device, irp);
      };
    const down = passThrough(() => s.below!);
    const { results } = boot({
      drivers: {
        Named: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.CREATE]: log('named', completeOk), [IRP_MJ.DEVICE_CONTROL]: log('named', completeOk) }, onDevice: (d) => (s.named = d) }),
        Filter: deviceDriver({
          name: null,
          attachTo: () => s.named!,
          majors: { [IRP_MJ.CREATE]: log('filter', down), [IRP_MJ.DEVICE_CONTROL]: log('filter', down), [IRP_MJ.CLEANUP]: down, [IRP_MJ.CLOSE]: down },
          onDevice: (d, lower) => ((s.filter = d), (s.below = lower!)),
        }),
        Harness: kernelHarness(function* (k) {
          order.push(`top is filter: ${k.IoGetAttachedDeviceReference(s.named!).id === s.filter!.id}`);
        }),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(results['app']).toEqual({ ok: true, error: 0 });
    expect(order).toEqual(['top is filter: true', 'filter 0', 'named 0', 'filter 14', 'named 14']);
  });

  it('IO-5.8 IoGetDeviceObjectPointer opens the named device at the top of its stack (CREATE, CLEANUP), returns that top as the related device, and CLOSE comes with the last dereference', () => {
    const s: { named?: DeviceRef; below?: DeviceRef } = {};
    const order: string[] = [];
    const log = (who: string): DispatchRoutine =>
      function* (k, _device, irp) {
        const sl = k.IoGetCurrentIrpStackLocation(irp);
        order.push(`${who} ${sl.majorFunction} ${irp.requestorMode}`);
        if (who === 'filter') {
          k.IoSkipCurrentIrpStackLocation(irp);
          return yield* k.IoCallDriver(s.below!, irp);
        }
        return yield* complete(k, irp, STATUS.SUCCESS);
      };
    const majors = (who: string) => Object.fromEntries([IRP_MJ.CREATE, IRP_MJ.CLEANUP, IRP_MJ.CLOSE, IRP_MJ.INTERNAL_DEVICE_CONTROL].map((m) => [m, log(who)]));
    const { result } = boot({
      drivers: {
        Named: deviceDriver({ name: 'Stack', majors: majors('named'), onDevice: (d) => (s.named = d) }),
        Filter: deviceDriver({ name: null, attachTo: () => s.named!, majors: majors('filter'), onDevice: (_d, lower) => (s.below = lower!) }),
        Client: kernelHarness(function* (k) {
          const { status, fileObject, device } = yield* k.IoGetDeviceObjectPointer('\\Device\\Stack', 0x120089);
          order.push(`opened ${status} top ${device?.id === k.IoGetAttachedDeviceReference(s.named!).id} named ${fileObject?.deviceObject.id === s.named!.id}`);
          const irp = k.IoBuildDeviceIoControlRequest(IOCTL, device!, 0, 0, 0, 0, true, k.KeInitializeEvent('notification'), k.ExAllocatePool(8))!;
          k.IoGetNextIrpStackLocation(irp).fileObject = fileObject;
          yield* k.IoCallDriver(device!, irp);
          order.push('dereference');
          yield* k.ObDereferenceObject(fileObject);
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('completed');
    expect(order).toEqual([
      'filter 0 KernelMode',
      'named 0 KernelMode',
      'filter 18 KernelMode',
      'named 18 KernelMode',
      'opened 0 top true named true',
      'filter 15 KernelMode',
      'named 15 KernelMode',
      'dereference',
      'filter 2 KernelMode',
      'named 2 KernelMode',
    ]);
  });

  it('IO-5.9 the top dispatch routine runs at PASSIVE_LEVEL in the requesting thread', () => {
    const s: Partial<Stack> = {};
    const seen: unknown[] = [];
    const { results } = boot({
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            seen.push([k.KeGetCurrentIrql(), irp.threadId === k._machine.currentThread().id, k.ExGetPreviousMode()]);
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
          b: completeOk,
          c: completeOk,
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(results['app']).toEqual({ ok: true, error: 0 });
    expect(seen).toEqual([[IRQL.PASSIVE, true, 'UserMode']]);
  });

  for (const verifier of ['off', 'enhanced'] as const) {
    it(`IO-5.9 IoCompleteRequest at HIGH_LEVEL stops with 0xC9/0x0E, and IoCallDriver above DISPATCH_LEVEL with 0xC9/0x10 (POLICY: every verifier level; here ${verifier})`, () => {
      const s: Partial<Stack> = {};
      const high = (then: DispatchRoutine): DispatchRoutine =>
        function* (k, device, irp) {
          k.KeRaiseIrql(IRQL.HIGH);
          return yield* then(k, device, irp);
        };
      const completing = boot({ verifier, drivers: threeDeep({ a: high(completeOk), b: completeOk, c: completeOk }, s), threads: [{ name: 'app', body: ioctlApp }] }).result;
      expect(completing.bugcheck).toMatchObject({ code: 0xc9, driver: 'A' });
      expect(completing.bugcheck!.params.slice(0, 2)).toEqual([0x0e, IRQL.HIGH]);
      const t: Partial<Stack> = {};
      const calling = boot({ verifier, drivers: threeDeep({ a: high(passThrough(() => t.belowA!)), b: completeOk, c: completeOk }, t), threads: [{ name: 'app', body: ioctlApp }] }).result;
      expect(calling.bugcheck).toMatchObject({ code: 0xc9, driver: 'A' });
      expect(calling.bugcheck!.params).toEqual([0x10, IRQL.HIGH, 0, 0]);
    });
  }
});
