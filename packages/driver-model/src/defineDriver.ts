import type { NtStatus, Routine } from '@irpsim/core';
import type { DriverEntry, IoManager, Kernel } from '@irpsim/io-manager';

/**
 * A driver as irpsim loads it: a name, one line saying what it is for, the named values
 * (IOCTL codes) a scenario may use with it, and its DriverEntry.
 */
export interface DriverDefinition {
  /** Catalogue name (lower-case, dashes): `hello`. */
  readonly name: string;
  /** One line for `irpsim list --drivers`. */
  readonly description: string;
  /** The service name: the driver object is `\Driver\<serviceName>`. */
  readonly serviceName: string;
  /** Named values (IOCTL codes and the like) a scenario can refer to by name. */
  readonly values?: Readonly<Record<string, number>>;
  /** The device paths user mode opens, for documentation: `\\.\Hello`. */
  readonly opens?: readonly string[];
  readonly DriverEntry: DriverEntry;
}

/** Declares a driver (an identity function that gives the definition its type). */
export function defineDriver(definition: DriverDefinition): DriverDefinition {
  return definition;
}

/** Loads a driver into a running machine (from a system thread): runs its DriverEntry. */
export function* loadDriver(io: IoManager, definition: DriverDefinition): Routine<NtStatus> {
  return yield* io.loadDriver(definition.serviceName, definition.DriverEntry);
}

export type { Kernel };
