import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { PROCESS_ACCESS, ProcessType, THREAD_ACCESS, ThreadType } from '../objects/coreTypes.ts';
import type { Process } from '../Process.ts';
import type { Routine } from '../Task.ts';
import type { Thread, UserApc } from '../Thread.ts';
import { CURRENT_PROCESS, CURRENT_THREAD, probeOutputs, referenceHandle, tableForNew, writeOutput } from './serviceHelpers.ts';

export function* NtCreateThreadEx(m: Machine, t: Thread, a: { handleOut: number; name: string; body: (thread: Thread) => Routine<unknown> }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.handleOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const created = m.createThread(t.process, a.name, a.body);
  const handle = m.objects.openHandle(tableForNew(m, t), t.process.id, created.object, THREAD_ACCESS.ALL_ACCESS);
  writeOutput(m, t, a.handleOut, handle);
  return STATUS.SUCCESS;
}

/** The thread a handle names (NtCurrentThread() included), with the access checked. */
function threadOf(m: Machine, t: Thread, handle: number, access: number): { status: NtStatus; thread: Thread | null; release: () => void } {
  if (handle >>> 0 === CURRENT_THREAD) return { status: STATUS.SUCCESS, thread: t, release: () => {} };
  const { status, object } = referenceHandle<Thread>(m, t, handle, access, ThreadType);
  if (object === null) return { status, thread: null, release: () => {} };
  return { status, thread: object.body, release: () => m.objects.dereferenceDeferred(object) };
}

export function* NtTerminateThread(m: Machine, t: Thread, a: { handle: number; exitStatus: number }): Routine<NtStatus> {
  const target = threadOf(m, t, a.handle, THREAD_ACCESS.TERMINATE);
  if (target.thread === null) return target.status;
  target.release();
  if (target.thread.exitStatus !== null) return STATUS.SUCCESS;
  m.terminateThread(target.thread, a.exitStatus >>> 0);
  return STATUS.SUCCESS;
}

export function* NtTerminateProcess(m: Machine, t: Thread, a: { handle: number; exitStatus: number }): Routine<NtStatus> {
  let process: Process = t.process;
  if (a.handle >>> 0 !== CURRENT_PROCESS) {
    const { status, object } = referenceHandle<Process>(m, t, a.handle, PROCESS_ACCESS.TERMINATE, ProcessType);
    if (object === null) return status;
    process = object.body;
    m.objects.dereferenceDeferred(object);
  }
  if (process.hasExited) return STATUS.PROCESS_IS_TERMINATING;
  m.terminateProcess(process, a.exitStatus >>> 0);
  return STATUS.SUCCESS;
}

/** NtQueueApcThread (QueueUserAPC): needs THREAD_SET_CONTEXT. */
export function* NtQueueApcThread(m: Machine, t: Thread, a: { handle: number; apc: UserApc }): Routine<NtStatus> {
  const target = threadOf(m, t, a.handle, 0x0010);
  if (target.thread === null) return target.status;
  target.release();
  m.queueUserApc(target.thread, a.apc);
  return STATUS.SUCCESS;
}
