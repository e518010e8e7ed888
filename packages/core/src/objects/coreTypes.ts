import type { DispatcherObject } from '../dispatcher/DispatcherObject.ts';
import { KEvent } from '../dispatcher/KEvent.ts';
import { KMutant } from '../dispatcher/KMutant.ts';
import { KSemaphore } from '../dispatcher/KSemaphore.ts';
import { Process } from '../Process.ts';
import { Thread } from '../Thread.ts';
import type { Section } from '../memory/Section.ts';
import type { KObject } from './KObject.ts';
import type { ObjectType } from './ObjectType.ts';

/** Specific access rights of the core object types (winnt.h). */
export const EVENT_ACCESS = { QUERY_STATE: 0x0001, MODIFY_STATE: 0x0002, ALL_ACCESS: 0x001f0003 } as const;
export const SEMAPHORE_ACCESS = { QUERY_STATE: 0x0001, MODIFY_STATE: 0x0002, ALL_ACCESS: 0x001f0003 } as const;
export const MUTANT_ACCESS = { QUERY_STATE: 0x0001, ALL_ACCESS: 0x001f0001 } as const;
export const THREAD_ACCESS = { TERMINATE: 0x0001, ALERT: 0x0004, QUERY_INFORMATION: 0x0040, ALL_ACCESS: 0x001fffff } as const;
export const SECTION_ACCESS = { QUERY: 0x0001, MAP_WRITE: 0x0002, MAP_READ: 0x0004, MAP_EXECUTE: 0x0008, ALL_ACCESS: 0x000f001f } as const;
export const PROCESS_ACCESS = { TERMINATE: 0x0001, VM_OPERATION: 0x0008, VM_READ: 0x0010, VM_WRITE: 0x0020, DUP_HANDLE: 0x0040, QUERY_INFORMATION: 0x0400, ALL_ACCESS: 0x001fffff } as const;

const READ_CONTROL = 0x00020000;
const SYNCHRONIZE = 0x00100000;

export const EventType: ObjectType = {
  name: 'Event',
  genericMapping: { read: READ_CONTROL | EVENT_ACCESS.QUERY_STATE, write: READ_CONTROL | EVENT_ACCESS.MODIFY_STATE, execute: SYNCHRONIZE, all: EVENT_ACCESS.ALL_ACCESS },
};
export const SemaphoreType: ObjectType = {
  name: 'Semaphore',
  genericMapping: { read: READ_CONTROL | SEMAPHORE_ACCESS.QUERY_STATE, write: READ_CONTROL | SEMAPHORE_ACCESS.MODIFY_STATE, execute: SYNCHRONIZE, all: SEMAPHORE_ACCESS.ALL_ACCESS },
};
export const MutantType: ObjectType = {
  name: 'Mutant',
  genericMapping: { read: READ_CONTROL | MUTANT_ACCESS.QUERY_STATE, write: READ_CONTROL, execute: SYNCHRONIZE, all: MUTANT_ACCESS.ALL_ACCESS },
};
export const ThreadType: ObjectType = {
  name: 'Thread',
  genericMapping: { read: READ_CONTROL | 0x0048, write: READ_CONTROL | 0x0037, execute: SYNCHRONIZE | READ_CONTROL, all: THREAD_ACCESS.ALL_ACCESS },
};
export const ProcessType: ObjectType = {
  name: 'Process',
  genericMapping: { read: READ_CONTROL | 0x0410, write: READ_CONTROL | 0x0beb, execute: SYNCHRONIZE | READ_CONTROL, all: PROCESS_ACCESS.ALL_ACCESS },
};

export const SectionType: ObjectType = {
  name: 'Section',
  // Handles and views both hold references: the frames go with the last of them (C6).
  *onDelete(object) {
    (object.body as Section).release();
  },
  genericMapping: { read: READ_CONTROL | SECTION_ACCESS.QUERY | SECTION_ACCESS.MAP_READ, write: READ_CONTROL | SECTION_ACCESS.MAP_WRITE, execute: READ_CONTROL | SECTION_ACCESS.MAP_EXECUTE, all: SECTION_ACCESS.ALL_ACCESS },
};

/** The dispatcher object behind a waitable kernel object, or null for one you cannot wait on. */
export function dispatcherOf(object: KObject): DispatcherObject | null {
  const body = object.body;
  if (body instanceof KEvent || body instanceof KSemaphore || body instanceof KMutant) return body;
  if (body instanceof Thread || body instanceof Process) return body.exited;
  return object.type.waitable?.(object) ?? null;
}
