import type { Budget, CostModel, Outcome, Routine } from '@irpsim/core';
import type { DriverDefinition } from '@irpsim/driver-model';
import type { VerifierLevel, Win32 } from '@irpsim/io-manager';

/** Machine settings of a scenario. */
export interface MachineSettings {
  readonly strategy: 'random' | 'first-come';
  readonly verifier: VerifierLevel;
  readonly windows: 'current' | 'legacy';
  readonly autoClearInitializing: boolean;
  readonly cost: Partial<CostModel>;
  readonly budget: Partial<Budget>;
}

/** What a run as a whole must show. */
export interface RunExpectations {
  readonly outcome: Outcome;
  /** null: no bug check; otherwise the expected stop code (and optionally its name). */
  readonly bugcheck: { readonly code: number | null; readonly name: string | null } | null;
  /** Check ids that must each occur; any other violation fails the run. */
  readonly violations: readonly string[];
  /** Per process name: the status it must have exited with (null: any). */
  readonly processes: ReadonlyMap<string, { readonly exitStatus: number | null }>;
}

/** A user buffer allocated when its process starts. */
export interface BufferSpec {
  readonly name: string;
  readonly size: number;
  readonly bytes: Uint8Array;
  /** PAGE_READWRITE, PAGE_READONLY or PAGE_NOACCESS, applied after filling. */
  readonly protect: number;
}

/** What a thread body gets. */
export interface ThreadContext {
  /** The Win32 API of this thread. */
  readonly u: Win32;
  /** The process's named buffers (shared by its threads): name → address and size. */
  readonly buffers: Map<string, { readonly address: number; readonly size: number }>;
  /** The process's named handles (shared by its threads). */
  readonly handles: Map<string, number>;
  /**
   * Records an expectation. `passed` is computed by the caller; `expected` and `actual`
   * are shown as given. Returns `passed`.
   */
  check(description: string, expected: unknown, actual: unknown, passed: boolean): boolean;
}

export interface ThreadSpec {
  readonly name: string;
  /** Simulated nanoseconds after its process starts. */
  readonly start: number;
  readonly run: (ctx: ThreadContext) => Routine<unknown>;
}

export interface ProcessSpec {
  readonly name: string;
  readonly buffers: readonly BufferSpec[];
  readonly threads: readonly ThreadSpec[];
}

/**
 * A scenario ready to run, whether it came from YAML or from TypeScript (`defineScenario`):
 * drivers to load at boot, processes whose threads act, and what the run must show.
 */
export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly machine: MachineSettings;
  readonly drivers: readonly DriverDefinition[];
  readonly processes: readonly ProcessSpec[];
  readonly expect: RunExpectations;
  /** The named values the scenario and its drivers define (IOCTL codes …), for narration. */
  readonly values: ReadonlyMap<string, number>;
  /** A fingerprint of the scenario's content (16 hex digits). */
  readonly hash: string;
}

export const DEFAULT_MACHINE: MachineSettings = {
  strategy: 'random',
  verifier: 'enhanced',
  windows: 'current',
  autoClearInitializing: true,
  cost: {},
  budget: {},
};

export const DEFAULT_EXPECT: RunExpectations = { outcome: 'completed', bugcheck: null, violations: [], processes: new Map() };
