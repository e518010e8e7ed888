import { STATUS, type Routine } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import {
  CREATION,
  ERROR,
  INFINITE,
  IO_NO_INCREMENT,
  IRP_MJ,
  ObjectNameInformation,
  OVERLAPPED,
  WAIT,
  type CancelRoutine,
  type DispatchRoutine,
  type Kernel,
  type IrpRef,
} from '../src/index.ts';
import { IOCTL, cancelDriver, newLog, oneDeviceDriver, open, runApp } from './__helpers__/cancelDriver.ts';

/** Pends the IRP with `cancelRoutine` armed in the safe order (B7); never completes it otherwise. */
const pendCancellable = (cancelRoutine: CancelRoutine): DispatchRoutine =>
  function* (k, _device, irp) {
    k.IoMarkIrpPending(irp);
    k.IoSetCancelRoutine(irp, cancelRoutine);
    if (irp.cancel && k.IoSetCancelRoutine(irp, null) !== null) yield* completeCancelled(k, irp);
    return STATUS.PENDING;
  };

function* completeCancelled(k: Kernel, irp: IrpRef): Routine<void> {
  irp.ioStatus.status = STATUS.CANCELLED;
  irp.ioStatus.information = 0;
  yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
}

describe('requests whose caller is interrupted', () => {
  it('IO-6.5 TerminateThread on a thread blocked in a synchronous DeviceIoControl: the wait ends, thread exit cancels the request with IoCancelIrp, it completes once with STATUS_CANCELLED and the handle is usable again', () => {
    const log = newLog();
    const { result, results, events } = runApp({ Cancel: cancelDriver(log) }, function* (u) {
      const h = yield* open(u, false);
      const victim = yield* u.CreateThread('victim', function* (v) {
        yield* v.DeviceIoControl(h, IOCTL.PEND, 0, 0, 0, 0, v.scratch(4));
      });
      yield* u.Sleep(10);
      const terminated = yield* u.TerminateThread(victim, 7);
      const exited = yield* u.WaitForSingleObject(victim, INFINITE);
      // The victim's wait released the file-object lock: the next request on h goes through (IO-7.1).
      const next = yield* u.DeviceIoControl(h, IOCTL.COMPLETE, 0, 0, 0, 0, u.scratch(4));
      return { terminated, exited, next };
    });
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ terminated: true, exited: WAIT.OBJECT_0, next: true });
    expect(log.cancels).toHaveLength(1);
    expect(log.completions.map((c) => [c.status, c.by])).toEqual([[STATUS.CANCELLED, 'cancel routine']]);
    expect(events.filter((e) => e.type === 'io.irp.cancel').map((e) => (e.type === 'io.irp.cancel' ? [e.by, e.routine] : null))).toEqual([['IoCancelThreadIo', true]]);
  });

  it('IO-6.5 CancelSynchronousIo finds a thread blocked in a name query (NtQueryObject): the IRP_MJ_QUERY_INFORMATION is on the thread’s IRP list, its cancel routine runs, the query fails with STATUS_CANCELLED', () => {
    const cancels: number[] = [];
    const cancelRoutine: CancelRoutine = function* (k, _device, irp) {
      cancels.push(irp.id);
      yield* k.IoReleaseCancelSpinLock(irp.cancelIrql);
      yield* completeCancelled(k, irp);
    };
    const driver = oneDeviceDriver('Named', function* (k, _device, irp) {
      irp.ioStatus.status = STATUS.SUCCESS;
      yield* k.IoCompleteRequest(irp, IO_NO_INCREMENT);
      return STATUS.SUCCESS;
    });
    const { result, results } = runApp(
      {
        Named: function* (k, d, path) {
          const status = yield* driver(k, d, path);
          d.MajorFunction[IRP_MJ.QUERY_INFORMATION] = pendCancellable(cancelRoutine);
          return status;
        },
      },
      function* (u) {
        const h = yield* u.CreateFile('\\\\.\\Named', 0xc0000000, 0, CREATION.OPEN_EXISTING, 0);
        const shared = { status: -1 };
        const victim = yield* u.CreateThread('victim', function* (v) {
          shared.status = yield* v.NtQueryObject(h, ObjectNameInformation, v.scratch(256), 256, v.scratch(4));
        });
        yield* u.Sleep(10);
        const cancelled = yield* u.CancelSynchronousIo(victim);
        yield* u.WaitForSingleObject(victim, INFINITE);
        return { cancelled, status: shared.status };
      },
    );
    expect(result.outcome).toBe('completed');
    expect(results['app']).toEqual({ cancelled: true, status: STATUS.CANCELLED });
    expect(cancels).toHaveLength(1);
  });

  it('a cancel routine that throws: the bug check names the driver whose routine it is, not the caller of CancelIoEx', () => {
    const throwing: CancelRoutine = function* () {
      throw new TypeError('Cannot read properties of undefined (reading "queue")');
    };
    const seen = { pended: true, error: 0 };
    const { result } = runApp({ Buggy: oneDeviceDriver('Cancel', pendCancellable(throwing)) }, function* (u) {
      const h = yield* open(u, true);
      const ov = u.scratch(OVERLAPPED.size);
      seen.pended = yield* u.DeviceIoControl(h, IOCTL.PEND, 0, 0, 0, 0, 0, ov);
      seen.error = u.GetLastError();
      yield* u.CancelIoEx(h, ov);
    });
    expect(seen).toEqual({ pended: false, error: ERROR.IO_PENDING });
    expect(result.outcome).toBe('bugcheck');
    expect(result.bugcheck).toMatchObject({ driver: 'Buggy' });
    expect(result.bugcheck!.analysis).toMatchObject({ exception: expect.stringContaining('TypeError') });
  });
});
