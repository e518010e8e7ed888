import { releaseMutant } from '../dispatcher/events.ts';
import { KMutant } from '../dispatcher/KMutant.ts';
import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { MutantType } from '../objects/coreTypes.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { createOrOpen, openNamed, probeOutputs, referenceHandle, writeOutput } from './serviceHelpers.ts';

export function* NtCreateMutant(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string | null; initialOwner: boolean }): Routine<NtStatus> {
  return createOrOpen(m, t, MutantType, a.name, a.access, a.handleOut, () => new KMutant(a.initialOwner ? t : null));
}

export function* NtOpenMutant(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string }): Routine<NtStatus> {
  return openNamed(m, t, MutantType, a.name, a.access, a.handleOut);
}

/** NtReleaseMutant: only the owning thread may release (STATUS_MUTANT_NOT_OWNED otherwise). */
export function* NtReleaseMutant(m: Machine, t: Thread, a: { handle: number; previousCountOut: number }): Routine<NtStatus> {
  const probed = probeOutputs(m, t, a.previousCountOut);
  if (probed !== STATUS.SUCCESS) return probed;
  const { status, object } = referenceHandle<KMutant>(m, t, a.handle, 0, MutantType);
  if (object === null) return status;
  const released = releaseMutant(m.engine, object.body, t);
  if (m.trace.on && released.status === STATUS.SUCCESS) {
    m.trace.emit({ type: 'object.signal', object: object.id, name: object.name, objectType: 'Mutant', state: object.body.signalState });
  }
  yield* m.objects.dereference(object);
  if (released.status === STATUS.SUCCESS) writeOutput(m, t, a.previousCountOut, released.previous);
  return released.status;
}
