import {
  CURRENT_THREAD,
  KEvent,
  PRIORITY,
  STATUS,
  THREAD_ACCESS,
  ThreadType,
  setEvent,
  waitForObjects,
  type Machine,
  type NtStatus,
  type Routine,
  type Thread,
} from '@irpsim/core';
import { cancelIrps } from '../cancelIrps.ts';
import { IRP_FLAG } from '../constants.ts';
import type { IoManager } from '../IoManager.ts';
import type { Irp } from '../Irp.ts';
import { threadIrps } from '../irpThreadList.ts';
import { probeIosb, writeIosb } from './cancelService.ts';

declare module '@irpsim/core' {
  interface SystemServiceArgs {
    /** `request`: the IO_STATUS_BLOCK of the request to cancel, or 0 for whichever it is. */
    NtCancelSynchronousIoFile: { thread: number; request: number; iosb: number };
  }
}

/**
 * NtCancelSynchronousIoFile (CancelSynchronousIo, IO-6.5): when the target thread is in a
 * synchronous I/O request (one on a synchronous file object, or a synchronous-API IRP),
 * IoCancelIrp on it runs as a kernel APC in the target thread's context — where
 * Windows runs that cancel routine — and the service returns STATUS_SUCCESS once the APC
 * has run, with the IOSB {0, 0}. Otherwise STATUS_NOT_FOUND, also written to the IOSB;
 * asynchronous requests are never touched. Needs THREAD_TERMINATE on the handle.
 */
export function NtCancelSynchronousIoFile(io: IoManager) {
  return function* (machine: Machine, thread: Thread, a: { thread: number; request: number; iosb: number }): Routine<NtStatus> {
    const probed = probeIosb(machine, thread, a.iosb);
    if (probed !== STATUS.SUCCESS) return probed;
    const target = targetThread(machine, thread, a.thread);
    if (target.thread === null) return target.status;
    const irp = threadIrps(target.thread).find((candidate) => synchronous(candidate) && (a.request === 0 || candidate.origin?.userIosb === a.request));
    if (irp === undefined) {
      writeIosb(machine, thread, a.iosb, STATUS.NOT_FOUND);
      return STATUS.NOT_FOUND;
    }
    const delivered = new KEvent('notification');
    const victim = target.thread;
    machine.engine.spawn(cancelInThread(io, irp, thread, victim, delivered), {
      kind: 'apc',
      name: `CancelSynchronousIo APC for IRP ${irp.id} in ${victim.label}`,
      actor: victim.label,
      owner: victim,
      priority: PRIORITY.apc,
    });
    yield* waitForObjects(machine.engine, thread, [delivered]);
    writeIosb(machine, thread, a.iosb, STATUS.SUCCESS);
    return STATUS.SUCCESS;
  };
}

/** The kernel APC: cancel the request in its own thread, then let the caller go on. */
function* cancelInThread(io: IoManager, irp: Irp, caller: Thread, victim: Thread, delivered: KEvent): Routine<void> {
  yield* cancelIrps(io, [irp], 'NtCancelSynchronousIoFile', caller, irp.fileObject, victim);
  setEvent(io.machine.engine, delivered);
}

function synchronous(irp: Irp): boolean {
  return irp.fileObject?.synchronous === true || (irp.flags & IRP_FLAG.SYNCHRONOUS_API) !== 0;
}

/** The thread a handle names (NtCurrentThread() included), referenced with THREAD_TERMINATE. */
function targetThread(machine: Machine, thread: Thread, handle: number): { status: NtStatus; thread: Thread | null } {
  if (handle >>> 0 === CURRENT_THREAD) return { status: STATUS.SUCCESS, thread };
  const ref = machine.objects.referenceByHandle(machine.handleTableFor(thread, handle), handle, THREAD_ACCESS.TERMINATE, ThreadType, thread.previousMode);
  if (ref.object === null) return { status: ref.status, thread: null };
  machine.objects.dereferenceDeferred(ref.object);
  return { status: STATUS.SUCCESS, thread: ref.object.body as Thread };
}
