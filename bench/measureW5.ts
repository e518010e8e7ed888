import type { Environment } from './environment.ts';
import { runNullIoctl, type NullIoctlOptions } from './runNullIoctl.ts';
import { sizeFor } from './sizeFor.ts';
import { collectGarbage, median, sig } from './stats.ts';
import { traceStructure } from './traceStructure.ts';

export interface W5Options {
  readonly n: number;
  readonly depth: number;
  readonly pairs: number;
  readonly targetSeconds: number;
  /** Fewest calls per thread in one run. */
  readonly minM: number;
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

type Observe = NonNullable<NullIoctlOptions['observe']>;

/**
 * W5 tracing: W1 (verifier off) with no observer, with one in-memory subscriber
 * (`trace.subscribe` pushing every event into an array) and with `trace.record()`,
 * interleaved round by round. Overhead = 1 − median of the per-round throughput ratios.
 */
export function measureW5(o: W5Options): Record<string, unknown> {
  const { n, depth } = o;
  o.progress(`W5: trace structure (n=${n}, depth=${depth})`);
  const structure = traceStructure(n, depth, 'off');
  runNullIoctl({ n, m: 5, depth, verifier: 'off', observe: 'subscribe' });
  // A warm probe, as W1's (measureW1.ts): a cold one under-read the rate and sized runs short.
  runNullIoctl({ n, m: 100, depth, verifier: 'off' });
  const probe = runNullIoctl({ n, m: 100, depth, verifier: 'off' });
  const m = sizeFor(probe.irps / probe.seconds, n, o.targetSeconds, o.minM);
  const variants: Observe[] = ['none', 'subscribe', 'record'];
  for (const observe of variants) runNullIoctl({ n, m, depth, verifier: 'off', observe });
  const rates: Record<Observe, number[]> = { none: [], subscribe: [], record: [] };
  for (let round = 0; round < o.pairs; round++) {
    o.progress(`W5: round ${round + 1}/${o.pairs} (m=${m})`);
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const observe of order) {
      collectGarbage();
      const run = runNullIoctl({ n, m, depth, verifier: 'off', observe });
      rates[observe].push(run.irps / run.seconds);
    }
  }
  const overhead = (variant: Observe) => sig(1 - median(rates[variant].map((r, i) => r / rates.none[i]!)), 3);
  return {
    workload: 'W5',
    name: 'tracing',
    n,
    m,
    depth,
    verifier: 'off',
    strategy: 'first-come',
    irpsPerSecNone: sig(median(rates.none)),
    irpsPerSecSubscribe: sig(median(rates.subscribe)),
    irpsPerSecRecord: sig(median(rates.record)),
    overheadZeroSubscribers: null,
    overheadZeroSubscribersNote:
      'not applicable: the trace always owns its eventemitter3 bus and every emit site is guarded by trace.on, so "no observer" already is "bus present, 0 subscribers"; there is no bus-less build to compare with',
    overheadOneSubscriber: overhead('subscribe'),
    overheadRecord: overhead('record'),
    eventsPerIrp: structure.eventsPerIrp,
    jsonlBytesPerEvent: structure.jsonlBytesPerEvent,
    gzipBytesPerEvent: structure.gzipBytesPerEvent,
    jsonlBytesPerIrp: sig(structure.jsonlBytesPerEvent * structure.eventsPerIrp),
    gzipBytesPerIrp: sig(structure.gzipBytesPerEvent * structure.eventsPerIrp),
    pairs: o.pairs,
    env: o.env,
  };
}
