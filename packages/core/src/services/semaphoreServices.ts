import { releaseSemaphore } from '../dispatcher/events.ts';
import { KSemaphore } from '../dispatcher/KSemaphore.ts';
import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { SEMAPHORE_ACCESS, SemaphoreType } from '../objects/coreTypes.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { createOrOpen, openNamed, probeOutputs, referenceHandle, writeOutput } from './serviceHelpers.ts';

export function* NtCreateSemaphore(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string | null; initialCount: number; maximumCount: number }): Routine<NtStatus> {
  if (a.maximumCount < 1 || a.initialCount < 0 || a.initialCount > a.maximumCount) return STATUS.INVALID_PARAMETER;
  return createOrOpen(m, t, SemaphoreType, a.name, a.access, a.handleOut, () => new KSemaphore(a.initialCount, a.maximumCount));
}

export function* NtOpenSemaphore(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string }): Routine<NtStatus> {
  return openNamed(m, t, SemaphoreType, a.name, a.access, a.handleOut);
}

export function* NtReleaseSemaphore(m: Machine, t: Thread, a: { handle: number; releaseCount: number; previousCountOut: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.previousCountOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const { status, object } = referenceHandle<KSemaphore>(m, t, a.handle, SEMAPHORE_ACCESS.MODIFY_STATE, SemaphoreType);
  if (object === null) return status;
  const released = releaseSemaphore(m.engine, object.body, a.releaseCount);
  if (m.trace.on && released.status === STATUS.SUCCESS) {
    m.trace.emit({ type: 'object.signal', object: object.id, name: object.name, objectType: 'Semaphore', state: object.body.signalState });
  }
  yield* m.objects.dereference(object);
  if (released.status === STATUS.SUCCESS) writeOutput(m, t, a.previousCountOut, released.previous);
  return released.status;
}
