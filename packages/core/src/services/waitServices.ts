import type { DispatcherObject } from '../dispatcher/DispatcherObject.ts';
import { waitForObjects } from '../dispatcher/waits.ts';
import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { ACCESS } from '../objects/access.ts';
import { dispatcherOf } from '../objects/coreTypes.ts';
import type { KObject } from '../objects/KObject.ts';
import { SimException } from '../SimException.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { referenceHandle } from './serviceHelpers.ts';

/** The most handles one wait takes (MAXIMUM_WAIT_OBJECTS). */
export const MAXIMUM_WAIT_OBJECTS = 64;

export function* NtWaitForSingleObject(m: Machine, t: Thread, a: { handle: number; alertable: boolean; timeoutNs: number | null }): Routine<NtStatus> {
  return yield* waitOnHandles(m, t, [a.handle], false, a.alertable, a.timeoutNs);
}

export function* NtWaitForMultipleObjects(m: Machine, t: Thread, a: { count: number; handles: number; waitAll: boolean; alertable: boolean; timeoutNs: number | null }): Routine<NtStatus> {
  if (a.count < 1 || a.count > MAXIMUM_WAIT_OBJECTS) return STATUS.INVALID_PARAMETER;
  let handles: number[];
  try {
    const bytes = m.memory.read(t.process.space, a.handles, 4 * a.count, t.previousMode);
    handles = Array.from({ length: a.count }, (_, i) => (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0);
  } catch (error) {
    if (SimException.is(error)) return error.code;
    throw error;
  }
  return yield* waitOnHandles(m, t, handles, a.waitAll, a.alertable, a.timeoutNs);
}

function* waitOnHandles(m: Machine, t: Thread, handles: readonly number[], waitAll: boolean, alertable: boolean, timeoutNs: number | null): Routine<NtStatus> {
  const referenced: KObject[] = [];
  const dispatchers: DispatcherObject[] = [];
  let status: NtStatus = STATUS.SUCCESS;
  for (const handle of handles) {
    const r = referenceHandle(m, t, handle, ACCESS.SYNCHRONIZE, null);
    if (r.object === null) {
      status = r.status;
      break;
    }
    referenced.push(r.object);
    const d = dispatcherOf(r.object);
    if (d === null) {
      status = STATUS.OBJECT_TYPE_MISMATCH;
      break;
    }
    dispatchers.push(d);
  }
  try {
    if (status !== STATUS.SUCCESS) return status;
    if (m.trace.on) m.trace.emit({ type: 'wait.begin', tid: t.id, objects: referenced.map((o) => o.name ?? `${o.type.name} #${o.id}`), waitAll, alertable, timeoutNs });
    const result = yield* waitForObjects(m.engine, t, dispatchers, { waitAll, alertable, timeoutNs, mode: t.previousMode });
    if (m.trace.on) m.trace.emit({ type: 'wait.end', tid: t.id, status: result });
    return result;
  } finally {
    for (const object of referenced) m.objects.dereferenceDeferred(object);
  }
}

/** NtDelayExecution (Sleep / SleepEx): a wait on nothing, alertable or not. */
export function* NtDelayExecution(m: Machine, t: Thread, a: { alertable: boolean; intervalNs: number }): Routine<NtStatus> {
  const result = yield* waitForObjects(m.engine, t, [], { timeoutNs: Math.max(0, a.intervalNs), alertable: a.alertable, mode: t.previousMode });
  return result === STATUS.TIMEOUT ? STATUS.SUCCESS : result;
}

/** NtTestAlert: delivers pending user APCs on the way back to user mode. */
export function* NtTestAlert(_m: Machine, t: Thread): Routine<NtStatus> {
  if (t.userApcs.length === 0) return STATUS.SUCCESS;
  t.userApcPending = true;
  return STATUS.USER_APC;
}
