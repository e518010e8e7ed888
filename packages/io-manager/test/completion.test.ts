import { STATUS, encodeUtf8, type KEvent, type NtStatus, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  CTL_CODE,
  ERROR,
  FILE_FLAG_OVERLAPPED,
  IO_PRIORITY,
  IRP_MJ,
  METHOD,
  type CompletionRoutine,
  type DeviceRef,
  type DispatchRoutine,
  type IrpRef,
  type Kernel,
  type StackLocationRef,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { complete, deviceDriver, kernelHarness, threeDeep, type Stack } from './__helpers__/irpDrivers.ts';

const IOCTL = CTL_CODE(0x22, 0x800, METHOD.BUFFERED, 0);
const MS = 1_000_000;

/** A sync-handle DeviceIoControl with an 8-byte output. */
function* ioctlApp(u: Win32): Routine<{ ok: boolean; error: number; count: number; out: string }> {
  const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
  const out = u.scratch(8);
  const count = u.scratch(4);
  u.SetLastError(0);
  const ok = yield* u.DeviceIoControl(h, IOCTL, 0, 0, out, 8, count);
  return { ok, error: u.GetLastError(), count: u.readU32(count), out: new TextDecoder().decode(u.read(out, 8)).replace(/\0+$/, '') };
}

/** Opens \\.\Stack for overlapped I/O and starts one IOCTL with an OVERLAPPED whose hEvent is a new manual-reset event. */
function* overlappedIoctl(u: Win32, out: number, outLength: number): Routine<{ h: number; ov: number; event: number; started: boolean; startError: number }> {
  const h = yield* u.CreateFile('\\\\.\\Stack', 0xc0000000, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
  const ov = u.scratch(20);
  const event = yield* u.CreateEvent(true, false);
  u.writeU32(ov + 16, event);
  const started = yield* u.DeviceIoControl(h, IOCTL, 0, 0, out, outLength, u.scratch(4), ov);
  return { h, ov, event, started, startError: u.GetLastError() };
}

/** Forwards with a copy and the given routine (all three invoke flags). */
const forwardWith = (lower: () => DeviceRef, routine: CompletionRoutine, flags: [boolean, boolean, boolean] = [true, true, true]): DispatchRoutine =>
  function* (k, _d, irp) {
    k.IoCopyCurrentIrpStackLocationToNext(irp);
    k.IoSetCompletionRoutine(irp, routine, null, ...flags);
    return yield* k.IoCallDriver(lower(), irp);
  };

/** A completion routine that propagates pending as IO-5.13 requires, after noting its call. */
const noting = (log: unknown[], name: string, result: NtStatus = STATUS.SUCCESS): CompletionRoutine =>
  function* (k, device, irp) {
    log.push([name, device?.id ?? null]);
    if (irp.pendingReturned && result !== STATUS.MORE_PROCESSING_REQUIRED) k.IoMarkIrpPending(irp);
    return result;
  };

/** Marks pending, returns STATUS_PENDING, and completes 1 ms later from a timer DPC with {status, info} (writing `data` to the system buffer). */
function pendThenComplete(status: NtStatus, information = 0, data = ''): DispatchRoutine {
  return function* (k, _d, irp) {
    k.IoMarkIrpPending(irp);
    const timer = k.KeInitializeTimerEx('later');
    const dpc = k.KeInitializeDpc('CompleteLater', function* () {
      if (data !== '') k.writeMemory(irp.systemBuffer, encodeUtf8(data));
      yield* complete(k, irp, status, information);
    });
    k.KeSetTimer(timer, -MS / 100, dpc);
    return STATUS.PENDING;
  };
}

describe('the completion walk (io-semantics.md §5b)', () => {
  it('IO-5.10 routines run bottom-up with the registering driver\'s device and current location; the completed location is cleared first', () => {
    const s: Partial<Stack> = {};
    const log: unknown[] = [];
    let cLocation: StackLocationRef | null = null;
    const inside: CompletionRoutine = function* (k, device, irp) {
      const current = k.IoGetCurrentIrpStackLocation(irp);
      log.push(['RB', device?.id, current.deviceObject?.id, cLocation!.majorFunction, cLocation!.control, cLocation!.parameters.deviceIoControl.ioControlCode]);
      return STATUS.SUCCESS;
    };
    const { results } = boot({
      drivers: threeDeep(
        {
          a: forwardWith(() => s.belowA!, noting(log, 'RA')),
          b: forwardWith(() => s.belowB!, inside),
          *c(k, _d, irp) {
            cLocation = k.IoGetCurrentIrpStackLocation(irp);
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(results['app']).toMatchObject({ ok: true });
    expect(log).toEqual([
      ['RB', s.b!.id, s.b!.id, 0, 0, 0],
      ['RA', s.a!.id],
    ]);
  });

  it('IO-5.10 a routine of a driver that owns no location (it built the IRP with exactly the lower stack size) gets a NULL device object', () => {
    let target: DeviceRef | null = null;
    const seen: unknown[] = [];
    const { result } = boot({
      drivers: {
        Target: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (target = d) }),
        Client: kernelHarness(function* (k) {
          const irp = k.IoAllocateIrp(target!.stackSize, false)!; // never NULL here: no fail-allocations adversary
          const next = k.IoGetNextIrpStackLocation(irp);
          next.majorFunction = IRP_MJ.DEVICE_CONTROL;
          next.parameters.deviceIoControl.ioControlCode = IOCTL;
          k.IoSetCompletionRoutine(irp, function* (k2, device, irp2) {
            seen.push([device, irp2.currentLocation, irp2.stackCount]);
            k2.IoFreeIrp(irp2);
            return STATUS.MORE_PROCESSING_REQUIRED;
          }, null, true, true, true);
          seen.push(yield* k.IoCallDriver(target!, irp));
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual([[null, 2, 1], STATUS.SUCCESS]);
  });

  it('IO-5.10 a creator that keeps a location of its own (IoSetNextIrpStackLocation) gets its device in its routine, and that location is current there', () => {
    let target: DeviceRef | null = null;
    let mine: DeviceRef | null = null;
    const seen: unknown[] = [];
    const { result } = boot({
      drivers: {
        Target: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: function* (k, _d, irp) { return yield* complete(k, irp, STATUS.SUCCESS); } }, onDevice: (d) => (target = d) }),
        Client: deviceDriver({ name: null, onDevice: (d) => (mine = d) }),
        Harness: kernelHarness(function* (k) {
          const irp = k.IoAllocateIrp(target!.stackSize + 1, false)!; // never NULL here: no fail-allocations adversary
          k.IoSetNextIrpStackLocation(irp);
          const own = k.IoGetCurrentIrpStackLocation(irp);
          own.deviceObject = mine;
          own.parameters.deviceIoControl.ioControlCode = 0x1234; // the creator's context
          const next = k.IoGetNextIrpStackLocation(irp);
          next.majorFunction = IRP_MJ.DEVICE_CONTROL;
          k.IoSetCompletionRoutine(irp, function* (k2, device, irp2) {
            seen.push([device?.id, k2.IoGetCurrentIrpStackLocation(irp2).parameters.deviceIoControl.ioControlCode, irp2.currentLocation]);
            k2.IoFreeIrp(irp2);
            return STATUS.MORE_PROCESSING_REQUIRED;
          }, null, true, true, true);
          yield* k.IoCallDriver(target!, irp);
        }),
      },
      threads: [],
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual([[mine!.id, 0x1234, 2]]);
  });

  it('IO-5.10 without a routine the I/O manager propagates the pending bit upwards itself', () => {
    const s: Partial<Stack> = {};
    const seen: boolean[] = [];
    const ra: CompletionRoutine = function* (k, _device, irp) {
      seen.push(irp.pendingReturned);
      if (irp.pendingReturned) k.IoMarkIrpPending(irp);
      return STATUS.SUCCESS;
    };
    const { result } = boot({
      drivers: threeDeep(
        {
          a: forwardWith(() => s.belowA!, ra),
          *b(k, _d, irp) {
            k.IoSkipCurrentIrpStackLocation(irp);
            return yield* k.IoCallDriver(s.belowB!, irp);
          },
          c: pendThenComplete(STATUS.SUCCESS),
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.violations).toEqual([]);
    expect(seen).toEqual([true]);
  });

  it('IO-5.11 routine selection: informational counts as success, warnings and errors as error, InvokeOnCancel follows Irp->Cancel', () => {
    const cases: [NtStatus, boolean, [boolean, boolean, boolean], boolean][] = [
      [STATUS.SUCCESS, false, [true, false, false], true],
      [STATUS.SUCCESS, false, [false, true, false], false],
      [0x40000000, false, [true, false, false], true],
      [STATUS.BUFFER_OVERFLOW, false, [true, false, false], false],
      [STATUS.BUFFER_OVERFLOW, false, [false, true, false], true],
      [STATUS.CANCELLED, true, [true, false, false], false],
      [STATUS.CANCELLED, true, [false, true, false], true],
      [STATUS.CANCELLED, true, [false, false, true], true],
      [STATUS.SUCCESS, true, [false, false, true], true],
      [STATUS.SUCCESS, false, [false, false, true], false],
    ];
    for (const [status, cancel, flags, invoked] of cases) {
      const s: Partial<Stack> = {};
      const log: unknown[] = [];
      boot({
        verifier: 'off',
        drivers: threeDeep(
          {
            a: forwardWith(() => s.belowA!, noting(log, 'RA'), flags),
            *b(k, _d, irp) {
              irp._irp.cancel = cancel; // as IoCancelIrp leaves it on an IRP without a cancel routine
              return yield* complete(k, irp, status);
            },
            c: function* (k, _d, irp) {
              return yield* complete(k, irp, STATUS.SUCCESS);
            },
          },
          s,
        ),
        threads: [{ name: 'app', body: ioctlApp }],
      });
      expect([status, cancel, flags, log.length === 1]).toEqual([status, cancel, flags, invoked]);
    }
  });

  it('IO-5.11 the status is re-read at each level: a routine that changes it changes which routines above run', () => {
    const s: Partial<Stack> = {};
    const log: unknown[] = [];
    const failing: CompletionRoutine = function* (_k, _device, irp) {
      log.push('RB');
      irp.ioStatus.status = STATUS.UNSUCCESSFUL;
      return STATUS.SUCCESS;
    };
    const { results } = boot({
      drivers: threeDeep(
        {
          a: forwardWith(() => s.belowA!, noting(log, 'RA-on-success'), [true, false, false]),
          b: forwardWith(() => s.belowB!, failing),
          c: function* (k, _d, irp) {
            return yield* complete(k, irp, STATUS.SUCCESS);
          },
        },
        s,
      ),
      verifier: 'off',
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(log).toEqual(['RB']);
    // The dispatch routines returned C's STATUS_SUCCESS; the IOSB would say otherwise (IO-5.14).
    expect(results['app']).toMatchObject({ ok: true });
  });

  it('IO-5.12 STATUS_MORE_PROCESSING_REQUIRED stops the walk and all final processing; the next IoCompleteRequest resumes with the routine above', () => {
    const s: Partial<Stack> = {};
    const log: unknown[] = [];
    let held: { k: Kernel; irp: IrpRef } | null = null;
    const rb: CompletionRoutine = function* (k, _device, irp) {
      log.push('RB');
      held = { k, irp };
      return STATUS.MORE_PROCESSING_REQUIRED;
    };
    const { result, results, events } = boot({
      drivers: {
        ...threeDeep(
          {
            a: forwardWith(() => s.belowA!, noting(log, 'RA')),
            *b(k, _d, irp) {
              k.IoCopyCurrentIrpStackLocationToNext(irp);
              k.IoSetCompletionRoutine(irp, rb, null, true, true, true);
              yield* k.IoCallDriver(s.belowB!, irp);
              // B owns the IRP again; it finishes it 2 ms later, from a DPC.
              const timer = k.KeInitializeTimerEx('resume');
              k.KeSetTimer(timer, (-2 * MS) / 100, k.KeInitializeDpc('Resume', function* () {
                log.push(['finish seen before resume', k._machine.trace.events.some((e) => e.type === 'io.irp.finish' && e.irp === irp.id)]);
                yield* held!.k.IoCompleteRequest(held!.irp, 0);
              }));
              k.IoMarkIrpPending(irp);
              return STATUS.PENDING;
            },
            c: function* (k, _d, irp) {
              k.writeMemory(irp.systemBuffer, encodeUtf8('fromC'));
              return yield* complete(k, irp, STATUS.SUCCESS, 5);
            },
          },
          s,
        ),
      },
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.bugcheck).toBeNull();
    expect(log).toEqual(['RB', ['finish seen before resume', false], ['RA', s.a!.id]]);
    expect(results['app']).toEqual({ ok: true, error: 0, count: 5, out: 'fromC' });
    expect(events.filter((e) => e.type === 'io.irp.routine').length).toBe(2);
  });

  it('IO-5.12 forward-and-wait: B\'s routine signals an event only when PendingReturned and returns MORE_PROCESSING_REQUIRED; B completes with the lower status', () => {
    const s: Partial<Stack> = {};
    const signalled: boolean[] = [];
    const { results, result } = boot({
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            k.IoSkipCurrentIrpStackLocation(irp);
            return yield* k.IoCallDriver(s.belowA!, irp);
          },
          *b(k, _d, irp) {
            const event: KEvent = k.KeInitializeEvent('notification');
            k.IoCopyCurrentIrpStackLocationToNext(irp);
            k.IoSetCompletionRoutine(irp, function* (k2, _device, irp2) {
              signalled.push(irp2.pendingReturned);
              if (irp2.pendingReturned) k2.KeSetEvent(event);
              return STATUS.MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            let status = yield* k.IoCallDriver(s.belowB!, irp);
            if (status === STATUS.PENDING) {
              yield* k.KeWaitForSingleObject(event);
              status = irp.ioStatus.status;
            }
            yield* k.IoCompleteRequest(irp, 0);
            return status;
          },
          c: pendThenComplete(STATUS.DEVICE_NOT_READY),
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('completed');
    expect(signalled).toEqual([true]);
    expect(results['app']).toMatchObject({ ok: false, error: ERROR.NOT_READY });
  });

  for (const fixed of [false, true]) {
    it(`IO-5.13 a completion routine that ${fixed ? 'propagates' : 'forgets'} IoMarkIrpPending after a pended error: ${fixed ? 'the overlapped caller gets ERROR_NOT_READY' : '0xC9/0x228 and the overlapped caller is never told'}`, () => {
      const s: { c?: DeviceRef; below?: DeviceRef } = {};
      const ra: CompletionRoutine = function* (k, _device, irp) {
        if (fixed && irp.pendingReturned) k.IoMarkIrpPending(irp);
        return STATUS.SUCCESS;
      };
      const { result, results } = boot({
        drivers: {
          C: deviceDriver({ name: 'Stack', majors: { [IRP_MJ.DEVICE_CONTROL]: pendThenComplete(STATUS.DEVICE_NOT_READY) }, onDevice: (d) => (s.c = d) }),
          A: deviceDriver({ name: null, attachTo: () => s.c!, majors: { [IRP_MJ.DEVICE_CONTROL]: forwardWith(() => s.below!, ra) }, onDevice: (_d, lower) => (s.below = lower!) }),
        },
        threads: [
          {
            name: 'app',
            *body(u) {
              const { h, ov, event, started, startError } = yield* overlappedIoctl(u, 0, 0);
              const waited = yield* u.WaitForSingleObject(event, 100);
              const ok = yield* u.GetOverlappedResult(h, ov, u.scratch(4), false);
              return { started, startError, waited, ok, error: u.GetLastError(), internal: u.readU32(ov) };
            },
          },
        ],
      });
      expect(result.outcome).toBe('completed');
      if (fixed) {
        expect(result.violations).toEqual([]);
        expect(results['app']).toEqual({ started: false, startError: ERROR.IO_PENDING, waited: 0, ok: false, error: ERROR.NOT_READY, internal: STATUS.DEVICE_NOT_READY });
      } else {
        expect(result.violations.map((v) => v.check)).toEqual(['0xC9/0x228']);
        expect(results['app']).toMatchObject({ started: false, startError: ERROR.IO_PENDING, waited: 258, internal: STATUS.PENDING });
      }
    });
  }

  it('IO-5.16 completing the same IRP twice is bug check 0x44 with the IRP as P1', () => {
    const s: Partial<Stack> = {};
    let address = 0;
    const { result } = boot({
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            address = irp._irp.address;
            yield* complete(k, irp, STATUS.SUCCESS);
            yield* k.IoCompleteRequest(irp, 0);
            return STATUS.SUCCESS;
          },
          b: pendThenComplete(STATUS.SUCCESS),
          c: pendThenComplete(STATUS.SUCCESS),
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x44, name: 'MULTIPLE_IRP_COMPLETE_REQUESTS', driver: 'A' });
    expect(result.bugcheck!.params).toEqual([address, 0, 0, 0]);
  });

  it('IO-5.18 the PriorityBoost reaches the waiter\'s wake-up; status and information are unaffected', () => {
    const s: Partial<Stack> = {};
    const { events, results } = boot({
      drivers: threeDeep(
        {
          *a(k, _d, irp) {
            k.IoMarkIrpPending(irp);
            const dpc = k.KeInitializeDpc('Keyboard', function* () {
              yield* complete(k, irp, STATUS.SUCCESS, 3, IO_PRIORITY.IO_KEYBOARD_INCREMENT);
            });
            k.KeSetTimer(k.KeInitializeTimerEx('key'), -MS / 100, dpc);
            return STATUS.PENDING;
          },
          b: pendThenComplete(STATUS.SUCCESS),
          c: pendThenComplete(STATUS.SUCCESS),
        },
        s,
      ),
      threads: [{ name: 'app', body: ioctlApp }],
    });
    const finish = events.find((e) => e.type === 'io.irp.finish' && e.information === 3);
    expect(finish).toMatchObject({ boost: 6, status: STATUS.SUCCESS, information: 3, eventSignalled: true });
    expect(results['app']).toMatchObject({ ok: true, count: 3 });
  });

  it('IO-5.19 the copy-back happens before the event is signalled: a waiter woken by the event finds its data', () => {
    const s: Partial<Stack> = {};
    const { results, events } = boot({
      drivers: threeDeep({ a: pendThenComplete(STATUS.SUCCESS, 5, 'ready'), b: pendThenComplete(STATUS.SUCCESS), c: pendThenComplete(STATUS.SUCCESS) }, s),
      threads: [
        {
          name: 'app',
          *body(u) {
            const out = u.scratch(8);
            const { ov, event } = yield* overlappedIoctl(u, out, 8);
            const waited = yield* u.WaitForSingleObject(event, 1000);
            return { waited, out: new TextDecoder().decode(u.read(out, 5)), information: u.readU32(ov + 4) };
          },
        },
      ],
    });
    expect(results['app']).toEqual({ waited: 0, out: 'ready', information: 5 });
    const copy = events.findIndex((e) => e.type === 'io.copy' && e.direction === 'out');
    const irp = (events[copy] as { irp: number }).irp;
    const finish = events.findIndex((e) => e.type === 'io.irp.finish' && e.irp === irp);
    expect(copy).toBeGreaterThan(-1);
    expect(copy).toBeLessThan(finish);
  });
});
