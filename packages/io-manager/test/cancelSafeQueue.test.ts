import { STATUS, seededRandom } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CTL_CODE,
  ERROR,
  FILE_ACCESS,
  IO_NO_INCREMENT,
  IRP_MJ,
  IoCsqIrpContext,
  METHOD,
  OVERLAPPED,
  type DriverEntry,
  type IrpRef,
  type Kernel,
} from '../src/index.ts';
import { boot } from './__helpers__/harness.ts';
import { completeOk, open, pendIoctl, runApp } from './__helpers__/cancelDriver.ts';

const QUEUE = CTL_CODE(0x22, 0xa00, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** Queue with an IoCsqIrpContext, kept by the driver for TAKE. */
const QUEUE_WITH_CONTEXT = CTL_CODE(0x22, 0xa01, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** IoCsqRemoveNextIrp until empty, completing each with success; Information = how many. */
const DRAIN = CTL_CODE(0x22, 0xa02, METHOD.BUFFERED, FILE_ACCESS.ANY);
/** IoCsqRemoveIrp with the oldest kept context; success if it came back, STATUS_NOT_FOUND if not. */
const TAKE = CTL_CODE(0x22, 0xa03, METHOD.BUFFERED, FILE_ACCESS.ANY);

interface CsqLog {
  /** CsqCompleteCanceledIrp calls: the IRP and whether IoCsqInsertIrp was still running. */
  readonly canceled: { irp: number; duringInsert: boolean }[];
  /** Every completion by IRP id. */
  readonly completions: { irp: number; status: number; by: string }[];
  /** What PeekNext offered, in order. */
  readonly peeked: number[];
  /** What each IoCsqRemoveNextIrp returned (null: nothing). */
  readonly removed: (number | null)[];
  queueLengthAfterInsert: number[];
  dispatchReturned: number[];
}

interface CsqOptions {
  /** Dispatch waits this long (PASSIVE_LEVEL) before IoCsqInsertIrp: a cancel can arrive first. */
  readonly insertDelayMs?: number;
  /** After queueing, a DPC on CPU 0 runs IoCsqRemoveNextIrp and one on CPU 1 IoCancelIrp, both at this time. */
  readonly raceAfterMs?: number;
  /** Use IoCsqInsertIrpEx with a CsqInsertIrpEx that refuses (STATUS_INSUFFICIENT_RESOURCES) beyond this many queued IRPs. */
  readonly capacity?: number;
}

/** A driver whose queue is an IoCsq over a plain array under its own spin lock (IO-6.4). */
function csqDriver(log: CsqLog, options: CsqOptions = {}): DriverEntry {
  return function* (k, driver) {
    k.IoCreateDevice(driver, { deviceName: '\\Device\\Csq' });
    k.IoCreateSymbolicLink('\\??\\Csq', '\\Device\\Csq');
    const lock = k.KeInitializeSpinLock('csq lock');
    const list: IrpRef[] = [];
    const contexts: IoCsqIrpContext[] = [];
    let inserting = false;
    const complete = function* (k: Kernel, irp: IrpRef, status: number, by: string) {
      log.completions.push({ irp: irp.id, status, by });
      irp.ioStatus.status = status;
      irp.ioStatus.information = 0;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
    };
    const csq = k.IoCsqInitialize({
      insert: (_csq, irp) => void list.push(irp),
      insertEx: (_csq, irp, capacity) => {
        if (list.length >= (capacity as number)) return STATUS.INSUFFICIENT_RESOURCES;
        list.push(irp);
        return STATUS.SUCCESS;
      },
      remove: (_csq, irp) => {
        const i = list.indexOf(irp);
        if (i >= 0) list.splice(i, 1);
      },
      peekNext: (_csq, irp) => {
        const next = list[irp === null ? 0 : list.indexOf(irp) + 1] ?? null;
        if (next !== null) log.peeked.push(next.id);
        return next;
      },
      acquireLock: () => k.KeAcquireSpinLock(lock),
      releaseLock: (_csq, irql) => k.KeReleaseSpinLock(lock, irql),
      completeCanceledIrp: function* (_csq, irp) {
        log.canceled.push({ irp: irp.id, duringInsert: inserting });
        yield* complete(k, irp, STATUS.CANCELLED, 'CsqCompleteCanceledIrp');
      },
    });
    const removeNext = function* (k: Kernel) {
      const irp = yield* k.IoCsqRemoveNextIrp(csq, null);
      log.removed.push(irp?.id ?? null);
      return irp;
    };
    const armRace = (k: Kernel, irp: IrpRef, ms: number) => {
      const due = -ms * 10_000;
      const take = k.KeInitializeDpc(`remove next`, function* () {
        const next = yield* removeNext(k);
        if (next !== null) yield* complete(k, next, STATUS.SUCCESS, 'dpc');
      });
      const cancel = k.KeInitializeDpc(`cancel IRP ${irp.id}`, function* () {
        if (!log.completions.some((c) => c.irp === irp.id)) yield* k.IoCancelIrp(irp);
      });
      k.KeSetTargetProcessorDpc(take, 0);
      k.KeSetTargetProcessorDpc(cancel, 1);
      k.KeSetTimer(k.KeInitializeTimerEx('take'), due, take);
      k.KeSetTimer(k.KeInitializeTimerEx('cancel'), due, cancel);
    };
    driver.MajorFunction[IRP_MJ.CREATE] = completeOk;
    driver.MajorFunction[IRP_MJ.CLEANUP] = completeOk;
    driver.MajorFunction[IRP_MJ.CLOSE] = completeOk;
    driver.MajorFunction[IRP_MJ.DEVICE_CONTROL] = function* (k, _device, irp) {
      const code = k.IoGetCurrentIrpStackLocation(irp).parameters.deviceIoControl.ioControlCode;
      if (code === QUEUE || code === QUEUE_WITH_CONTEXT) {
        if (options.insertDelayMs !== undefined) yield* k.KeDelayExecutionThread('KernelMode', false, -options.insertDelayMs * 10_000);
        const context = code === QUEUE_WITH_CONTEXT ? new IoCsqIrpContext() : null;
        if (context !== null) contexts.push(context);
        inserting = true;
        const inserted = options.capacity === undefined ? yield* k.IoCsqInsertIrp(csq, irp, context) : yield* k.IoCsqInsertIrpEx(csq, irp, context, options.capacity);
        inserting = false;
        if (inserted !== STATUS.SUCCESS) {
          // Refused: still ours, not pending — complete it with the reason.
          yield* complete(k, irp, inserted, 'refused');
          log.dispatchReturned.push(inserted);
          return inserted;
        }
        log.queueLengthAfterInsert.push(list.length);
        if (options.raceAfterMs !== undefined) armRace(k, irp, options.raceAfterMs);
        // Marked pending by IoCsqInsertIrp: STATUS_PENDING even if it was completed already.
        log.dispatchReturned.push(STATUS.PENDING);
        return STATUS.PENDING;
      }
      let status: number = STATUS.SUCCESS;
      let count = 0;
      if (code === DRAIN) {
        for (let next = yield* removeNext(k); next !== null; next = yield* removeNext(k)) {
          yield* complete(k, next, STATUS.SUCCESS, 'drain');
          count++;
        }
      } else if (code === TAKE) {
        const taken = yield* k.IoCsqRemoveIrp(csq, contexts.shift()!);
        if (taken === null) status = STATUS.NOT_FOUND;
        else yield* complete(k, taken, STATUS.SUCCESS, 'take');
      }
      irp.ioStatus.status = status;
      irp.ioStatus.information = count;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return status;
    };
    return STATUS.SUCCESS;
  };
}

const newLog = (): CsqLog => ({ canceled: [], completions: [], peeked: [], removed: [], queueLengthAfterInsert: [], dispatchReturned: [] });

describe('IO-6.4 cancel-safe queues', () => {
  it('IO-6.4 an IRP already cancelled when inserted: CsqCompleteCanceledIrp runs during the insert, the queue stays empty, the dispatch returns STATUS_PENDING, the caller sees 995', () => {
    const log = newLog();
    const shared = { blocked: null as unknown };
    const { result, results, events } = runApp({ Csq: csqDriver(log, { insertDelayMs: 10 }) }, function* (u) {
      const blocked = yield* u.CreateThread('blocked', function* (v) {
        const h = yield* open(v, false, 'Csq');
        const ok = yield* v.DeviceIoControl(h, QUEUE, 0, 0, 0, 0, v.scratch(4));
        shared.blocked = { ok, error: v.GetLastError() };
      });
      yield* u.Sleep(5);
      // IoCancelIrp finds no routine yet (FALSE) but sets Cancel; CancelSynchronousIo still succeeds.
      const cancelled = yield* u.CancelSynchronousIo(blocked);
      yield* u.WaitForSingleObject(blocked, 0xffffffff);
      return cancelled;
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toBe(true);
    expect(shared.blocked).toEqual({ ok: false, error: ERROR.OPERATION_ABORTED });
    expect(log.canceled).toEqual([{ irp: expect.any(Number), duringInsert: true }]);
    expect(log.queueLengthAfterInsert).toEqual([0]);
    const ret = events.find((e) => e.type === 'io.irp.return' && e.irp === log.canceled[0]!.irp);
    expect(ret).toMatchObject({ status: STATUS.PENDING });
    expect(events.find((e) => e.type === 'io.irp.cancel' && e.irp === log.canceled[0]!.irp)).toMatchObject({ routine: false });
    expect(result.violations).toEqual([]);
  });

  it('IO-6.4 a queued IRP is cancelled through the system cancel routine (995); IoCsqRemoveNextIrp hands out the others, never the cancelled one', () => {
    const log = newLog();
    const { result, results } = runApp({ Csq: csqDriver(log) }, function* (u) {
      const h = yield* open(u, true, 'Csq');
      const ov1 = yield* pendIoctl(u, h, QUEUE);
      const ov2 = yield* pendIoctl(u, h, QUEUE);
      const ov3 = yield* pendIoctl(u, h, QUEUE);
      const cancelled = yield* u.CancelIoEx(h, ov2);
      const count = u.scratch(4);
      const drained = yield* u.DeviceIoControl(h, DRAIN, 0, 0, 0, 0, count, u.scratch(OVERLAPPED.size));
      return {
        cancelled,
        drained,
        count: u.readU32(count),
        statuses: [ov1, ov2, ov3].map((ov) => u.readU32(ov + OVERLAPPED.Internal)),
      };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ cancelled: true, drained: true, count: 2, statuses: [STATUS.SUCCESS, STATUS.CANCELLED, STATUS.SUCCESS] });
    expect(log.canceled).toEqual([{ irp: expect.any(Number), duringInsert: false }]);
    expect(log.removed).not.toContain(log.canceled[0]!.irp);
    expect(new Set(log.completions.map((c) => c.irp)).size).toBe(3);
    expect(result.violations).toEqual([]);
  });

  it('IO-6.4 IoCsqRemoveIrp returns the IRP its context names, or NULL once that IRP was cancelled', () => {
    const log = newLog();
    const { result, results } = runApp({ Csq: csqDriver(log) }, function* (u) {
      const h = yield* open(u, true, 'Csq');
      const ov1 = yield* pendIoctl(u, h, QUEUE_WITH_CONTEXT);
      const ov2 = yield* pendIoctl(u, h, QUEUE_WITH_CONTEXT);
      yield* u.CancelIoEx(h, ov1);
      const first = yield* u.DeviceIoControl(h, TAKE, 0, 0, 0, 0, 0, u.scratch(OVERLAPPED.size));
      const firstError = u.GetLastError();
      const second = yield* u.DeviceIoControl(h, TAKE, 0, 0, 0, 0, 0, u.scratch(OVERLAPPED.size));
      return { first, firstError, second, statuses: [ov1, ov2].map((ov) => u.readU32(ov + OVERLAPPED.Internal)) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ first: false, firstError: ERROR.NOT_FOUND, second: true, statuses: [STATUS.CANCELLED, STATUS.SUCCESS] });
  });

  it('IO-6.4 IoCsqInsertIrpEx: a refused IRP is neither queued nor marked pending and stays the driver\'s to complete; an accepted one is cancelable as usual', () => {
    const log = newLog();
    const { result, results, events } = runApp({ Csq: csqDriver(log, { capacity: 1 }) }, function* (u) {
      const h = yield* open(u, true, 'Csq');
      const ov1 = yield* pendIoctl(u, h, QUEUE);
      const ov2 = u.scratch(OVERLAPPED.size);
      const second = yield* u.DeviceIoControl(h, QUEUE, 0, 0, 0, 0, 0, ov2);
      const secondError = u.GetLastError();
      yield* u.CancelIoEx(h, ov1);
      return { second, secondError, first: u.readU32(ov1 + OVERLAPPED.Internal) };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ second: false, secondError: ERROR.NO_SYSTEM_RESOURCES, first: STATUS.CANCELLED });
    expect(log.dispatchReturned).toEqual([STATUS.PENDING, STATUS.INSUFFICIENT_RESOURCES]);
    const refused = log.completions.find((c) => c.by === 'refused')!.irp;
    expect(events.some((e) => e.type === 'io.irp.pending' && e.irp === refused)).toBe(false);
    expect(log.canceled).toEqual([{ irp: expect.any(Number), duringInsert: false }]);
    expect(result.violations).toEqual([]);
  });

  it('IO-6.4 under 64 seeds, IoCsqRemoveNextIrp racing IoCancelIrp: every IRP completes exactly once, a removed IRP is never also cancelled, and the skip of an IRP being cancelled happens', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 64; seed++) {
      const log = newLog();
      const { result, results } = boot({
        strategy: seededRandom(seed),
        drivers: { Csq: csqDriver(log, { raceAfterMs: 1 }) },
        threads: [
          {
            name: 'app',
            *body(u) {
              const h = yield* open(u, true, 'Csq');
              const ov = yield* pendIoctl(u, h, QUEUE);
              const count = u.scratch(4);
              const ok = yield* u.GetOverlappedResult(h, ov, count, true);
              return { ok, internal: u.readU32(ov + OVERLAPPED.Internal) };
            },
          },
        ],
      });
      expect(result.outcome, `seed ${seed}`).toBe('completed');
      expect(result.violations, `seed ${seed}`).toEqual([]);
      expect(log.completions, `seed ${seed}`).toHaveLength(1);
      const only = log.completions[0]!;
      expect((results['app'] as { internal: number }).internal, `seed ${seed}`).toBe(only.status);
      // Removed and handed out ⇒ not cancelled, and the other way round.
      expect(log.removed.includes(only.irp), `seed ${seed}`).toBe(only.by === 'dpc');
      if (log.peeked.includes(only.irp) && !log.removed.includes(only.irp)) seen.add('skipped while being cancelled');
      seen.add(only.by);
    }
    expect([...seen].sort()).toEqual(['CsqCompleteCanceledIrp', 'dpc', 'skipped while being cancelled']);
  });
});
