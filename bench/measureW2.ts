import type { VerifierLevel } from '@irpsim/io-manager';
import type { Environment } from './environment.ts';
import { CONFIG_T, type RefConfig } from './refModel.ts';
import { refObj } from './refObj.ts';
import { refSoa } from './refSoa.ts';
import { runSimpyPeer } from './simpyPeer.ts';
import { runTimedStack } from './runTimedStack.ts';
import { sizeFor } from './sizeFor.ts';
import { collectGarbage, median, sig, spread } from './stats.ts';
import { warmReferences } from './warmReferences.ts';

export interface W2Options {
  readonly n: number;
  readonly depth: number;
  /** Interleaved rounds (irpsim off, irpsim enhanced, R-soa, R-obj, SimPy); medians are quoted. */
  readonly pairs: number;
  readonly targetSeconds: number;
  readonly minM: number;
  readonly refTargetSeconds: number;
  readonly simpy: string | null;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/** One tick of config T in irpsim's simulated time: 1 µs. */
export const TICK_NS = 1000;

/**
 * W2 timed stack: W1 with config T's latencies (d = 1 tick per hop, s = 5 ticks of device
 * service; a tick is 1 µs in irpsim) — N processes × M synchronous DeviceIoControl through
 * a 3-deep stack whose bottom device completes each request from a timer DPC s after it
 * arrived, with the cost model's `routineCall` = d — at verifier off and at the default
 * level, paired round by round with R-soa, R-obj and the SimPy peer on config T at the
 * same N. Simulated-time end checks: a one-thread irpsim run takes exactly 3d (IoCallDriver
 * hops) + 2d (the filters' completion routines) + s per call; the reference loops end at
 * M·(6d + s); irpsim's end time and completion order are the same in every round. One line
 * per verifier level.
 */
export function measureW2(o: W2Options): Record<string, unknown>[] {
  const { n, depth } = o;
  const d = CONFIG_T.d * TICK_NS;
  const s = CONFIG_T.s * TICK_NS;
  const hopsPaid = depth + (depth - 1);
  const expectedNsPerCall = hopsPaid * d + s;
  o.progress(`W2: simulated-time checks (n=${n}, depth=${depth}, d=${d} ns, s=${s} ns)`);
  const single = runTimedStack({ n: 1, m: 50, depth, verifier: 'off', hopNs: d, serviceNs: s });
  const singleNsPerCall = single.simNsPerThread[0]! / 50;
  if (singleNsPerCall !== expectedNsPerCall) {
    throw new Error(`W2: a lone thread's call took ${singleNsPerCall} simulated ns, expected ${hopsPaid}·d + s = ${expectedNsPerCall}`);
  }

  warmReferences();
  runTimedStack({ n, m: 5, depth, verifier: 'off', hopNs: d, serviceNs: s });
  const probe = runTimedStack({ n, m: 20, depth, verifier: 'off', hopNs: d, serviceNs: s });
  const m = sizeFor(probe.irps / probe.seconds, n, o.targetSeconds, o.minM);
  const ref = (mm: number): RefConfig => ({ n, m: mm, ...CONFIG_T });
  const soaM = sizeFor(rateOf(refSoa(ref(200))), n, o.refTargetSeconds, 10);
  const objM = sizeFor(rateOf(refObj(ref(200))), n, o.refTargetSeconds, 10);
  for (const [name, result, mm] of [['R-soa', refSoa(ref(soaM)), soaM], ['R-obj', refObj(ref(objM)), objM]] as const) {
    const expected = mm * (6 * CONFIG_T.d + CONFIG_T.s);
    if (result.endTime !== expected) throw new Error(`W2: ${name} ended at ${result.endTime}, expected M·(6d + s) = ${expected}`);
  }
  let simpyM = 0;
  if (o.simpy !== null) {
    const sample = runSimpyPeer(ref(20));
    if (sample.checksum !== refSoa(ref(20)).checksum || sample.endTime !== 20 * (6 * CONFIG_T.d + CONFIG_T.s)) {
      throw new Error('W2: the SimPy peer disagrees with R-soa on config T (checksum or end time)');
    }
    simpyM = sizeFor(rateOf(sample), n, o.refTargetSeconds, 10);
  }

  type Variant = VerifierLevel | 'soa' | 'obj' | 'simpy';
  const levels: VerifierLevel[] = ['off', 'enhanced'];
  const variants: Variant[] = [...levels, 'soa', 'obj', ...(o.simpy !== null ? (['simpy'] as const) : [])];
  const rates: Record<string, number[]> = { off: [], enhanced: [], soa: [], obj: [], simpy: [] };
  const ends = new Set<string>();
  let simNsOfCalls = 0;
  let stepsPerIrp = 0;
  for (let round = 0; round < o.pairs; round++) {
    o.progress(`W2: round ${round + 1}/${o.pairs} (m=${m})`);
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      collectGarbage();
      if (variant === 'off' || variant === 'enhanced') {
        const run = runTimedStack({ n, m, depth, verifier: variant, hopNs: d, serviceNs: s });
        ends.add(`${run.checksum}@${run.result.stats.simTimeNs}`);
        simNsOfCalls = run.simNsOfCalls;
        stepsPerIrp = run.result.stats.steps / run.totalIrps;
        rates[variant]!.push(run.irps / run.seconds);
      } else if (variant === 'soa') {
        rates['soa']!.push(rateOf(refSoa(ref(soaM))));
      } else if (variant === 'obj') {
        rates['obj']!.push(rateOf(refObj(ref(objM))));
      } else {
        rates['simpy']!.push(rateOf(runSimpyPeer(ref(simpyM))));
      }
    }
  }
  if (ends.size !== 1) throw new Error(`W2: irpsim's completion order or end time changed between runs (${[...ends].join(', ')})`);
  const [checksum, simTimeNs] = [...ends][0]!.split('@').map(Number) as [number, number];
  const soa = median(rates['soa']!);
  const obj = median(rates['obj']!);
  const simpy = o.simpy !== null ? median(rates['simpy']!) : null;
  return levels.map((verifier) => {
    const own = rates[verifier]!;
    const irps = spread(own);
    const paired = (refRates: number[]) => median(own.map((r, i) => r / refRates[i]!));
    return {
      workload: 'W2',
      name: 'timed-stack',
      config: 'T',
      hopNs: d,
      serviceNs: s,
      n,
      m,
      depth,
      verifier,
      strategy: 'first-come',
      irpsPerSec: sig(irps.median),
      irpsPerSecMin: sig(irps.min),
      irpsPerSecMax: sig(irps.max),
      nsPerIrp: sig(1e9 / irps.median),
      stepsPerIrp: sig(stepsPerIrp),
      refSoaIrpsPerSec: sig(soa),
      refObjIrpsPerSec: sig(obj),
      simpyIrpsPerSec: simpy === null ? null : sig(simpy),
      ratioToRefSoa: sig(paired(rates['soa']!)),
      ratioToRefObj: sig(paired(rates['obj']!)),
      ratioToSimpy: simpy === null ? null : sig(paired(rates['simpy']!)),
      simCheck: {
        singleThreadNsPerCall: singleNsPerCall,
        expectedNsPerCall,
        refEndTicks: `M·(6d + s) = ${6 * CONFIG_T.d + CONFIG_T.s} ticks per call`,
        passed: true,
      },
      simNsPerCallPerThread: sig(simNsOfCalls / m),
      simTimeNs,
      checksum,
      pairs: own.length,
      refSizes: { soaM, objM, simpyM: o.simpy !== null ? simpyM : null, config: 'T' },
      simpyVersion: o.simpy,
      env: o.env,
    };
  });
}

function rateOf(result: { irps: number; seconds: number }): number {
  return result.irps / result.seconds;
}
