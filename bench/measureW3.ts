import type { Environment } from './environment.ts';
import { leastSquaresSlope } from './leastSquaresSlope.ts';
import { CONFIG_Z } from './refModel.ts';
import { refObj } from './refObj.ts';
import { refSoa } from './refSoa.ts';
import { runNullIoctl } from './runNullIoctl.ts';
import { runSimpyPeer } from './simpyPeer.ts';
import { sizeFor } from './sizeFor.ts';
import { collectGarbage, median, sig } from './stats.ts';
import { warmReferences } from './warmReferences.ts';

export interface W3Options {
  /** Process counts (in-flight IRPs) of the first sweep, at depth 3. */
  readonly processes: readonly number[];
  /** The process count every other point is paired with (100 in the budget). */
  readonly baseProcesses: number;
  /** Stack depths of the second sweep, at `depthSweepN` processes. */
  readonly depths: readonly number[];
  readonly depthSweepN: number;
  /**
   * Interleaved rounds of the depth sweep: a segment's slope is the difference of two
   * points a few hundred ns apart, so each point needs the median of many runs.
   */
  readonly depthRounds: number;
  /** Repetitions per point of the process sweep (paired with a base run each). */
  readonly reps: number;
  readonly targetSeconds: number;
  /** Fewest IOCTLs in one irpsim run, whatever the target (short runs carry start-up transients). */
  readonly minIrpsPerRun: number;
  readonly refTargetSeconds: number;
  readonly simpy: string | null;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/**
 * W3 scaling. Processes (= IRPs in flight, one synchronous call each) at depth 3, each
 * repetition paired with a run at `baseProcesses` so the scaling ratio is measured under
 * the same noise, with R-soa, R-obj and SimPy at the same N. Then stack depth, every
 * depth once per interleaved round. One line per point, then a summary line.
 */
export function measureW3(o: W3Options): Record<string, unknown>[] {
  warmReferences();
  const lines: Record<string, unknown>[] = [];
  const rateAt = probeRate(o.baseProcesses, 3);
  const sizeAt = (n: number, rate: number) => sizeFor(rate, n, o.targetSeconds, Math.max(3, Math.ceil(o.minIrpsPerRun / n)));
  const baseM = sizeAt(o.baseProcesses, rateAt);
  const timedRun = (n: number, m: number, depth: number) => {
    collectGarbage();
    return runNullIoctl({ n, m, depth, verifier: 'off' });
  };

  const summaryByN = new Map<number, { irpsim: number; ratioToBase: number; soa: number }>();
  for (const n of o.processes) {
    o.progress(`W3: ${n} processes`);
    const soaM = sizeRef(n, o.refTargetSeconds, refSoa);
    const objM = sizeRef(n, o.refTargetSeconds, refObj);
    const simpyM = o.simpy === null ? 0 : sizeRef(n, o.refTargetSeconds, runSimpyPeer, 2);
    // The window runs from "every thread has its handle" to "the first thread is done".
    const m = sizeAt(n, rateAt);
    const rates = { irpsim: [] as number[], base: [] as number[], soa: [] as number[], obj: [] as number[], simpy: [] as number[] };
    let setupSeconds = 0;
    let totalSeconds = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      const run = timedRun(n, m, 3);
      rates.irpsim.push(run.irps / run.seconds);
      setupSeconds = run.setupSeconds;
      totalSeconds = run.totalSeconds;
      const base = n === o.baseProcesses ? run : timedRun(o.baseProcesses, baseM, 3);
      rates.base.push(base.irps / base.seconds);
      collectGarbage();
      rates.soa.push(rateOf(refSoa({ n, m: soaM, ...CONFIG_Z })));
      collectGarbage();
      rates.obj.push(rateOf(refObj({ n, m: objM, ...CONFIG_Z })));
      if (o.simpy !== null) rates.simpy.push(rateOf(runSimpyPeer({ n, m: simpyM, ...CONFIG_Z })));
    }
    const irpsim = median(rates.irpsim);
    const ratioToBase = median(rates.irpsim.map((r, i) => r / rates.base[i]!));
    const soa = median(rates.soa);
    const simpy = o.simpy === null ? null : median(rates.simpy);
    summaryByN.set(n, { irpsim, ratioToBase, soa });
    lines.push({
      workload: 'W3',
      sweep: 'processes',
      n,
      m,
      depth: 3,
      verifier: 'off',
      irpsPerSec: sig(irpsim),
      nsPerIrp: sig(1e9 / irpsim),
      ratioToBaseProcesses: sig(ratioToBase),
      baseProcesses: o.baseProcesses,
      refSoaIrpsPerSec: sig(soa),
      refObjIrpsPerSec: sig(median(rates.obj)),
      simpyIrpsPerSec: simpy === null ? null : sig(simpy),
      ratioToRefSoa: sig(median(rates.irpsim.map((r, i) => r / rates.soa[i]!))),
      setupMsPerProcess: sig((1000 * setupSeconds) / n),
      runSeconds: sig(totalSeconds),
      reps: rates.irpsim.length,
      env: o.env,
    });
  }

  const depthSizes = new Map(o.depths.map((depth) => [depth, sizeAt(o.depthSweepN, probeRate(o.depthSweepN, depth))]));
  const depthRates = new Map<number, number[]>(o.depths.map((depth) => [depth, []]));
  for (let round = 0; round < o.depthRounds; round++) {
    o.progress(`W3: depths ${o.depths.join(', ')}, round ${round + 1}/${o.depthRounds}`);
    const order = round % 2 === 0 ? o.depths : [...o.depths].reverse();
    for (const depth of order) {
      const run = timedRun(o.depthSweepN, depthSizes.get(depth)!, depth);
      depthRates.get(depth)!.push(run.irps / run.seconds);
    }
  }
  const nsByDepth = new Map<number, number>();
  for (const depth of o.depths) {
    const irpsim = median(depthRates.get(depth)!);
    nsByDepth.set(depth, 1e9 / irpsim);
    lines.push({
      workload: 'W3',
      sweep: 'depth',
      n: o.depthSweepN,
      m: depthSizes.get(depth),
      depth,
      verifier: 'off',
      irpsPerSec: sig(irpsim),
      nsPerIrp: sig(1e9 / irpsim),
      irpsTimesDepth: sig(irpsim * depth),
      reps: depthRates.get(depth)!.length,
      env: o.env,
    });
  }

  lines.push({ workload: 'W3', sweep: 'summary', ...w3Summary(summaryByN, o.baseProcesses, nsByDepth), env: o.env });
  return lines;
}

/** Steady-state IRPs per second at (n, depth) after a warm-up, for sizing. */
function probeRate(n: number, depth: number): number {
  const small = Math.min(n, 100);
  runNullIoctl({ n: small, m: 5, depth, verifier: 'off' });
  const probe = runNullIoctl({ n: small, m: 20, depth, verifier: 'off' });
  return probe.irps / probe.seconds;
}

/** The figures the W3 budgets read: scaling from the base process count and the per-level slopes. */
function w3Summary(
  byN: Map<number, { irpsim: number; ratioToBase: number; soa: number }>,
  baseN: number,
  nsByDepth: Map<number, number>,
): Record<string, unknown> {
  const largest = Math.max(...byN.keys());
  const depths = [...nsByDepth.keys()].sort((a, b) => a - b);
  const segments = depths.slice(1).map((d, i) => {
    const prev = depths[i]!;
    return { from: prev, to: d, nsPerLevel: sig((nsByDepth.get(d)! - nsByDepth.get(prev)!) / (d - prev)) };
  });
  const fit = leastSquaresSlope(depths.map((d) => [d, nsByDepth.get(d)!] as const));
  const deviation = segments.length < 2 || fit <= 0 ? null : Math.max(...segments.map((s) => Math.abs(s.nsPerLevel / fit - 1)));
  const base = byN.get(baseN);
  return {
    baseProcesses: baseN,
    ratio100kTo100: baseN === 100 && byN.has(100_000) ? sig(byN.get(100_000)!.ratioToBase) : null,
    largestProcesses: largest,
    ratioLargestToBase: byN.has(largest) ? sig(byN.get(largest)!.ratioToBase) : null,
    refSoaRatioLargestToBase: base !== undefined ? sig(byN.get(largest)!.soa / base.soa) : null,
    depthSegments: segments,
    nsPerLevelFit: sig(fit),
    depthSlopeDeviation: deviation === null ? null : sig(deviation, 3),
  };
}

function sizeRef(n: number, target: number, run: (c: { n: number; m: number; d: number; s: number }) => { irps: number; seconds: number }, minM = 1): number {
  const probeM = Math.max(1, Math.ceil(2000 / n));
  return sizeFor(rateOf(run({ n, m: probeM, ...CONFIG_Z })), n, target, minM);
}

function rateOf(result: { irps: number; seconds: number }): number {
  return result.irps / result.seconds;
}
