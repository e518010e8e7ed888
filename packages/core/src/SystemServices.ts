import type { Machine } from './Machine.ts';
import type { NtStatus } from './ntstatus.ts';
import type { Routine } from './Task.ts';
import type { Thread } from './Thread.ts';

/**
 * The system service table's argument types, by service name. Each package adds the
 * services it implements by augmenting this interface, and registers them with
 * `machine.registerService`. Arguments are numbers (addresses, handles, lengths) exactly
 * as a user program passes them; outputs are written through pointers.
 */
export interface SystemServiceArgs {
  NtClose: { handle: number };
}

export type SystemServiceName = keyof SystemServiceArgs & string;

export type SystemService<K extends SystemServiceName> = (
  machine: Machine,
  thread: Thread,
  args: SystemServiceArgs[K],
) => Routine<NtStatus>;
