import type { Environment } from './environment.ts';
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
  /** Stack depths of the second sweep, at 100 processes (or the quick run's smaller count). */
  readonly depths: readonly number[];
  readonly depthSweepN: number;
  /** Repetitions per point (fewer when one run takes longer than `slowRunSeconds`). */
  readonly reps: number;
  readonly targetSeconds: number;
  readonly refTargetSeconds: number;
  readonly slowRunSeconds: number;
  readonly simpy: string | null;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/**
 * W3 scaling: throughput against processes (= IRPs in flight, one synchronous call per
 * process) with the reference loops and SimPy at the same N, and against stack depth.
 * Lines: one per point, then a summary with the ratios the budgets read.
 */
export function measureW3(o: W3Options): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  warmReferences();
  let rate = 0;
  const sizeIrpsim = (n: number, depth: number, minM: number): number => {
    if (rate === 0) {
      runNullIoctl({ n: Math.min(n, 100), m: 5, depth, verifier: 'off' });
      const probe = runNullIoctl({ n: Math.min(n, 100), m: 20, depth, verifier: 'off' });
      rate = probe.irps / probe.seconds;
    }
    return sizeFor(rate, n, o.targetSeconds, minM);
  };

  const byN = new Map<number, { irpsim: number; soa: number; obj: number; simpy: number | null }>();
  for (const n of o.processes) {
    o.progress(`W3: ${n} processes`);
    const soaM = sizeRef(n, o.refTargetSeconds, refSoa);
    const objM = sizeRef(n, o.refTargetSeconds, refObj);
    const simpyM = o.simpy === null ? 0 : sizeRef(n, o.refTargetSeconds, runSimpyPeer, 2);
    // The window runs from "every thread has its handle" to "the first thread is done": a few rounds at least.
    const m = sizeIrpsim(n, 3, n >= 1000 ? 3 : 10);
    const rates = { irpsim: [] as number[], soa: [] as number[], obj: [] as number[], simpy: [] as number[] };
    let setupSeconds = 0;
    let totalSeconds = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      collectGarbage();
      const run = runNullIoctl({ n, m, depth: 3, verifier: 'off' });
      rates.irpsim.push(run.irps / run.seconds);
      setupSeconds = run.setupSeconds;
      totalSeconds = run.totalSeconds;
      collectGarbage();
      rates.soa.push(rateOf(refSoa({ n, m: soaM, ...CONFIG_Z })));
      collectGarbage();
      rates.obj.push(rateOf(refObj({ n, m: objM, ...CONFIG_Z })));
      if (o.simpy !== null) rates.simpy.push(rateOf(runSimpyPeer({ n, m: simpyM, ...CONFIG_Z })));
      if (run.totalSeconds > o.slowRunSeconds) break;
    }
    const irpsim = median(rates.irpsim);
    const soa = median(rates.soa);
    const obj = median(rates.obj);
    const simpy = o.simpy === null ? null : median(rates.simpy);
    rate = irpsim;
    byN.set(n, { irpsim, soa, obj, simpy });
    lines.push({
      workload: 'W3',
      sweep: 'processes',
      n,
      m,
      depth: 3,
      verifier: 'off',
      irpsPerSec: sig(irpsim),
      nsPerIrp: sig(1e9 / irpsim),
      refSoaIrpsPerSec: sig(soa),
      refObjIrpsPerSec: sig(obj),
      simpyIrpsPerSec: simpy === null ? null : sig(simpy),
      ratioToRefSoa: sig(irpsim / soa),
      setupMsPerProcess: sig((1000 * setupSeconds) / n),
      runSeconds: sig(totalSeconds),
      reps: rates.irpsim.length,
      env: o.env,
    });
  }

  const byDepth = new Map<number, number>();
  for (const depth of o.depths) {
    o.progress(`W3: depth ${depth}`);
    rate = 0;
    const m = sizeIrpsim(o.depthSweepN, depth, 10);
    const rates: number[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      collectGarbage();
      const run = runNullIoctl({ n: o.depthSweepN, m, depth, verifier: 'off' });
      rates.push(run.irps / run.seconds);
      if (run.totalSeconds > o.slowRunSeconds) break;
    }
    const irpsim = median(rates);
    byDepth.set(depth, 1e9 / irpsim);
    lines.push({
      workload: 'W3',
      sweep: 'depth',
      n: o.depthSweepN,
      m,
      depth,
      verifier: 'off',
      irpsPerSec: sig(irpsim),
      nsPerIrp: sig(1e9 / irpsim),
      irpsTimesDepth: sig(irpsim * depth),
      reps: rates.length,
      env: o.env,
    });
  }

  lines.push({ workload: 'W3', sweep: 'summary', ...w3Summary(byN, byDepth), env: o.env });
  return lines;
}

/** The figures the W3 budgets read: scaling from 100 processes and the per-level slopes. */
function w3Summary(
  byN: Map<number, { irpsim: number; soa: number; obj: number; simpy: number | null }>,
  byDepth: Map<number, number>,
): Record<string, unknown> {
  const base = byN.get(100)?.irpsim ?? null;
  const largest = Math.max(...byN.keys());
  const at = (n: number) => byN.get(n)?.irpsim ?? null;
  const depths = [...byDepth.keys()].sort((a, b) => a - b);
  const segments = depths.slice(1).map((d, i) => {
    const prev = depths[i]!;
    return { from: prev, to: d, nsPerLevel: sig((byDepth.get(d)! - byDepth.get(prev)!) / (d - prev)) };
  });
  const fit = leastSquaresSlope(depths.map((d) => [d, byDepth.get(d)!] as const));
  const deviation = segments.length === 0 || fit === 0 ? null : Math.max(...segments.map((s) => Math.abs(s.nsPerLevel / fit - 1)));
  return {
    ratio100kTo100: base !== null && at(100_000) !== null ? sig(at(100_000)! / base) : null,
    largestProcesses: largest,
    ratioLargestTo100: base !== null && at(largest) !== null ? sig(at(largest)! / base) : null,
    refSoaRatioLargestTo100: byN.has(100) ? sig(byN.get(largest)!.soa / byN.get(100)!.soa) : null,
    depthSegments: segments,
    nsPerLevelFit: sig(fit),
    depthSlopeDeviation: deviation === null ? null : sig(deviation, 3),
  };
}

function leastSquaresSlope(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function sizeRef(n: number, target: number, run: (c: { n: number; m: number; d: number; s: number }) => { irps: number; seconds: number }, minM = 1): number {
  const probeM = Math.max(1, Math.ceil(2000 / n));
  return sizeFor(rateOf(run({ n, m: probeM, ...CONFIG_Z })), n, target, minM);
}

function rateOf(result: { irps: number; seconds: number }): number {
  return result.irps / result.seconds;
}
