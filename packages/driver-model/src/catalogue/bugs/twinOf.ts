import { STATUS } from '@irpsim/core';
import type { DispatchRoutine, Kernel } from '@irpsim/io-manager';
import { defineDriver, type DriverDefinition } from '../../defineDriver.ts';

/** What makes a buggy twin: its catalogue name, its one line, and the routine it changes. */
export interface TwinSpec {
  /** Catalogue name: `<correct driver>-<bug>`. */
  readonly name: string;
  /** One line for `irpsim list --drivers`: which bug, and which check catches it. */
  readonly description: string;
  /** The major function (IRP_MJ_*) whose dispatch routine differs. */
  readonly major: number;
  /** The twin's routine, made from the correct driver's: the same code but for one line. */
  readonly routine: (correct: DispatchRoutine) => DispatchRoutine;
}

/**
 * A buggy twin of a correct catalogue driver: the same service, devices and values — so a
 * lesson swaps one for the other by changing its `use:` line — whose DriverEntry is the
 * correct one's, after which one dispatch routine is replaced by `spec.routine(correct)`.
 * The difference is kept to one line of driver code, stated in each twin's comment.
 */
export function twinOf(correct: DriverDefinition, spec: TwinSpec): DriverDefinition {
  return defineDriver({
    ...correct,
    name: spec.name,
    description: spec.description,
    *DriverEntry(k, driver, registryPath) {
      const status = yield* correct.DriverEntry(k, driver, registryPath);
      const routine = driver.MajorFunction[spec.major];
      if (status !== STATUS.SUCCESS || routine === null || routine === undefined) return status;
      driver.MajorFunction[spec.major] = spec.routine(routine);
      return status;
    },
  });
}

/**
 * The kernel as a routine sees it with some DDIs replaced: how a twin changes one call of
 * the correct routine (drops IoMarkIrpPending, skips ProbeForWrite, …) without copying it.
 * Every other DDI is the real one, bound to the real kernel.
 */
export function withDdis(k: Kernel, replaced: Partial<Kernel>): Kernel {
  return new Proxy(k, {
    get(target, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof Kernel];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
