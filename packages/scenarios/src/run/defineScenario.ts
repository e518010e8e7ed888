import { fnv1a64 } from '@irpsim/core';
import type { DriverDefinition } from '@irpsim/driver-model';
import {
  DEFAULT_EXPECT,
  DEFAULT_MACHINE,
  type MachineSettings,
  type RunExpectations,
  type ScenarioSpec,
  type ThreadContext,
} from './ScenarioSpec.ts';
import type { Routine } from '@irpsim/core';
import type { ReportSpec } from '../report/ReportSpec.ts';
import type { ScenarioInvariant } from '../invariants/ScenarioInvariant.ts';

/** A scenario written in TypeScript, for researchers. */
export interface ScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly seed?: number;
  readonly machine?: Partial<MachineSettings>;
  readonly drivers: readonly DriverDefinition[];
  readonly processes: readonly {
    readonly name: string;
    readonly threads: readonly { readonly name: string; readonly start?: number; run(ctx: ThreadContext): Routine<unknown> }[];
  }[];
  readonly expect?: Partial<Omit<RunExpectations, 'processes'>> & { readonly processes?: Readonly<Record<string, { exitStatus: number | null }>> };
  /** Named values for narration (IOCTL codes). */
  readonly values?: Readonly<Record<string, number>>;
  /** A report table computed from the run (the loaded form of a YAML `report:`). */
  readonly report?: ReportSpec;
  /** Declared invariants (the loaded form of a YAML `invariants:`, src/invariants). */
  readonly invariants?: readonly ScenarioInvariant[];
}

/**
 * Declares a scenario in TypeScript. Thread bodies are generator functions that call the
 * Win32 API (`ctx.u`) with `yield*` and record expectations with `ctx.check`.
 */
export function defineScenario(definition: ScenarioDefinition): ScenarioSpec {
  const shape = JSON.stringify({
    name: definition.name,
    seed: definition.seed,
    machine: definition.machine,
    drivers: definition.drivers.map((d) => d.name),
    processes: definition.processes.map((p) => ({ name: p.name, threads: p.threads.map((t) => [t.name, t.start, String(t.run)]) })),
    expect: definition.expect,
    report: definition.report,
    // An invariant's `where` is a Map: listed as entries so it counts in the fingerprint.
    invariants: definition.invariants === undefined ? undefined : JSON.stringify(definition.invariants, (_key, value: unknown) => (value instanceof Map ? [...value] : value)),
  });
  return {
    name: definition.name,
    description: definition.description,
    seed: definition.seed ?? 1,
    machine: { ...DEFAULT_MACHINE, ...definition.machine },
    drivers: definition.drivers,
    processes: definition.processes.map((p) => ({
      name: p.name,
      buffers: [],
      threads: p.threads.map((t) => ({ name: t.name, start: t.start ?? 0, run: (ctx: ThreadContext) => t.run(ctx) })),
    })),
    expect: {
      ...DEFAULT_EXPECT,
      ...definition.expect,
      processes: new Map(Object.entries(definition.expect?.processes ?? {})),
    },
    values: new Map([...definition.drivers.flatMap((d) => Object.entries(d.values ?? {})), ...Object.entries(definition.values ?? {})]),
    hash: fnv1a64(shape),
    report: definition.report ?? null,
    ...(definition.invariants !== undefined ? { invariants: definition.invariants } : {}),
  };
}
