import type { EventType } from './dispatcher/KEvent.ts';
import type { Machine } from './Machine.ts';
import type { NtStatus } from './ntstatus.ts';
import type { Routine } from './Task.ts';
import type { Thread, UserApc } from './Thread.ts';

/**
 * The system service table's argument types, by service name. Each package adds the
 * services it implements by augmenting this interface, and registers them with
 * `machine.registerService`. Arguments are numbers (addresses, handles, lengths) exactly
 * as a user program passes them; outputs are written through pointers.
 */
export interface SystemServiceArgs {
  NtClose: { handle: number };
  /** `name` is a full NT name (`\BaseNamedObjects\Ready`) or null, passed by value. */
  NtCreateEvent: { handleOut: number; access: number; name: string | null; eventType: EventType; initialState: boolean };
  NtOpenEvent: { handleOut: number; access: number; name: string };
  NtSetEvent: { handle: number; previousStateOut: number };
  NtResetEvent: { handle: number; previousStateOut: number };
  NtPulseEvent: { handle: number; previousStateOut: number };
  NtCreateSemaphore: { handleOut: number; access: number; name: string | null; initialCount: number; maximumCount: number };
  NtOpenSemaphore: { handleOut: number; access: number; name: string };
  NtReleaseSemaphore: { handle: number; releaseCount: number; previousCountOut: number };
  NtCreateMutant: { handleOut: number; access: number; name: string | null; initialOwner: boolean };
  NtOpenMutant: { handleOut: number; access: number; name: string };
  NtReleaseMutant: { handle: number; previousCountOut: number };
  /** `timeoutNs`: a relative timeout in nanoseconds, or null for none (passed by value). */
  NtWaitForSingleObject: { handle: number; alertable: boolean; timeoutNs: number | null };
  /** `handles`: the address of an array of `count` handles in the caller's memory. */
  NtWaitForMultipleObjects: { count: number; handles: number; waitAll: boolean; alertable: boolean; timeoutNs: number | null };
  NtDelayExecution: { alertable: boolean; intervalNs: number };
  NtTestAlert: Record<string, never>;
  /** The thread's code is passed by value as a routine (the simulator has no instruction stream). */
  NtCreateThreadEx: { handleOut: number; name: string; body: (thread: Thread) => Routine<unknown> };
  NtTerminateThread: { handle: number; exitStatus: number };
  NtTerminateProcess: { handle: number; exitStatus: number };
  NtQueueApcThread: { handle: number; apc: UserApc };
  /** Within the calling process (cross-process duplication is not modelled). */
  NtDuplicateObject: { sourceHandle: number; targetHandleOut: number; access: number; options: number };
  /** Reserve and commit `size` bytes in the caller's process; the base address goes to `baseOut`. */
  NtAllocateVirtualMemory: { baseOut: number; size: number; protect: number };
  NtFreeVirtualMemory: { base: number };
  NtProtectVirtualMemory: { base: number; size: number; protect: number; oldProtectOut: number };
  /** A page-file-backed section of `size` bytes; `protect` PAGE_READWRITE or PAGE_READONLY. */
  NtCreateSection: { handleOut: number; access: number; name: string | null; size: number; protect: number };
  NtOpenSection: { handleOut: number; access: number; name: string };
  /** Maps a view into the calling process; `size` 0 maps to the end of the section. */
  NtMapViewOfSection: { sectionHandle: number; baseOut: number; offset: number; size: number; protect: number };
  NtUnmapViewOfSection: { base: number };
}

export type SystemServiceName = keyof SystemServiceArgs & string;

export type SystemService<K extends SystemServiceName> = (
  machine: Machine,
  thread: Thread,
  args: SystemServiceArgs[K],
) => Routine<NtStatus>;
