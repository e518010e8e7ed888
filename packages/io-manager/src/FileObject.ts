import { KEvent, type KObject } from '@irpsim/core';
import type { DeviceObject } from './DeviceObject.ts';
import { FileObjectRef } from './FileObjectRef.ts';
import type { IoCompletion } from './IoCompletion.ts';

/** FO_* flags. */
export const FO = {
  SYNCHRONOUS_IO: 0x00000002,
  ALERTABLE_IO: 0x00000004,
  CLEANUP_COMPLETE: 0x00004000,
  SKIP_COMPLETION_PORT: 0x02000000,
  SKIP_SET_EVENT: 0x04000000,
  SKIP_SET_FAST_IO: 0x08000000,
} as const;

/** An open instance of a device: what a handle from CreateFile refers to. */
export class FileObject {
  readonly id: number;
  readonly object: KObject<FileObject>;
  /** The device the name resolved to — the named device, not the top of its stack (IO-9.9). */
  readonly device: DeviceObject;
  /** The name past the device (`\sub` for `\\.\Foo\sub`), or ''. */
  readonly fileName: string;
  flags: number;
  currentByteOffset = 0;
  /** The file object's own event, signalled at completion (IO-7.8). */
  readonly event = new KEvent('notification');
  /** Final status of the last synchronous request (FinalStatus). */
  finalStatus = 0;
  /** FsContext / FsContext2 for the driver's per-open state. */
  context: unknown = null;
  context2: unknown = null;
  /** The CREATE succeeded: CLEANUP and CLOSE are owed (IO-9.4). */
  opened = false;
  /** The file-object lock of a synchronous FO (IO-7.1): signalled while free. */
  readonly lockWaiters = new KEvent('synchronization', true);
  /** `[lockWaiters]`: the wait list of acquireFileLock, made once rather than per request. */
  readonly lockWaitList: readonly KEvent[] = [this.lockWaiters];
  private ref_: FileObjectRef | null = null;
  // ── completion ports (IO-7.9, IO-7.15) ──
  /** CompletionContext: the port and key packets of this file object go to, read at completion. */
  completion: { readonly port: IoCompletion; readonly key: number } | null = null;

  constructor(id: number, object: KObject<FileObject>, device: DeviceObject, fileName: string, flags: number) {
    this.id = id;
    this.object = object;
    this.device = device;
    this.fileName = fileName;
    this.flags = flags;
  }

  /** The FileObjectRef drivers are handed for this file object: one per file object, made on first use. */
  get ref(): FileObjectRef {
    return (this.ref_ ??= new FileObjectRef(this));
  }

  get synchronous(): boolean {
    // FO.SYNCHRONOUS_IO as a literal: read several times per request, and V8 does not fold a module's constants (see Memory.pte).
    return (this.flags & 0x2 /* FO.SYNCHRONOUS_IO */) !== 0;
  }
}
