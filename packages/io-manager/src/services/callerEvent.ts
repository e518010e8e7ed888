import { EVENT_ACCESS, EventObjectType, STATUS, resetEvent, type KEvent, type Machine, type NtStatus, type Thread } from '@irpsim/core';

/** What step (5) of IO-2.5 found: a status and, when it succeeded, the caller's event (null when none was given). */
export interface CallerEvent {
  readonly status: NtStatus;
  readonly event: KEvent | null;
}

const NO_EVENT: CallerEvent = { status: STATUS.SUCCESS, event: null };

/** The object manager ignores the two tag bits of a handle value (kernel32's "low bit of hEvent" trick, IO-7.9). */
const HANDLE_TAG_BITS = 3;

/**
 * IO-2.5 step (5), IO-7.3: the Event argument of NtReadFile / NtWriteFile /
 * NtDeviceIoControlFile, referenced for EVENT_MODIFY_STATE (STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH or STATUS_ACCESS_DENIED otherwise) and reset before the IRP
 * exists. It becomes Irp->UserEvent. Simplification (docs/semantics.md): the IRP keeps the
 * event itself rather than a reference on its object.
 */
export function referenceCallerEvent(machine: Machine, thread: Thread, handle: number): CallerEvent {
  if (handle === 0) return NO_EVENT;
  const value = (handle & ~HANDLE_TAG_BITS) >>> 0;
  const table = machine.handleTableFor(thread, value);
  const ref = machine.objects.referenceByHandle(table, value, EVENT_ACCESS.MODIFY_STATE, EventObjectType, thread.previousMode);
  if (ref.object === null) return { status: ref.status, event: null };
  const event = ref.object.body as KEvent;
  resetEvent(event);
  // The handle still holds the object, so this never deletes it.
  machine.objects.dereferenceDeferred(ref.object);
  return { status: STATUS.SUCCESS, event };
}
