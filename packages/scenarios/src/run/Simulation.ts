import '../scenarioEvents.ts';
import {
  Machine,
  describeStatus,
  firstCome,
  hex,
  ntSuccess,
  seededRandom,
  type Strategy,
  type TraceEvent,
  type TraceListener,
} from '@irpsim/core';
import { loadDriver } from '@irpsim/driver-model';
import { IoManager, Win32, addInvariant, installAdversaries, resolveAdversaries, type AdversarySettings, type Irp, type IrpChangeLog } from '@irpsim/io-manager';
import { invariantMonitor } from '../invariants/invariantMonitor.ts';
import { installUntil } from '../format/untilCondition.ts';
import { FinalState } from './finalState.ts';
import { TraceTally } from '../format/traceExpect.ts';
import { checkValues } from '../format/valuesExpect.ts';
import { checkReport } from '../report/checkReport.ts';
import { computeReport } from '../report/computeReport.ts';
import type { ExpectationResult, ScenarioResult } from './ScenarioResult.ts';
import type { ActionProgress, ScenarioSpec, ThreadContext } from './ScenarioSpec.ts';
import { readIrps, readState, readStateWith, type SimulationState } from './SimulationState.ts';
import { DriverViewCache } from '../render/ioSnapshot.ts';
import { nextSnapshot, type Snapshot } from './Snapshot.ts';

export interface SimulationOptions {
  /** Overrides the scenario's pinned seed. */
  readonly seed?: number;
  /** `random` (default: the scenario's setting), `first-come`, or any strategy. */
  readonly strategy?: 'random' | 'first-come' | Strategy;
  /** Keep every trace event in memory (default true; always on for a scenario with a report). */
  readonly record?: boolean;
  /** `snapshot()` also gives the immer patches since the previous snapshot (default false). */
  readonly patches?: boolean;
  /** An observer subscribed before the machine boots, so it sees every event from seq 1. */
  readonly listener?: TraceListener;
  /**
   * Adversary modes (docs/verifier.md "Adversaries"): `true` all of them, `false` none, or a
   * list; default the scenario's `machine.adversaries`. Under adversaries the scenario's
   * expectations are not evaluated: the run passes when no check and no violation fired.
   */
  readonly adversaries?: boolean | AdversarySettings;
}

/**
 * One run of a scenario: boots a machine, loads the scenario's drivers from a system
 * thread (DriverEntry at PASSIVE_LEVEL, before any user process exists), starts its
 * processes, and checks what the run must show. Step it or run it to the end.
 */
export class Simulation {
  readonly spec: ScenarioSpec;
  readonly machine: Machine;
  readonly io: IoManager;
  readonly seed: number;
  /** The adversary modes this run has on (empty: none). */
  readonly adversaries: AdversarySettings;
  private readonly expectations: ExpectationResult[] = [];
  /** Every thread's progress through its actions, in the order the threads were created. */
  private readonly progress: ActionProgress[] = [];
  private final: ScenarioResult | null = null;
  private readonly patches: boolean;
  private steps = 0;
  private lastSnapshot: SimulationState | null = null;
  /** The I/O manager's log of changed IRPs, from the first snapshot on. */
  private irpChanges: IrpChangeLog | null = null;
  /** The drivers' views snapshots reuse while a driver does not change. */
  private readonly driverViews = new DriverViewCache();
  /** An IRP now, or null once it is gone (for `nextSnapshot`). */
  private readonly liveIrp = (id: number): Irp | null => {
    const irp = this.io.irps.get(id);
    return irp === undefined || irp.state === 'freed' ? null : irp;
  };
  /** Each process's named handles (`as:`), for `expect.final`. */
  private readonly namedHandles = new Map<string, Map<string, number>>();
  private readonly finalState: FinalState | null = null;
  /** Counts for the run-level `log` and `driverCalls`. */
  private readonly tally: TraceTally | null = null;

  constructor(spec: ScenarioSpec, options: SimulationOptions = {}) {
    this.spec = spec;
    this.seed = options.seed ?? spec.seed;
    const wanted = options.strategy ?? spec.machine.strategy;
    const strategy = typeof wanted === 'object' ? wanted : wanted === 'first-come' ? firstCome() : seededRandom(this.seed);
    this.machine = new Machine({ strategy, cost: spec.machine.cost, budget: spec.machine.budget, ...(spec.machine.cpus !== undefined ? { cpus: spec.machine.cpus } : {}) });
    if (spec.machine.until !== undefined) installUntil(this.machine, spec.machine.until);
    // A report is computed from the trace, so a scenario that declares one always records.
    if ((options.record ?? true) || (spec.report ?? null) !== null) this.machine.trace.record();
    this.patches = options.patches ?? false;
    if (options.listener !== undefined) this.machine.trace.subscribe(options.listener);
    this.io = new IoManager(this.machine, {
      verifier: spec.machine.verifier,
      windows: spec.machine.windows,
      autoClearInitializing: spec.machine.autoClearInitializing,
    });
    this.adversaries = options.adversaries !== undefined ? resolveAdversaries(options.adversaries) : (spec.machine.adversaries ?? []);
    installAdversaries(this.io, this.adversaries);
    for (const invariant of spec.invariants ?? []) addInvariant(this.machine, invariantMonitor(invariant));
    if (spec.expect.final !== undefined) this.finalState = new FinalState(this.machine, this.io, spec.expect.final, (p) => this.namedHandles.get(p));
    if (spec.expect.trace !== undefined) {
      this.tally = new TraceTally(spec.expect.trace);
      this.machine.trace.subscribe(this.tally.listener);
    }
    this.boot();
  }

  /** The recorded trace (empty when recording is off). */
  get events(): readonly TraceEvent[] {
    return this.machine.trace.events;
  }

  /** Adds a read-only observer of trace events. */
  subscribe(listener: TraceListener): { unsubscribe(): void } {
    return this.machine.trace.subscribe(listener);
  }

  /** Runs one step; false once the run has ended. */
  step(): boolean {
    const stepped = this.machine.engine.step();
    if (stepped) this.steps++;
    return stepped;
  }

  /** Runs to the end. */
  run(): ScenarioResult {
    while (this.step()) {
      /* until the run ends */
    }
    return this.result();
  }

  /**
   * Runs until the trace event `seq` has been emitted (or the run ends); false when the run
   * ended first. A step may emit several events: the state is the one after that step.
   */
  runTo(seq: number): boolean {
    while (this.machine.trace.count < seq) if (!this.step()) return this.machine.trace.count >= seq;
    return true;
  }

  /** The run has ended (`result()` may be read). */
  get done(): boolean {
    return this.machine.engine.finished;
  }

  /** Simulated nanoseconds. */
  get now(): number {
    return this.machine.now;
  }

  /** The sequence number of the last trace event (0 before the first). */
  get seq(): number {
    return this.machine.trace.count;
  }

  /** The observable state now, as fresh plain data (docs/api.md). */
  inspect(): SimulationState {
    return readState(this.machine, this.io, this.steps);
  }

  /**
   * An immutable snapshot of the state now, sharing unchanged parts with the previous
   * snapshot; with the `patches` option, also what changed since that snapshot.
   */
  snapshot(): Snapshot {
    const previous = this.lastSnapshot;
    let snapshot: Snapshot;
    if (previous === null || this.irpChanges === null) {
      // From the first snapshot on, the I/O manager notes the IRPs each step touches, so the
      // next ones read only those (IrpChangeLog.ts); this one reads everything.
      this.irpChanges = this.io.trackIrpChanges();
      this.irpChanges.take();
      // Driver views through the cache, so the records this snapshot freezes are the ones the
      // cache hands out at the next (they are then shared without a compare).
      snapshot = nextSnapshot(previous, readStateWith(this.machine, this.io, this.steps, readIrps(this.io), this.driverViews, null), this.patches);
    } else {
      const fresh = readStateWith(this.machine, this.io, this.steps, previous.irps, this.driverViews, previous);
      snapshot = nextSnapshot(previous, fresh, this.patches, { ids: this.irpChanges.take(), live: this.liveIrp });
    }
    this.lastSnapshot = snapshot.state;
    return snapshot;
  }

  /** The result of the finished run. */
  result(): ScenarioResult {
    if (this.final !== null) return this.final;
    const run = this.machine.engine.getResult();
    const expect = this.spec.expect;
    const all = [...this.expectations];
    all.push({ description: 'run: outcome', expected: expect.outcome, actual: run.outcome, passed: run.outcome === expect.outcome });
    const bc = run.bugcheck;
    if (expect.bugcheck === null) {
      all.push({ description: 'run: no bug check', expected: 'none', actual: bc === null ? 'none' : `${hex(bc.code)} ${bc.name}`, passed: bc === null });
    } else {
      const want = expect.bugcheck;
      const paramsMatch = bc !== null && want.params.every((p, i) => p === null || bc.params[i] === p >>> 0);
      const passed = bc !== null && (want.code === null || bc.code === want.code) && (want.name === null || bc.name === want.name) && paramsMatch;
      const params = (values: readonly (number | null)[]) => (values.length === 0 ? null : `(${values.map((p) => (p === null ? '*' : hex(p))).join(', ')})`);
      all.push({
        description: 'run: bug check',
        expected: [want.code === null ? null : hex(want.code), want.name, params(want.params)].filter((x) => x !== null).join(' '),
        actual: bc === null ? 'none' : `${hex(bc.code)} ${bc.name} ${params(bc.params.slice(0, Math.max(1, want.params.length)))}`,
        passed,
      });
    }
    for (const [name, want] of expect.processes) {
      const process = this.machine.processes.find((p) => p.name === name && !p.isSystem);
      const actual = process?.exitStatus ?? null;
      all.push({
        description: `run: process ${name} exit status`,
        expected: want.exitStatus === null ? 'exited' : describeStatus(want.exitStatus),
        actual: actual === null ? 'still running' : describeStatus(actual),
        passed: actual !== null && (want.exitStatus === null || actual === want.exitStatus),
      });
    }
    const unfinished = this.unfinishedThreads();
    if (unfinished !== null) {
      all.push({
        description: 'run: every thread finished its actions',
        expected: 'every thread reaches the end of its actions',
        actual: unfinished.length === 0 ? 'every thread did' : unfinished.join('; '),
        passed: unfinished.length === 0,
      });
    }
    if (this.finalState !== null) all.push(...this.finalState.results());
    if (this.tally !== null) all.push(...this.tally.results());
    if (expect.values !== undefined) all.push(...checkValues(expect.values));
    const seen = [...new Set(run.violations.map((v) => v.check))].sort();
    const wanted = [...new Set(expect.violations)].sort();
    all.push({
      description: 'run: violations',
      expected: wanted.length === 0 ? 'none' : wanted,
      actual: seen.length === 0 ? 'none' : seen,
      passed: seen.length === wanted.length && seen.every((c, i) => c === wanted[i]),
    });
    const reportSpec = this.spec.report ?? null;
    const report = reportSpec === null ? null : computeReport(reportSpec, this.events, this.spec.values);
    if (reportSpec !== null && report !== null) all.push(...checkReport(reportSpec, report));
    // Under adversaries injected faults change results by design: only "clean" is judged (issue 6).
    const judged = this.adversaries.length === 0 ? all : [
      { description: 'adversaries: no bug check', expected: 'none', actual: bc === null ? 'none' : `${hex(bc.code)} ${bc.name}`, passed: bc === null },
      { description: 'adversaries: no violation', expected: 'none', actual: seen.length === 0 ? 'none' : seen, passed: seen.length === 0 },
    ];
    this.final = {
      scenario: this.spec.name,
      description: this.spec.description,
      scenarioHash: this.spec.hash,
      seed: this.seed,
      strategy: run.strategy,
      passed: judged.every((e) => e.passed),
      outcome: run.outcome,
      reason: run.reason,
      bugcheck: run.bugcheck,
      violations: run.violations,
      expectations: judged,
      report,
      stats: { ...run.stats, irps: this.io.irpCount },
      choices: run.choices,
    };
    return this.final;
  }

  /**
   * The threads that stopped before the end of their actions, each with the first action
   * that did not complete; null when the check does not apply (an outcome other than
   * `completed` is expected: the run is meant to stop early). A thread is excused when the
   * scenario lists it under `expect.unfinished`, or when its process exited with the status
   * `expect.processes` gives it.
   */
  private unfinishedThreads(): string[] | null {
    const expect = this.spec.expect;
    if (expect.outcome !== 'completed') return null;
    // The scenario's `until` chose where the run ends: threads still running are meant to.
    if (this.spec.machine.until !== undefined && this.machine.engine.getResult().reason === 'the until condition held') return null;
    const excused = new Set(expect.unfinished);
    const out: string[] = [];
    for (const p of this.progress) {
      if (p.done || excused.has(p.thread)) continue;
      const want = expect.processes.get(p.process);
      const process = this.machine.processes.find((x) => x.name === p.process && !x.isSystem);
      const status = process?.exitStatus ?? null;
      if (want !== undefined && status !== null && (want.exitStatus === null || status === want.exitStatus)) continue;
      // Why it stopped, when its process ended under it (an access violation, ExitProcess elsewhere).
      const exited = status !== null ? `: its process exited with ${describeStatus(status)}` : '';
      if (p.actions.length === 0) {
        out.push(`${p.thread} did not return${exited}`);
        continue;
      }
      const at = p.actions[p.next] ?? `#${p.next + 1}`;
      const rest = p.actions.length - p.next - 1;
      out.push(
        `${p.thread} did not finish ${at}${p.detail !== null ? `, stopped in ${p.detail}` : ''}${rest > 0 ? `, and ${rest === 1 ? 'the action after it never ran' : `the ${rest} actions after it never ran`}` : ''}${exited}`,
      );
    }
    return out;
  }

  private track = (thread: string, actions: readonly string[]): ActionProgress => {
    const progress: ActionProgress = { thread, process: thread.split('/')[0] ?? thread, actions, next: 0, detail: null, done: false };
    this.progress.push(progress);
    return progress;
  };

  private note = (text: string): void => {
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'scenario.note', text });
  };

  private check = (description: string, expected: unknown, actual: unknown, passed: boolean): boolean => {
    this.expectations.push({ description, expected, actual, passed });
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'scenario.expect', description, passed, expected: String(expected), actual: String(actual) });
    return passed;
  };

  private boot(): void {
    const { machine, io, spec } = this;
    const { check, note, track, namedHandles } = this;
    machine.createSystemThread('boot', function* () {
      for (const driver of spec.drivers) {
        const status = yield* loadDriver(io, driver);
        if (!ntSuccess(status)) check(`driver ${driver.name} loads`, 'STATUS_SUCCESS', describeStatus(status), false);
      }
      // The named buffers of kernel: true threads are pool, shared by them all: every thread may name one by address (IO-10.1).
      const pool = new Map<string, { address: number; size: number }>();
      for (const p of spec.processes) {
        // `System` with only kernel: true threads is the System process itself (IO-10.1).
        const process = p.threads.length > 0 && p.threads.every((t) => t.kernel === true) ? machine.system : machine.createProcess(p.name);
        const buffers = process === machine.system ? pool : new Map<string, { address: number; size: number }>();
        const handles = new Map<string, number>();
        namedHandles.set(p.name, handles);
        for (const b of p.buffers) {
          const address = machine.memory.allocateUser(process.space, b.size, undefined, b.name);
          if (address === null) continue;
          machine.memory.write(process.space, address, b.bytes, 'kernel');
          machine.memory.protect(process.space, address, b.size, b.protect);
          buffers.set(b.name, { address, size: b.size });
        }
        for (const t of p.threads) {
          const progress = track(`${p.name}/${t.name}`, t.actions ?? []);
          machine.createThread(
            t.kernel === true ? machine.system : process,
            t.name,
            function* (thread) {
              const ctx: ThreadContext = { u: new Win32(io, thread), buffers: t.kernel === true ? pool : buffers, handles, pool, check, note, progress, track };
              yield* t.run(ctx);
              progress.done = true;
            },
            // A scenario's kernel thread is one of its actors: the run lasts until it ends, as for a user thread.
            { delay: t.start, keepAlive: true },
          );
        }
      }
    });
  }
}

/** Runs a scenario to the end. */
export function runScenario(spec: ScenarioSpec, options: SimulationOptions = {}): { result: ScenarioResult; events: readonly TraceEvent[] } {
  const simulation = new Simulation(spec, options);
  const result = simulation.run();
  return { result, events: simulation.events };
}
