import { STATUS, ntWarning, waitForObjects, type NtStatus, type Routine, type Thread } from '@irpsim/core';
import { FO, type FileObject } from '../FileObject.ts';
import { releaseFileLock } from '../fileObjectType.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import { cancelIrp } from '../cancelIrp.ts';

/*
 * IopPerformSynchronousRequest, step (8) of IO-2.5: the tail every I/O service shares.
 * Each service calls the driver itself, as an engine call of its own (what `yield*
 * io.callDriver` does, without the EngineCall object per request), then uses these:
 *
 *   const status = ((yield machine.engine.call(callDriver(io, device, irp, null))) as NtStatus) >>> 0;
 *   if (finishedByService(irp)) yield* io.finishRequest(irp);
 *   if (file.synchronous && status === STATUS.PENDING) return yield* waitForFinalStatus(io, file, irp, thread);
 *   return returnedStatus(io, file, status, apcRoutine);
 *
 * (Not one generator around the call: every frame of a task's `yield*` chain is re-entered
 * at each of its steps, see callDriver.)
 */

/**
 * A deferred request that did not pend is finished by its service (IO-5.19). A test, not
 * a generator: the service runs `io.finishRequest` itself, one frame fewer.
 */
export function finishedByService(irp: Irp): boolean {
  // IRP_FLAG.DEFER_IO_COMPLETION as a literal: V8 does not fold a module's constants (see Memory.pte).
  return (irp.flags & 0x800 /* IRP_FLAG.DEFER_IO_COMPLETION */) !== 0 && irp.state === 'completed' && !irp.pendingReturned;
}

/**
 * The status a service returns when it does not wait (§11 "Returned status S"): the
 * dispatch routine's. A synchronous file object's lock is released here. IO-7.6: on an
 * asynchronous file object, current Windows 10/11 returns STATUS_PENDING for a warning
 * when the call gave no APC routine (the result is already in the IOSB); legacy Windows
 * returned the warning.
 */
export function returnedStatus(io: IoManager, file: FileObject, status: NtStatus, apcRoutine: number): NtStatus {
  if (file.synchronous) {
    releaseFileLock(io, file);
    return status;
  }
  return ntWarning(status) && apcRoutine === 0 && io.windows === 'current' ? 0x103 /* STATUS_PENDING */ : status;
}

/**
 * The wait of a synchronous file object for a pended request, on the file object's event;
 * then the file-object lock is released. The wait is in the caller's previous mode, as
 * IopSynchronousServiceTail's KeWaitForSingleObject(..., RequestorMode, ...): a user
 * caller's thread can be terminated in it (ThreadTermination leaves through here; its exit
 * runs IoCancelThreadIo, which cancels the request with IoCancelIrp, IO-6.5).
 * FILE_SYNCHRONOUS_IO_NONALERT waits non-alertably: user APCs stay queued. With
 * FO_ALERTABLE_IO (FILE_SYNCHRONOUS_IO_ALERT) a user APC ends the wait and the I/O manager
 * cancels the request and waits for it to complete (IopAbortInterruptedIrp, IO-7.14).
 */
export function* waitForFinalStatus(io: IoManager, file: FileObject, irp: Irp, thread: Thread): Routine<NtStatus> {
  const engine = io.machine.engine;
  try {
    if ((file.flags & FO.ALERTABLE_IO) === 0) {
      yield* waitForObjects(engine, thread, [file.event], { mode: thread.previousMode });
    } else {
      const woke = yield* waitForObjects(engine, thread, [file.event], { mode: thread.previousMode, alertable: true });
      if (woke === STATUS.USER_APC || woke === STATUS.ALERTED) {
        yield* abortInterruptedIrp(io, irp);
        yield* waitForObjects(engine, thread, [file.event]);
      }
    }
    return file.finalStatus;
  } finally {
    releaseFileLock(io, file);
  }
}

/** IopAbortInterruptedIrp: IoCancelIrp on the request whose wait a user APC ended (IO-7.14). */
function* abortInterruptedIrp(io: IoManager, irp: Irp): Routine<void> {
  if (irp.state === 'freed' || irp.state === 'completed') return;
  if (io.trace.on) io.trace.emit({ type: 'io.irp.abort', irp: irp.id, tid: irp.thread?.id ?? null });
  yield* cancelIrp(io, irp, null);
}
