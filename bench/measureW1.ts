import type { VerifierLevel } from '@irpsim/io-manager';
import type { Environment } from './environment.ts';
import { CONFIG_T, CONFIG_Z, type RefConfig } from './refModel.ts';
import { refObj } from './refObj.ts';
import { refSoa } from './refSoa.ts';
import { runNullIoctl } from './runNullIoctl.ts';
import { runSimpyPeer } from './simpyPeer.ts';
import { sizeFor } from './sizeFor.ts';
import { collectGarbage, median, sig, spread } from './stats.ts';
import { traceStructure } from './traceStructure.ts';
import { warmReferences } from './warmReferences.ts';

export interface W1Options {
  readonly n: number;
  readonly depth: number;
  /** Interleaved rounds (irpsim off, irpsim enhanced, R-soa, R-obj, SimPy); medians are quoted. */
  readonly pairs: number;
  /** Wall-clock target of one irpsim run; M is sized from a warm-up to meet it. */
  readonly targetSeconds: number;
  /** Fewest calls per thread in one irpsim run (short runs carry start-up transients). */
  readonly minM: number;
  /** Wall-clock target of one reference run (R-soa, R-obj, SimPy). */
  readonly refTargetSeconds: number;
  /** SimPy's version, or null to skip the peer. */
  readonly simpy: string | null;
  /** Seeded-random runs (verifier off) for the extra `irpsPerSecRandom` figure. */
  readonly randomRuns: number;
  /** Smaller sanity checks (the SimPy anchor at M=200 instead of 2000). */
  readonly quick: boolean;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/** The anchor of performance-anchors.md §2.1: every engine agrees on this order. */
const ANCHOR = { n: 100, m: 2000, ...CONFIG_T, checksum: 2476569760 } as const;

export const VERIFIER_LEVELS: readonly VerifierLevel[] = ['off', 'enhanced'];

/**
 * W1 null-ioctl: N processes × M synchronous DeviceIoControl calls through a stack of
 * `depth` devices, at verifier off and at the default level, paired round by round with
 * the reference loops and the SimPy peer on the same (N, config Z) model. One line per
 * verifier level.
 */
export function measureW1(o: W1Options): Record<string, unknown>[] {
  const { n, depth } = o;
  const referenceChecks = checkReferences(o);

  o.progress(`W1: trace structure (n=${n}, depth=${depth})`);
  const structure = Object.fromEntries(VERIFIER_LEVELS.map((v) => [v, traceStructure(n, depth, v)]));

  // Size every variant from a warm-up so that one run lasts about its target.
  o.progress('W1: warm-up and sizing');
  warmReferences();
  runNullIoctl({ n, m: 5, depth, verifier: 'off' });
  // The probe runs warm: a cold one (m = 20, the JIT still compiling) read the rate a few
  // times too low, which sized every run to a fraction of its target (a 75 ms window).
  runNullIoctl({ n, m: 100, depth, verifier: 'off' });
  const probe = runNullIoctl({ n, m: 100, depth, verifier: 'off' });
  const m = sizeFor(probe.irps / probe.seconds, n, o.targetSeconds, o.minM);
  const soaM = sizeFor(rateOf(refSoa({ n, m: 200, ...CONFIG_Z })), n, o.refTargetSeconds, 10);
  const objM = sizeFor(rateOf(refObj({ n, m: 200, ...CONFIG_Z })), n, o.refTargetSeconds, 10);
  let simpyM = 0;
  let simpyChecksumAgrees: boolean | null = null;
  if (o.simpy !== null) {
    const sample = runSimpyPeer({ n, m: 20, ...CONFIG_Z });
    simpyM = sizeFor(rateOf(sample), n, o.refTargetSeconds, 10);
    // Like for like: the peer must process the same order as the reference loops.
    simpyChecksumAgrees = sample.checksum === refSoa({ n, m: 20, ...CONFIG_Z }).checksum;
    if (!simpyChecksumAgrees) throw new Error('W1: the SimPy peer and R-soa disagree on the completion order checksum');
  }
  for (const verifier of VERIFIER_LEVELS) runNullIoctl({ n, m, depth, verifier });
  for (let i = 0; i < 2; i++) {
    refSoa({ n, m: soaM, ...CONFIG_Z });
    refObj({ n, m: objM, ...CONFIG_Z });
  }

  type Variant = 'off' | 'enhanced' | 'soa' | 'obj' | 'simpy';
  const variants: Variant[] = ['off', 'enhanced', 'soa', 'obj', ...(o.simpy !== null ? (['simpy'] as const) : [])];
  const rates: Record<Variant, number[]> = { off: [], enhanced: [], soa: [], obj: [], simpy: [] };
  const checksums = new Set<number>();
  for (let round = 0; round < o.pairs; round++) {
    o.progress(`W1: round ${round + 1}/${o.pairs} (m=${m})`);
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      collectGarbage();
      if (variant === 'off' || variant === 'enhanced') {
        const run = runNullIoctl({ n, m, depth, verifier: variant });
        checksums.add(run.checksum);
        rates[variant].push(run.irps / run.seconds);
      } else if (variant === 'soa') {
        rates.soa.push(rateOf(refSoa({ n, m: soaM, ...CONFIG_Z })));
      } else if (variant === 'obj') {
        rates.obj.push(rateOf(refObj({ n, m: objM, ...CONFIG_Z })));
      } else {
        rates.simpy.push(rateOf(runSimpyPeer({ n, m: simpyM, ...CONFIG_Z })));
      }
    }
  }
  if (checksums.size !== 1) throw new Error(`W1: irpsim's completion order changed between runs (${[...checksums].join(', ')})`);

  const randomRates: number[] = [];
  for (let i = 0; i < o.randomRuns; i++) {
    collectGarbage();
    const run = runNullIoctl({ n, m, depth, verifier: 'off', seed: 1 + i });
    randomRates.push(run.irps / run.seconds);
  }

  const soa = median(rates.soa);
  const obj = median(rates.obj);
  const simpy = o.simpy !== null ? median(rates.simpy) : null;
  return VERIFIER_LEVELS.map((verifier) => {
    const own = rates[verifier as 'off' | 'enhanced'];
    const s = structure[verifier]!;
    const irps = spread(own);
    const pairedRatio = (ref: number[]) => median(own.map((r, i) => r / ref[i]!));
    return {
      workload: 'W1',
      name: 'null-ioctl',
      n,
      m,
      depth,
      verifier,
      strategy: 'first-come',
      irpsPerSec: sig(irps.median),
      irpsPerSecMin: sig(irps.min),
      irpsPerSecMax: sig(irps.max),
      eventsPerSec: sig(irps.median * s.eventsPerIrp),
      eventsPerIrp: s.eventsPerIrp,
      eventsPerIrpExclChoices: s.eventsPerIrpExclChoices,
      stepsPerIrp: s.stepsPerIrp,
      nsPerIrp: sig(1e9 / irps.median),
      nsPerEvent: sig(1e9 / (irps.median * s.eventsPerIrp)),
      refSoaIrpsPerSec: sig(soa),
      refObjIrpsPerSec: sig(obj),
      simpyIrpsPerSec: simpy === null ? null : sig(simpy),
      ratioToRefSoa: sig(pairedRatio(rates.soa)),
      ratioToRefObj: sig(pairedRatio(rates.obj)),
      ratioToSimpy: simpy === null ? null : sig(pairedRatio(rates.simpy)),
      irpsPerSecRandom: verifier === 'off' && randomRates.length > 0 ? sig(median(randomRates)) : null,
      pairs: own.length,
      refSizes: { soaM, objM, simpyM: o.simpy !== null ? simpyM : null, config: 'Z' },
      checksum: [...checksums][0],
      observationNeutral: s.observationNeutral,
      eventTypesPerIrp: s.eventTypes,
      referenceChecks: { ...referenceChecks, simpyChecksumAgrees },
      simpyVersion: o.simpy,
      env: o.env,
    };
  });
}

function rateOf(result: { irps: number; seconds: number }): number {
  return result.irps / result.seconds;
}

/**
 * R-soa and R-obj must agree with each other and with the §2.1 anchor (N=100, M=2000,
 * config T gives 2476569760 for every engine); the SimPy peer must agree at that size too
 * when it is present (at M=200 in a quick run).
 */
function checkReferences(o: W1Options): { anchor: number; refSoa: number; refObj: number; simpyAnchor: number | null } {
  const config: RefConfig = { n: ANCHOR.n, m: ANCHOR.m, d: ANCHOR.d, s: ANCHOR.s };
  const soa = refSoa(config).checksum;
  const obj = refObj(config).checksum;
  if (soa !== ANCHOR.checksum || obj !== ANCHOR.checksum) {
    throw new Error(`reference loops disagree with the §2.1 anchor: R-soa ${soa}, R-obj ${obj}, expected ${ANCHOR.checksum}`);
  }
  const small: RefConfig = { n: 7, m: 13, d: 2, s: 3 };
  if (refSoa(small).checksum !== refObj(small).checksum) throw new Error('R-soa and R-obj disagree at N=7, M=13, d=2, s=3');
  let simpyAnchor: number | null = null;
  if (o.simpy !== null) {
    const m = o.quick ? 200 : ANCHOR.m;
    simpyAnchor = runSimpyPeer({ ...config, m }).checksum;
    const expected = o.quick ? refSoa({ ...config, m }).checksum : ANCHOR.checksum;
    if (simpyAnchor !== expected) throw new Error(`the SimPy peer disagrees with R-soa on config T: ${simpyAnchor} ≠ ${expected}`);
  }
  return { anchor: ANCHOR.checksum, refSoa: soa, refObj: obj, simpyAnchor };
}
