import { IRQL, STATUS, seededRandom } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CTL_CODE,
  ERROR,
  FILE_ACCESS,
  IO_NO_INCREMENT,
  IRP_MJ,
  METHOD,
  OVERLAPPED,
  type CancelRoutine,
  type DriverEntry,
  type Win32,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { IOCTL, cancelDriver, completeOk, newLog, oneDeviceDriver, open, pendIoctl, runApp } from './__helpers__/cancelDriver.ts';

// IoCancelIrp, cancel routines and the cancel spin lock, the IoSetCancelRoutine(NULL) race, the cancel-state bug checks, device queues.

describe('IoCancelIrp and cancel routines (kernel side)', () => {
  const SELF_CANCEL = CTL_CODE(0x22, 0x910, METHOD.BUFFERED, FILE_ACCESS.ANY);
  const NO_ROUTINE = CTL_CODE(0x22, 0x911, METHOD.BUFFERED, FILE_ACCESS.ANY);

  /** A driver whose dispatch routine cancels its own pended IRP twice, and one without a routine once. */
  const selfCanceller = (seen: Record<string, unknown>): DriverEntry => {
    let calls = 0;
    // Leaves the IRP to the dispatch routine: it only notes the call and releases the lock.
    const routine: CancelRoutine = function* (k, device, irp) {
      calls++;
      seen['routineIrql'] = k.KeGetCurrentIrql();
      seen['routineCancelIrql'] = irp.cancelIrql;
      seen['routineDevice'] = device?.name;
      seen['routineSawCancel'] = irp.cancel;
      yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
      seen['irqlAfterRelease'] = k.KeGetCurrentIrql();
    };
    return oneDeviceDriver('Self', function* (k, device, irp) {
      const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
      if (code === SELF_CANCEL) {
        k.IoMarkIrpPending(irp);
        seen['previous'] = k.IoSetCancelRoutine(irp, routine);
        seen['first'] = yield* k.IoCancelIrp(irp);
        seen['callsAfterFirst'] = calls;
        seen['second'] = yield* k.IoCancelIrp(irp);
        seen['callsAfterSecond'] = calls;
        seen['routineAfterCancel'] = k.IoSetCancelRoutine(irp, null);
        irp.ioStatus.status = STATUS.CANCELLED;
        irp.ioStatus.information = 0;
        yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS.PENDING;
      }
      if (code === NO_ROUTINE) {
        seen['noRoutine'] = yield* k.IoCancelIrp(irp);
        seen['cancelFlag'] = irp.cancel;
      }
      return yield* completeOk(k, device, irp);
    });
  };

  it('IO-6.1 IoCancelIrp calls the routine once and returns TRUE; a second call FALSE; without a routine FALSE with Cancel set', () => {
    const seen: Record<string, unknown> = {};
    const { result, results } = runApp({ Self: selfCanceller(seen) }, function* (u) {
      const h = yield* open(u, false, 'Self');
      const cancelled = yield* u.DeviceIoControl(h, SELF_CANCEL, 0, 0, 0, 0, u.scratch(4));
      const error = u.GetLastError();
      const plain = yield* u.DeviceIoControl(h, NO_ROUTINE, 0, 0, 0, 0, u.scratch(4));
      return { cancelled, error, plain };
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toMatchObject({ previous: null, first: true, callsAfterFirst: 1, second: false, callsAfterSecond: 1, routineAfterCancel: null });
    expect(seen).toMatchObject({ noRoutine: false, cancelFlag: true });
    // The routine ran with the cancel lock held at DISPATCH_LEVEL, CancelIrql = the caller's IRQL, the current SL's device.
    expect(seen).toMatchObject({ routineIrql: IRQL.DISPATCH, routineCancelIrql: IRQL.PASSIVE, irqlAfterRelease: IRQL.PASSIVE, routineDevice: '\\Device\\Self', routineSawCancel: true });
    expect(results['app']).toEqual({ cancelled: false, error: ERROR.OPERATION_ABORTED, plain: true });
  });

  it('IO-6.2 a cancelled overlapped read: the cancel routine completes it with STATUS_CANCELLED, GetOverlappedResult gives FALSE, 995, 0 bytes', () => {
    const log = newLog();
    const { result, results } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, true);
      const ov = u.scratch(OVERLAPPED.size);
      const buffer = u.scratch(16);
      const read = yield* u.ReadFile(h, buffer, 16, 0, ov);
      const readError = u.GetLastError();
      const cancelled = yield* u.CancelIoEx(h, ov);
      const count = u.scratch(4);
      u.writeU32(count, 0xdead);
      const got = yield* u.GetOverlappedResult(h, ov, count, true);
      return { read, readError, cancelled, got, error: u.GetLastError(), bytes: u.readU32(count), internal: u.readU32(ov + OVERLAPPED.Internal) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ read: false, readError: ERROR.IO_PENDING, cancelled: true, got: false, error: ERROR.OPERATION_ABORTED, bytes: 0, internal: STATUS.CANCELLED });
    expect(log.cancels).toHaveLength(1);
    expect(log.cancels[0]).toMatchObject({ irql: IRQL.DISPATCH, cancelIrql: IRQL.PASSIVE });
    expect(log.completions).toEqual([{ irp: log.cancels[0]!.irp, status: STATUS.CANCELLED, by: 'cancel routine' }]);
  });
});

describe('IO-6.3 the IoSetCancelRoutine(NULL) ownership rule', () => {
  /** One overlapped PEND request; returns what the caller finally saw. */
  const oneRequest = (cancel: boolean) => ({
    name: 'app',
    *body(u: Win32) {
      const h = yield* open(u, true);
      const ov = yield* pendIoctl(u, h);
      const cancelled = cancel ? yield* u.CancelIoEx(h, 0) : null;
      const count = u.scratch(4);
      const ok = yield* u.GetOverlappedResult(h, ov, count, true);
      return { ok, error: ok ? 0 : u.GetLastError(), internal: u.readU32(ov + OVERLAPPED.Internal), cancelled };
    },
  });

  it('IO-6.3 IoCancelIrp takes the routine before the driver dequeues: IoSetCancelRoutine(NULL) returns NULL, the driver leaves the IRP, one completion', () => {
    const log = newLog();
    const { result, results } = boot({
      // The cancel routine is slow between releasing the cancel lock and taking the queue lock: the DPC runs in between.
      drivers: { Cancel: cancelDriver(log, { dequeueAfterMs: 1, cancelRoutineDelayNs: 2_000_000 }) },
      threads: [oneRequest(true)],
    });
    expect(result.outcome).toBe('completed');
    expect(log.lostRaces).toHaveLength(1);
    expect(log.completions).toEqual([{ irp: log.lostRaces[0], status: STATUS.CANCELLED, by: 'cancel routine' }]);
    expect(results['app']).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED, internal: STATUS.CANCELLED, cancelled: true });
    expect(result.violations).toEqual([]);
  });

  it('IO-6.3 a driver that completes although IoSetCancelRoutine(NULL) returned NULL completes the IRP twice: bug check 0x44', () => {
    const log = newLog();
    const { result } = boot({
      drivers: { Cancel: cancelDriver(log, { dequeueAfterMs: 1, cancelRoutineDelayNs: 2_000_000, ignoreOwnership: true }) },
      threads: [oneRequest(true)],
    });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x44, name: 'MULTIPLE_IRP_COMPLETE_REQUESTS' });
    expect(log.completions.map((c) => c.by)).toEqual(['dpc', 'cancel routine']);
  });

  it('IO-6.3 under 64 seeds, a dequeue DPC racing IoCancelIrp on another CPU: exactly one completion, and the caller sees its status', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 64; seed++) {
      const log = newLog();
      const { result, results } = boot({
        strategy: seededRandom(seed),
        drivers: { Cancel: cancelDriver(log, { dequeueAfterMs: 1, raceCancelAfterMs: 1 }) },
        threads: [oneRequest(false)],
      });
      expect(result.outcome, `seed ${seed}`).toBe('completed');
      expect(result.violations, `seed ${seed}`).toEqual([]);
      expect(log.completions, `seed ${seed}`).toHaveLength(1);
      const only = log.completions[0]!;
      const app = results['app'] as { ok: boolean; error: number; internal: number };
      expect(app.internal, `seed ${seed}`).toBe(only.status);
      expect(app.ok, `seed ${seed}`).toBe(only.status === STATUS.SUCCESS);
      if (!app.ok) expect(app.error, `seed ${seed}`).toBe(ERROR.OPERATION_ABORTED);
      outcomes.add(log.lostRaces.length > 0 ? 'cancel routine owned it (NULL)' : only.by);
    }
    // The seeds explore the race: the driver dequeues first, or IoCancelIrp takes the routine
    // first and the dequeuing DPC gets NULL and hands the IRP over (the cancel routine cannot
    // reach the queue lock before a DPC already due at the same instant).
    expect([...outcomes].sort()).toEqual(['cancel routine owned it (NULL)', 'dpc']);
  });
});

describe('cancel state bug checks', () => {
  const COMPLETE_ARMED = CTL_CODE(0x22, 0x920, METHOD.BUFFERED, FILE_ACCESS.ANY);
  /** Completes an IRP without clearing its cancel routine; then (the bug's later half) cancels it. */
  const routine: CancelRoutine = function* neverCalledInTime(k, _device, irp) {
    yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
  };
  const sloppy = oneDeviceDriver('Sloppy', function* (k, _device, irp) {
    k.IoSetCancelRoutine(irp, routine);
    irp.ioStatus.status = STATUS.SUCCESS;
    yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    yield* k.IoCancelIrp(irp);
    return STATUS.SUCCESS;
  });
  const app = {
    name: 'app',
    *body(u: Win32) {
      const h = yield* open(u, false, 'Sloppy');
      return yield* u.DeviceIoControl(h, COMPLETE_ARMED, 0, 0, 0, 0, u.scratch(4));
    },
  };

  it('IO-6.1 (bug check 0x48) IoCancelIrp finds a cancel routine on an IRP already completed: CANCEL_STATE_IN_COMPLETED_IRP with P1 = the IRP', () => {
    const { result, io, events } = boot({ verifier: 'off', drivers: { Sloppy: sloppy }, threads: [app] });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0x48, name: 'CANCEL_STATE_IN_COMPLETED_IRP', driver: 'Sloppy' });
    const alloc = events.find((e) => e.type === 'io.irp.alloc' && e.major === IRP_MJ.DEVICE_CONTROL)!;
    const ioctl = io.irps.get(alloc.type === 'io.irp.alloc' ? alloc.irp : -1)!;
    expect(result.bugcheck!.params[0]).toBe(ioctl.address);
    expect(result.bugcheck!.message).toContain('neverCalledInTime');
  });

  it('IO-5.17 with the verifier on, completing with the cancel routine still set stops first: 0xC9 subcode 0x07', () => {
    const { result } = boot({ verifier: 'standard', drivers: { Sloppy: sloppy }, threads: [app] });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ code: 0xc9, name: 'DRIVER_VERIFIER_IOMANAGER_VIOLATION' });
    expect(result.bugcheck!.params[0]).toBe(0x07);
  });
});

describe('IO-6.2 a cancel routine that keeps the cancel spin lock', () => {
  it('IO-6.2 returning without IoReleaseCancelSpinLock is recorded, and the canceller goes on at DISPATCH_LEVEL: its next touch of user memory is bug check 0xD1', () => {
    const forgetful = oneDeviceDriver('Forgetful', function* (k, _device, irp) {
      k.IoMarkIrpPending(irp);
      k.IoSetCancelRoutine(irp, function* keepsTheLock(k, _device, irp) {
        irp.ioStatus.status = STATUS.CANCELLED;
        yield* k.schedulingPoint();
      });
      return STATUS.PENDING;
    });
    const { result } = runApp({ Forgetful: forgetful }, function* (u) {
      const h = yield* open(u, true, 'Forgetful');
      yield* pendIoctl(u, h, IOCTL.PEND);
      return yield* u.CancelIoEx(h, 0);
    });
    expect(result.violations.map((v) => v.check)).toContain('cancel-lock-held');
    expect(result.outcome).toBe('bugcheck');
    // NtCancelIoFileEx writes the caller's IO_STATUS_BLOCK, pageable user memory, at DISPATCH_LEVEL.
    expect(result.bugcheck).toMatchObject({ code: 0xd1, name: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL' });
  });
});

describe('IO-6.7 device queues (KDEVICE_QUEUE)', () => {
  it('IO-6.7 insert into an idle queue starts it instead of queueing; remove leaves Busy until empty; Cancel does not matter; IoCancelIrp leaves the entry queued', () => {
    const seen: Record<string, unknown> = {};
    const QUEUE = CTL_CODE(0x22, 0x930, METHOD.BUFFERED, FILE_ACCESS.ANY);
    let routineCalls = 0;
    const queueDriver = oneDeviceDriver('Queue', function* (k, device, irp) {
      if (k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode !== QUEUE) return yield* completeOk(k, device, irp);
      const q = k.KeInitializeDeviceQueue<string>();
      seen['e1'] = k.KeInsertDeviceQueue(q, 'e1');
      seen['busyAfterE1'] = q.busy;
      seen['lengthAfterE1'] = q.entries.length;
      seen['e2'] = k.KeInsertDeviceQueue(q, 'e2');
      seen['remove1'] = k.KeRemoveDeviceQueue(q);
      seen['busyAfterRemove1'] = q.busy;
      seen['remove2'] = k.KeRemoveDeviceQueue(q);
      seen['busyAfterRemove2'] = q.busy;
      // Busy queue, an IRP whose Cancel is already set: queued all the same.
      const irps = k.KeInitializeDeviceQueue();
      k.KeInsertDeviceQueue(irps, irp);
      yield* k.IoCancelIrp(irp);
      seen['cancelledInsert'] = k.KeInsertDeviceQueue(irps, irp);
      // IoCancelIrp on a queued IRP whose routine does not dequeue it: the routine runs once, the entry stays.
      k.IoSetCancelRoutine(irp, function* (k, _device, irp) {
        routineCalls++;
        yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
      });
      seen['cancelled'] = yield* k.IoCancelIrp(irp);
      seen['routineCalls'] = routineCalls;
      seen['stillQueued'] = irps.entries.includes(irp);
      seen['removedEntry'] = k.KeRemoveEntryDeviceQueue(irps, irp);
      seen['removedAgain'] = k.KeRemoveEntryDeviceQueue(irps, irp);
      irp.ioStatus.status = STATUS.CANCELLED;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.CANCELLED;
    });
    const { result, results } = runApp({ Queue: queueDriver }, function* (u) {
      const h = yield* open(u, false, 'Queue');
      const ok = yield* u.DeviceIoControl(h, QUEUE, 0, 0, 0, 0, u.scratch(4));
      return { ok, error: u.GetLastError() };
    });
    expect(result.outcome).toBe('completed');
    expect(seen).toEqual({
      e1: false,
      busyAfterE1: true,
      lengthAfterE1: 0,
      e2: true,
      remove1: 'e2',
      busyAfterRemove1: true,
      remove2: null,
      busyAfterRemove2: false,
      cancelledInsert: true,
      cancelled: true,
      routineCalls: 1,
      stillQueued: true,
      removedEntry: true,
      removedAgain: false,
    });
    expect(results['app']).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED });
  });
});
