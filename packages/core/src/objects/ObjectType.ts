import type { DispatcherObject } from '../dispatcher/DispatcherObject.ts';
import type { Routine } from '../Task.ts';
import type { KObject } from './KObject.ts';

/** Maps GENERIC_READ/WRITE/EXECUTE/ALL to an object type's specific rights. */
export interface GenericMapping {
  readonly read: number;
  readonly write: number;
  readonly execute: number;
  readonly all: number;
}

/**
 * An object type (Device, File, Event, SymbolicLink, …). The two lifetime hooks are kept
 * apart because Windows keeps them apart: the last *handle* closing (for a file object,
 * IRP_MJ_CLEANUP) and the last *reference* going (IRP_MJ_CLOSE, then deletion).
 */
export interface ObjectType {
  readonly name: string;
  readonly genericMapping: GenericMapping;
  /** The handle count reached zero; runs in the context of the closing thread. */
  onLastHandle?(object: KObject, processId: number): Routine<void>;
  /** The reference count reached zero; the object is about to be deleted. */
  onDelete?(object: KObject): Routine<void>;
  /** What a wait on an object of this type waits for (a file object: its event, IO-7.8), when the type is waitable. */
  waitable?(object: KObject): DispatcherObject | null;
}
