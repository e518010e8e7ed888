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
import { IoManager, Win32 } from '@irpsim/io-manager';
import type { ExpectationResult, ScenarioResult } from './ScenarioResult.ts';
import type { ScenarioSpec, ThreadContext } from './ScenarioSpec.ts';

export interface SimulationOptions {
  /** Overrides the scenario's pinned seed. */
  readonly seed?: number;
  /** `random` (default: the scenario's setting), `first-come`, or any strategy. */
  readonly strategy?: 'random' | 'first-come' | Strategy;
  /** Keep every trace event in memory (default true). */
  readonly record?: boolean;
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
  private readonly expectations: ExpectationResult[] = [];
  private final: ScenarioResult | null = null;

  constructor(spec: ScenarioSpec, options: SimulationOptions = {}) {
    this.spec = spec;
    this.seed = options.seed ?? spec.seed;
    const wanted = options.strategy ?? spec.machine.strategy;
    const strategy = typeof wanted === 'object' ? wanted : wanted === 'first-come' ? firstCome() : seededRandom(this.seed);
    this.machine = new Machine({ strategy, cost: spec.machine.cost, budget: spec.machine.budget });
    if (options.record ?? true) this.machine.trace.record();
    this.io = new IoManager(this.machine, {
      verifier: spec.machine.verifier,
      windows: spec.machine.windows,
      autoClearInitializing: spec.machine.autoClearInitializing,
    });
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
    return this.machine.engine.step();
  }

  /** Runs to the end. */
  run(): ScenarioResult {
    while (this.machine.engine.step()) {
      /* until the run ends */
    }
    return this.result();
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
      const passed = bc !== null && (want.code === null || bc.code === want.code) && (want.name === null || bc.name === want.name);
      all.push({
        description: 'run: bug check',
        expected: [want.code === null ? null : hex(want.code), want.name].filter((x) => x !== null).join(' '),
        actual: bc === null ? 'none' : `${hex(bc.code)} ${bc.name}`,
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
    const seen = [...new Set(run.violations.map((v) => v.check))].sort();
    const wanted = [...new Set(expect.violations)].sort();
    all.push({
      description: 'run: violations',
      expected: wanted.length === 0 ? 'none' : wanted,
      actual: seen.length === 0 ? 'none' : seen,
      passed: seen.length === wanted.length && seen.every((c, i) => c === wanted[i]),
    });
    this.final = {
      scenario: this.spec.name,
      description: this.spec.description,
      scenarioHash: this.spec.hash,
      seed: this.seed,
      strategy: run.strategy,
      passed: all.every((e) => e.passed),
      outcome: run.outcome,
      reason: run.reason,
      bugcheck: run.bugcheck,
      violations: run.violations,
      expectations: all,
      report: null,
      stats: { ...run.stats, irps: this.io.irpCount },
      choices: run.choices,
    };
    return this.final;
  }

  private check = (description: string, expected: unknown, actual: unknown, passed: boolean): boolean => {
    this.expectations.push({ description, expected, actual, passed });
    const trace = this.machine.trace;
    if (trace.on) trace.emit({ type: 'scenario.expect', description, passed, expected: String(expected), actual: String(actual) });
    return passed;
  };

  private boot(): void {
    const { machine, io, spec } = this;
    const check = this.check;
    machine.createSystemThread('boot', function* () {
      for (const driver of spec.drivers) {
        const status = yield* loadDriver(io, driver);
        if (!ntSuccess(status)) check(`driver ${driver.name} loads`, 'STATUS_SUCCESS', describeStatus(status), false);
      }
      for (const p of spec.processes) {
        const process = machine.createProcess(p.name);
        const buffers = new Map<string, { address: number; size: number }>();
        const handles = new Map<string, number>();
        for (const b of p.buffers) {
          const address = machine.memory.allocateUser(process.space, b.size, undefined, b.name);
          if (address === null) continue;
          machine.memory.write(process.space, address, b.bytes, 'kernel');
          machine.memory.protect(process.space, address, b.size, b.protect);
          buffers.set(b.name, { address, size: b.size });
        }
        for (const t of p.threads) {
          machine.createThread(process, t.name, (thread) => {
            const ctx: ThreadContext = { u: new Win32(io, thread), buffers, handles, check };
            return t.run(ctx);
          }, { delay: t.start });
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
