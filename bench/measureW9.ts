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
  /** Steps in an unobserved block. */
  readonly plainSteps: number;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/**
 * A lower bound on the steps of one synchronous IOCTL in the window (it takes 4 here),
 * to give the scenario calls enough for every block; the calls left over run unobserved.
 */
const STEPS_PER_CALL = 3;

/**
 * W9 state snapshots: `createSimulation(yaml, { patches: true })` on w9Scenario.ts, stepped
 * with `step()`; in the steady state (`held` IRPs in flight, a thread making synchronous
 * IOCTLs) blocks of steps alternate: plain steps (in a twin simulation that is never
 * snapshotted, so it keeps no change log), steps each followed by `snapshot()`
 * (immer `produceWithPatches` against the previous snapshot, deeply frozen), and steps
 * each followed by `inspect()` (the fresh plain state a snapshot starts from). An observed
 * block starts with one untimed snapshot, so each timed one covers exactly one step.
 * µs per step attributable to snapshots = observed − plain, per step.
 */
export function measureW9(o: W9Options): Record<string, unknown>[] {
  return o.held.map((held) => measureOne(held, o));
}

function measureOne(held: number, o: W9Options): Record<string, unknown> {
  o.progress(`W9: ${held} IRPs in flight: set-up`);
  // Probe the snapshot cost to size the blocks, then build the run with room for them.
  const probe = steady(held, 200);
  probe.simulation.snapshot();
  const p0 = performance.now();
  for (let i = 0; i < 2; i++) {
    probe.simulation.step();
    probe.simulation.snapshot();
  }
  const probeUs = ((performance.now() - p0) * 1000) / 2;
  const blockSteps = Math.max(2, Math.min(o.maxBlockSteps, Math.round((o.blockSeconds * 1e6) / probeUs)));
  const stepsNeeded = o.rounds * (o.plainSteps + 2 * (blockSteps + 1)) + 2 * o.plainSteps;
  const { simulation, setupSeconds, setupSteps } = steady(held, Math.ceil(stepsNeeded / STEPS_PER_CALL) + 20);
  // The plain steps run in a twin never snapshotted: from its first snapshot on, a simulation
  // keeps a log of the IRPs each step changes (its events on), which is the snapshots' cost.
  const twin = steady(held, Math.ceil(stepsNeeded / STEPS_PER_CALL) + 20).simulation;
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
  block(o.plainSteps, null); // warm the window
  const plain: number[] = [];
  const snap: number[] = [];
  const inspect: number[] = [];
  let patches = 0;
  for (let round = 0; round < o.rounds; round++) {
    o.progress(`W9: ${held} IRPs in flight: round ${round + 1}/${o.rounds} (${blockSteps} observed steps per block)`);
    plain.push(block(o.plainSteps, null));
    snap.push(block(blockSteps, (s) => (patches += s.snapshot().patches?.length ?? 0)));
    inspect.push(block(blockSteps, (s) => s.inspect()));
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
    stepsPerBlock: blockSteps,
    plainUsPerStep: sig(median(plain), 4),
    snapshotUsPerStepObserved: sig(median(snap), 4),
    snapshotUsPerStep: perStep(snap),
    inspectUsPerStep: perStep(inspect),
    patchesPerSnapshot: sig(patches / (o.rounds * (blockSteps + 1)), 3),
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
