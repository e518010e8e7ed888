import fc from 'fast-check';
import { createSimulation, loadScenario, type ScenarioSpec } from '@irpsim/scenarios';
import type { Environment } from './environment.ts';
import { collectGarbage, median, sig, spread } from './stats.ts';
import { irpsOf, w6Shape, w6Yaml, type W6Shape } from './w6Scenario.ts';

export interface W6Options {
  /** Scenario runs in one timed fast-check property. */
  readonly runs: number;
  /** Timed properties (each with its own fast-check seed); medians are quoted. */
  readonly reps: number;
  /** Scenarios run with recording on, for the events per scenario. */
  readonly eventSample: number;
  /** W1's events/s at the default verifier level from this invocation, or null. */
  readonly w1EventsPerSec: number | null;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/** The buggy catalogue twin of the seeded bug: `methods` claiming Information = 64 (0xC9/0x312). */
const BUG_TWIN = 'methods-info-overflow';

function load(shape: W6Shape, twin: string | null): ScenarioSpec {
  const loaded = loadScenario(w6Yaml(shape, twin), { file: 'w6-generated.yaml' });
  if (!loaded.ok) throw new Error(`W6: a generated scenario does not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded.scenario;
}

/**
 * W6 property throughput: fast-check properties whose every run generates a scenario
 * (w6Scenario.ts: up to 16 processes × 16 IOCTLs, 0–3 filters, random latencies), writes
 * it as YAML, loads it and runs it under a seeded random schedule — the property holds
 * when the run passes (a correct stack: no check fires, every thread finishes). Then the
 * seeded bug: the same property over stacks on a buggy catalogue twin, timed from the
 * first failing run to the end of fast-check's shrinking, and the replay of the minimal
 * counterexample from fast-check's seed and path.
 */
export function measureW6(o: W6Options): Record<string, unknown> {
  const arbitrary = fc.tuple(w6Shape(), fc.nat());
  const loadMs: number[] = [];
  const runMs: number[] = [];
  const totalMs: number[] = [];
  let failures = 0;
  const property = fc.property(arbitrary, ([shape, seed]) => {
    const t0 = performance.now();
    const spec = load(shape, null);
    const t1 = performance.now();
    const result = createSimulation(spec, { seed, record: false }).run();
    const t2 = performance.now();
    loadMs.push(t1 - t0);
    runMs.push(t2 - t1);
    totalMs.push(t2 - t0);
    if (!result.passed) failures++;
    return result.passed;
  });

  o.progress(`W6: warm-up (${Math.min(o.runs, 50)} scenarios)`);
  fc.check(property, { numRuns: Math.min(o.runs, 50), seed: 0x5eed });
  loadMs.length = runMs.length = totalMs.length = 0;
  const rates: number[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    o.progress(`W6: property ${rep + 1}/${o.reps} (${o.runs} scenarios)`);
    collectGarbage();
    const t0 = performance.now();
    const details = fc.check(property, { numRuns: o.runs, seed: 1 + rep });
    const seconds = (performance.now() - t0) / 1000;
    if (details.failed) throw new Error(`W6: a generated correct stack failed: ${JSON.stringify(details.counterexample)}`);
    rates.push(o.runs / seconds);
  }

  // Events per scenario: the same distribution, recorded (the timed runs record nothing).
  o.progress(`W6: events per scenario (${o.eventSample} recorded runs)`);
  const events: number[] = [];
  const irps: number[] = [];
  let recordedSeconds = 0;
  for (const [shape, seed] of fc.sample(arbitrary, { numRuns: o.eventSample, seed: 1 })) {
    const spec = load(shape, null);
    const t0 = performance.now();
    const result = createSimulation(spec, { seed }).run();
    recordedSeconds += (performance.now() - t0) / 1000;
    events.push(result.stats.events);
    irps.push(irpsOf(shape));
  }

  const bug = seededBug(o);
  const rate = spread(rates);
  const eventsPerScenario = mean(events);
  const eventsPerSec = rate.median * eventsPerScenario;
  const p = (values: number[], q: number) => sig(quantile(values, q), 3);
  return {
    workload: 'W6',
    name: 'property-throughput',
    runs: o.runs,
    reps: o.reps,
    verifier: 'enhanced',
    strategy: 'random (seeded per run)',
    scenarioRunsPerSec: sig(rate.median),
    scenarioRunsPerSecMin: sig(rate.min),
    scenarioRunsPerSecMax: sig(rate.max),
    msPerScenarioP50: p(totalMs, 0.5),
    msPerScenarioP99: p(totalMs, 0.99),
    loadMsP50: p(loadMs, 0.5),
    runMsP50: p(runMs, 0.5),
    loadShare: sig(sum(loadMs) / sum(totalMs), 3),
    runsPerSecExcludingLoad: sig(runMs.length / (sum(runMs) / 1000)),
    recordedRunMsMean: sig((recordedSeconds * 1000) / events.length, 3),
    eventsPerScenario: sig(eventsPerScenario, 4),
    eventsPerScenarioP50: median(events),
    eventsPerScenarioMax: Math.max(...events),
    irpsPerScenario: sig(mean(irps), 3),
    eventsPerSec: sig(eventsPerSec),
    w1EventsPerSec: o.w1EventsPerSec,
    ratioToW1EventsPerSec: o.w1EventsPerSec === null ? null : sig(eventsPerSec / o.w1EventsPerSec, 3),
    failures,
    ...bug,
    env: o.env,
  };
}

/** The seeded bug: time to the first failure, shrink time, the minimal counterexample, its replay. */
function seededBug(o: W6Options): Record<string, unknown> {
  o.progress(`W6: seeded bug (${BUG_TWIN}): find, shrink, replay`);
  const arbitrary = fc.tuple(w6Shape(undefined, ['methods']), fc.nat());
  let calls = 0;
  let firstFailure: number | null = null;
  let callsAtFailure = 0;
  const property = fc.property(arbitrary, ([shape, seed]) => {
    calls++;
    const passed = createSimulation(load(shape, BUG_TWIN), { seed, record: false }).run().passed;
    if (!passed && firstFailure === null) {
      firstFailure = performance.now();
      callsAtFailure = calls;
    }
    return passed;
  });
  collectGarbage();
  const t0 = performance.now();
  const details = fc.check(property, { numRuns: 1000, seed: 9 });
  const t1 = performance.now();
  if (!details.failed || details.counterexample === null || firstFailure === null) throw new Error(`W6: the seeded bug (${BUG_TWIN}) was not found`);
  const found = firstFailure as number;
  const [[shape]] = details.counterexample;
  // Replay from fast-check's seed and path: straight to the minimal counterexample.
  const r0 = performance.now();
  const replay = fc.check(property, { seed: details.seed, path: details.counterexamplePath ?? undefined, endOnFailure: true });
  const r1 = performance.now();
  if (!replay.failed) throw new Error('W6: replaying the counterexample from its seed and path passed');
  const minimal = { processes: shape.processes.length, irps: irpsOf(shape), filters: shape.filters.length, outputs: shape.processes.flatMap((x) => x.outputs) };
  return {
    bugTwin: BUG_TWIN,
    bugRunsToFirstFailure: callsAtFailure,
    bugFindMs: sig(found - t0, 3),
    shrinkMs: sig(t1 - found, 3),
    shrinkCandidateRuns: calls - callsAtFailure,
    shrinkSteps: details.numShrinks,
    minimalCounterexample: minimal,
    // The smallest failing shape there is: one process, no filter, one IOCTL with an output
    // of 1 byte (0 < size < 64: with no output buffer nothing is copied back, and nothing fires).
    counterexampleMinimal: minimal.processes === 1 && minimal.irps === 1 && minimal.filters === 0 && minimal.outputs[0] === 1,
    replayFromSeedMs: sig(r1 - r0, 3),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
