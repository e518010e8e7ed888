import { KSignal } from './dispatcher/KSignal.ts';
import type { NtStatus } from './ntstatus.ts';
import type { AddressSpace } from './memory/AddressSpace.ts';
import { HandleTable } from './objects/HandleTable.ts';
import type { KObject } from './objects/KObject.ts';
import type { Thread } from './Thread.ts';

/** A simulated process: an address space, a handle table and threads. */
export class Process {
  readonly id: number;
  readonly name: string;
  readonly space: AddressSpace;
  /** The System process: kernel handles and system threads live here. */
  readonly isSystem: boolean;
  readonly handles: HandleTable;
  readonly threads: Thread[] = [];
  /** Set when the process has exited. */
  exitStatus: NtStatus | null = null;
  /** Set while the process is being terminated, with the status it will exit with. */
  terminating: NtStatus | null = null;
  /** Signalled when the process has exited. */
  readonly exited = new KSignal();
  /** @internal the process's object-manager object. */
  object!: KObject<Process>;

  constructor(id: number, name: string, space: AddressSpace, isSystem: boolean) {
    this.id = id;
    this.name = name;
    this.space = space;
    this.isSystem = isSystem;
    this.handles = new HandleTable(isSystem);
  }

  get hasExited(): boolean {
    return this.exitStatus !== null;
  }
}
