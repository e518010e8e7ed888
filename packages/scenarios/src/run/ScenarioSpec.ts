import type { Budget, CostModel, Outcome, Routine } from '@irpsim/core';
import type { DriverDefinition } from '@irpsim/driver-model';
import type { AdversarySettings, VerifierLevel, Win32 } from '@irpsim/io-manager';
import type { ReportSpec } from '../report/ReportSpec.ts';
import type { ScenarioInvariant } from '../invariants/ScenarioInvariant.ts';
import type { TraceExpect } from '../format/traceExpect.ts';
import type { ValuesExpect } from '../format/valuesExpect.ts';
import type { FinalExpect } from '../format/finalExpect.ts';
import type { UntilCondition } from '../format/untilCondition.ts';

/** Machine settings of a scenario. */
export interface MachineSettings {
  readonly strategy: 'random' | 'first-come';
  readonly verifier: VerifierLevel;
  readonly windows: 'current' | 'legacy';
  readonly autoClearInitializing: boolean;
  /** The adversary modes switched on (docs/verifier.md "Adversaries"); absent or empty: none. */
  readonly adversaries?: AdversarySettings;
  readonly cost: Partial<CostModel>;
  readonly budget: Partial<Budget>;
  /** Number of CPUs (absent: the machine's default, 2). */
  readonly cpus?: number;
  /** Ends the run as `completed` when it holds (format/untilCondition.ts); absent: none. */
  readonly until?: UntilCondition;
}

/** What a run as a whole must show. */
export interface RunExpectations {
  readonly outcome: Outcome;
  /** null: no bug check; otherwise the expected stop code (and optionally its name). */
  readonly bugcheck: {
    readonly code: number | null;
    readonly name: string | null;
    /** The first stop parameters to compare, in order; null compares nothing at that place. */
    readonly params: readonly (number | null)[];
  } | null;
  /** Check ids that must each occur; any other violation fails the run. */
  readonly violations: readonly string[];
  /** Per process name: the status it must have exited with (null: any). */
  readonly processes: ReadonlyMap<string, { readonly exitStatus: number | null }>;
  /**
   * Threads (`process/thread`) allowed to stop before the end of their actions. Every other
   * thread must finish them when the expected outcome is `completed`, unless its process
   * exited as `processes` expects.
   */
  readonly unfinished: readonly string[];
  /** The state the run leaves (format/finalExpect.ts); absent: not checked. */
  readonly final?: FinalExpect;
  /** The run-level `log` and `driverCalls` (format/traceExpect.ts); absent: not checked. */
  readonly trace?: TraceExpect;
  /** The run-level `values`: named values as computed (format/valuesExpect.ts). */
  readonly values?: ValuesExpect;
}

/** How far a thread got through its actions (for the unfinished-thread check). */
export interface ActionProgress {
  /** `app/main`. */
  readonly thread: string;
  readonly process: string;
  /** One label per action, `#3 wait go (line 14)`; empty for a TypeScript body. */
  readonly actions: readonly string[];
  /** The index of the action running, or about to run. */
  next: number;
  /** Where inside that action it is (a repeat's iteration), or null. */
  detail: string | null;
  /** The thread reached the end of its actions (its body returned). */
  done: boolean;
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
   * The pool buffers `kernel: true` threads named with `alloc` (the System process's buffers):
   * any thread may pass one by address, `{ address: NAME }` (IO-10.1). Absent: none.
   */
  readonly pool?: ReadonlyMap<string, { readonly address: number; readonly size: number }>;
  /**
   * Records an expectation. `passed` is computed by the caller; `expected` and `actual`
   * are shown as given. Returns `passed`.
   */
  check(description: string, expected: unknown, actual: unknown, passed: boolean): boolean;
  /** Shows a line of commentary in the narration, at this point of the thread (`note:`). */
  note(text: string): void;
  /** How far this thread got: the run checks that it finished (RunExpectations.unfinished). */
  readonly progress: ActionProgress;
  /** Registers the progress of a thread this one creates (`spawn`), as `process/name`. */
  track(thread: string, actions: readonly string[]): ActionProgress;
}

export interface ThreadSpec {
  readonly name: string;
  /** A system thread of the System process (`kernel: true`, IO-10.1): PreviousMode = KernelMode. */
  readonly kernel?: boolean;
  /** Simulated nanoseconds after its process starts. */
  readonly start: number;
  /** Labels of its actions, `#3 wait go (line 14)` (a YAML thread); none for TypeScript. */
  readonly actions?: readonly string[];
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
  /** The table the run computes (`report:`); absent or null when none. */
  readonly report?: ReportSpec | null;
  /** The scenario's declared invariants (`invariants:`, src/invariants); absent: none. */
  readonly invariants?: readonly ScenarioInvariant[];
}

export const DEFAULT_MACHINE: MachineSettings = {
  strategy: 'random',
  verifier: 'enhanced',
  windows: 'current',
  autoClearInitializing: true,
  cost: {},
  budget: {},
};

export const DEFAULT_EXPECT: RunExpectations = { outcome: 'completed', bugcheck: null, violations: [], processes: new Map(), unfinished: [] };
