import { KEvent, type EventType as KEventType } from '../dispatcher/KEvent.ts';
import { pulseEvent, resetEvent, setEvent } from '../dispatcher/events.ts';
import type { Machine } from '../Machine.ts';
import { STATUS, type NtStatus } from '../ntstatus.ts';
import { EVENT_ACCESS, EventType } from '../objects/coreTypes.ts';
import type { Routine } from '../Task.ts';
import type { Thread } from '../Thread.ts';
import { createOrOpen, openNamed, probeOutputs, referenceHandle, writeOutput } from './serviceHelpers.ts';

export function* NtCreateEvent(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string | null; eventType: KEventType; initialState: boolean }): Routine<NtStatus> {
  return createOrOpen(m, t, EventType, a.name, a.access, a.handleOut, () => new KEvent(a.eventType, a.initialState));
}

export function* NtOpenEvent(m: Machine, t: Thread, a: { handleOut: number; access: number; name: string }): Routine<NtStatus> {
  return openNamed(m, t, EventType, a.name, a.access, a.handleOut);
}

/** NtSetEvent / NtResetEvent / NtPulseEvent: need EVENT_MODIFY_STATE on the handle. */
function eventOperation(operation: (m: Machine, e: KEvent) => number) {
  return function* (m: Machine, t: Thread, a: { handle: number; previousStateOut: number }): Routine<NtStatus> {
    const probed = probeOutputs(m, t, a.previousStateOut);
    if (probed !== STATUS.SUCCESS) return probed;
    const { status, object } = referenceHandle<KEvent>(m, t, a.handle, EVENT_ACCESS.MODIFY_STATE, EventType);
    if (object === null) return status;
    const previous = operation(m, object.body);
    if (m.trace.on) m.trace.emit({ type: 'object.signal', object: object.id, name: object.name, objectType: 'Event', state: object.body.signalState });
    yield* m.objects.dereference(object);
    writeOutput(m, t, a.previousStateOut, previous);
    return STATUS.SUCCESS;
  };
}

export const NtSetEvent = eventOperation((m, e) => setEvent(m.engine, e));
export const NtResetEvent = eventOperation((_m, e) => resetEvent(e));
export const NtPulseEvent = eventOperation((m, e) => pulseEvent(m.engine, e));
