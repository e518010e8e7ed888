import { createSimulation, irpsOf, type Simulation } from '@irpsim/scenarios';
import type { Environment } from './environment.ts';
import { collectGarbage, median, sig } from './stats.ts';
import { w9Yaml } from './w9Scenario.ts';

export interface W9Options {
  /** IRPs held in flight, one line each. */
  readonly held: readonly number[];
  /** Interleaved rounds of (unobserved, snapshot, inspect) blocks; medians are quoted. */
  readonly rounds: number;
  /** Wall-clock target of one observed block; its step count is sized from a probe. */
  readonly blockSeconds: number;
  /** Most steps in an observed block. */
  readonly maxBlockSteps: number;
  /** Snapshotted steps run before the probe and before the rounds (not timed): V8 optimises the snapshot code first. */
  readonly warmSteps: number;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/**
 * A lower bound on the steps of one synchronous IOCTL in the window (it takes 4 here),
 * to give the scenario calls enough for every block; the calls left over run unobserved.
 */
const STEPS_PER_CALL = 3;

/** Snapshotted steps the warm probe times. */
const PROBE_STEPS = 200;

/**
 * W9 state snapshots: `createSimulation(yaml, { patches: true })` on w9Scenario.ts, stepped
 * with `step()`; in the steady state (`held` IRPs in flight, a thread making synchronous
 * IOCTLs), after `warmSteps` untimed steps of each kind, blocks of steps alternate: plain
 * steps (in a twin simulation that is never snapshotted, so it keeps no change log), as
 * many steps each followed by `snapshot()` (immer-format patches against the previous
 * snapshot, deeply frozen), and steps each followed by `inspect()` (the whole plain
 * state, read afresh). Blocks are sized to `blockSeconds` from a warm probe. An observed
 * block starts with one untimed snapshot, so each timed one covers exactly one step.
 * µs per step attributable to snapshots = observed − plain, per step.
 */
export function measureW9(o: W9Options): Record<string, unknown>[] {
  return o.held.map((held) => measureOne(held, o));
}

function measureOne(held: number, o: W9Options): Record<string, unknown> {
  o.progress(`W9: ${held} IRPs in flight: set-up`);
  // Probe the costs of a warm snapshot and of an inspect() to size the blocks, then build
  // the run with room for them. Snapshots are probed after `warmSteps` of them: the cost
  // asked for is the steady state's, not that of code V8 has not optimised yet.
  const probe = steady(held, Math.ceil((o.warmSteps + PROBE_STEPS + 10) / STEPS_PER_CALL) + 20);
  probe.simulation.snapshot();
  for (let i = 0; i < o.warmSteps; i++) {
    probe.simulation.step();
    probe.simulation.snapshot();
  }
  let p0 = performance.now();
  for (let i = 0; i < PROBE_STEPS; i++) {
    probe.simulation.step();
    probe.simulation.snapshot();
  }
  const probeUs = ((performance.now() - p0) * 1000) / PROBE_STEPS;
  p0 = performance.now();
  for (let i = 0; i < 2; i++) {
    probe.simulation.step();
    probe.simulation.inspect();
  }
  const inspectProbeUs = ((performance.now() - p0) * 1000) / 2;
  const sized = (us: number) => Math.max(2, Math.min(o.maxBlockSteps, Math.round((o.blockSeconds * 1e6) / us)));
  const blockSteps = sized(probeUs);
  const inspectSteps = sized(inspectProbeUs);
  const stepsNeeded = o.warmSteps + o.rounds * (2 * blockSteps + inspectSteps + 2) + 2 * blockSteps;
  const calls = Math.ceil(stepsNeeded / STEPS_PER_CALL) + 20;
  const { simulation, setupSeconds, setupSteps } = steady(held, calls);
  // The plain steps run in a twin never snapshotted: from its first snapshot on, a simulation
  // keeps a log of the IRPs each step changes (its events on), which is the snapshots' cost.
  const twin = steady(held, calls).simulation;
  const f0 = performance.now();
  const first = simulation.snapshot();
  const firstSnapshotMs = performance.now() - f0;
  const irpsInSnapshot = irpsOf(first.state).length;

  const block = (steps: number, after: ((s: Simulation) => unknown) | null): number => {
    const sim = after === null ? twin : simulation;
    if (after !== null) after(sim); // untimed: absorbs what changed since the last one
    collectGarbage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      if (!sim.step()) throw new Error('W9: the run ended inside the measured window');
      if (after !== null) after(sim);
    }
    const us = ((performance.now() - t0) * 1000) / steps;
    if (sim.io.irps.size < held) throw new Error(`W9: fewer than ${held} IRPs in flight inside the window`);
    return us;
  };
  // Warm both: the same number of steps, the observed one snapshotted at each.
  block(o.warmSteps, null);
  block(o.warmSteps, (s) => s.snapshot());
  const plain: number[] = [];
  const snap: number[] = [];
  const inspect: number[] = [];
  let patches = 0;
  let snapshots = 0;
  for (let round = 0; round < o.rounds; round++) {
    o.progress(`W9: ${held} IRPs in flight: round ${round + 1}/${o.rounds} (${blockSteps} steps per block, ${inspectSteps} inspected)`);
    plain.push(block(blockSteps, null));
    snap.push(
      block(blockSteps, (s) => {
        patches += s.snapshot().patches?.length ?? 0;
        snapshots++;
      }),
    );
    inspect.push(block(inspectSteps, (s) => s.inspect()));
  }
  for (const sim of [simulation, twin]) {
    const result = sim.run();
    if (!result.passed) throw new Error(`W9: the held-IRP scenario did not pass (${result.outcome})`);
  }
  const perStep = (observed: number[]) => sig(median(observed.map((us, i) => us - plain[i]!)), 4);
  return {
    workload: 'W9',
    name: 'state-snapshots',
    held,
    irpsInSnapshot,
    verifier: 'enhanced',
    strategy: 'first-come',
    autoFreeze: true,
    rounds: o.rounds,
    warmSteps: o.warmSteps,
    stepsPerBlock: blockSteps,
    inspectStepsPerBlock: inspectSteps,
    plainUsPerStep: sig(median(plain), 4),
    snapshotUsPerStepObserved: sig(median(snap), 4),
    snapshotUsPerStep: perStep(snap),
    inspectUsPerStep: perStep(inspect),
    patchesPerSnapshot: sig(patches / snapshots, 3),
    firstSnapshotMs: sig(firstSnapshotMs, 3),
    setupSeconds: sig(setupSeconds, 3),
    setupSteps,
    env: o.env,
  };
}

/** A simulation stepped (unobserved) until `held` IRPs are in flight. */
function steady(held: number, calls: number): { simulation: Simulation; setupSeconds: number; setupSteps: number } {
  const t0 = performance.now();
  const simulation = createSimulation(w9Yaml(held, calls), { record: false, patches: true });
  let steps = 0;
  while (simulation.io.irps.size < held) {
    if (!simulation.step()) throw new Error(`W9: the run ended before ${held} IRPs were in flight`);
    steps++;
  }
  return { simulation, setupSeconds: (performance.now() - t0) / 1000, setupSteps: steps };
}
