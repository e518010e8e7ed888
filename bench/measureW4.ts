import type { VerifierLevel } from '@irpsim/io-manager';
import type { Environment } from './environment.ts';
import type { PendCompletion } from './pendingStack.ts';
import { runPendCancel, type PendCancelRun } from './runPendCancel.ts';
import { sizeFor } from './sizeFor.ts';
import { collectGarbage, median, sig, spread } from './stats.ts';

export interface W4Options {
  readonly n: number;
  readonly depth: number;
  /** Interleaved rounds over the variants; medians are quoted. */
  readonly rounds: number;
  readonly targetSeconds: number;
  /** Fewest rounds per thread in one run. */
  readonly minM: number;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/** One in ten requests is cancelled (the plan's "10 % cancelled"). */
export const W4_CANCEL_EVERY = 10;

const VARIANTS: readonly { completion: PendCompletion; verifier: VerifierLevel }[] = [
  { completion: 'dpc', verifier: 'off' },
  { completion: 'dpc', verifier: 'enhanced' },
  { completion: 'timer', verifier: 'off' },
  { completion: 'timer', verifier: 'enhanced' },
];

/**
 * W4 pending/cancel (reported, no budget): N processes × M rounds of two overlapped
 * IOCTLs through a 3-deep stack whose bottom driver pends every request in a cancel-safe
 * queue and completes it from a DPC (queued by the dispatch routine) or from a timer's
 * DPC (10 µs later); one request in ten is cancelled with CancelIoEx; the threads wait on
 * the requests' events, one at a time (WaitForSingleObject) or both at once
 * (WaitForMultipleObjects, wait all). Variants: completion × verifier level, interleaved
 * round by round. Every run must complete cleanly with no verifier violation, and each
 * variant's completion order must not change between runs (else a broken measurement).
 */
export function measureW4(o: W4Options): Record<string, unknown>[] {
  const { n, depth } = o;
  o.progress(`W4: warm-up and sizing (n=${n})`);
  const sizes = new Map<string, number>();
  for (const v of VARIANTS) {
    runPendCancel({ n, m: 5, depth, ...v, cancelEvery: W4_CANCEL_EVERY });
    const probe = runPendCancel({ n, m: 20, depth, ...v, cancelEvery: W4_CANCEL_EVERY });
    // sizeFor counts requests per thread: two per round.
    sizes.set(key(v), Math.max(o.minM, Math.ceil(sizeFor(probe.irps / probe.seconds, n, o.targetSeconds, 2 * o.minM) / 2)));
  }
  const runs = new Map<string, PendCancelRun[]>(VARIANTS.map((v) => [key(v), []]));
  for (let round = 0; round < o.rounds; round++) {
    o.progress(`W4: round ${round + 1}/${o.rounds}`);
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) {
      collectGarbage();
      runs.get(key(v))!.push(runPendCancel({ n, m: sizes.get(key(v))!, depth, ...v, cancelEvery: W4_CANCEL_EVERY }));
    }
  }
  return VARIANTS.map((v) => {
    const own = runs.get(key(v))!;
    const checksums = new Set(own.map((r) => r.checksum));
    if (checksums.size !== 1) throw new Error(`W4 ${key(v)}: the completion order changed between runs (${[...checksums].join(', ')})`);
    const rate = (f: (r: PendCancelRun) => number) => own.map((r) => f(r) / r.seconds);
    const irps = spread(rate((r) => r.irps));
    const last = own[own.length - 1]!;
    return {
      workload: 'W4',
      name: 'pending-cancel',
      completion: v.completion,
      n,
      m: sizes.get(key(v)),
      requestsPerRound: 2,
      depth,
      verifier: v.verifier,
      strategy: 'first-come',
      irpsPerSec: sig(irps.median),
      irpsPerSecMin: sig(irps.min),
      irpsPerSecMax: sig(irps.max),
      cancellationsPerSec: sig(median(rate((r) => r.cancellations))),
      cancelRequestsPerSec: sig(median(rate((r) => r.cancelRequests))),
      waitSatisfactionsPerSec: sig(median(rate((r) => r.waitSatisfactions))),
      cancelledShare: sig(last.totalCancellations / last.totalIrps, 3),
      stepsPerIrp: sig(last.result.stats.steps / last.totalIrps),
      nsPerIrp: sig(1e9 / irps.median),
      simTimeNs: last.result.stats.simTimeNs,
      violations: 0,
      cleanRuns: own.length,
      checksum: [...checksums][0],
      rounds: own.length,
      env: o.env,
    };
  });
}

function key(v: { completion: PendCompletion; verifier: VerifierLevel }): string {
  return `${v.completion}/${v.verifier}`;
}
