import { parseArgs } from 'node:util';

export const WORKLOADS = ['W1', 'W2', 'W5', 'W3', 'W4', 'W8', 'W6', 'W7', 'W9'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchArgs {
  readonly quick: boolean;
  readonly json: boolean;
  readonly only: readonly Workload[];
  /** Interleaved pairs for W1 and W5 (default 9, quick 3). */
  readonly pairs: number;
  /** Where to write the W3 scaling plot, or null. */
  readonly svg: string | null;
  /** Re-report the JSON lines of a saved run instead of measuring. */
  readonly from: string | null;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--only W1|W2|W5|W3|W4|W8|W6|W7|W9[,…]] [--pairs K] [--svg FILE] [--from FILE]

  --quick      reduced sizes and pairs, well under a minute; never gates on budgets
  --json       only machine-readable JSON lines on stdout, one object per workload/variant
  --only LIST  run these workloads only (full paired measurement unless --quick)
  --pairs K    interleaved (irpsim, reference) pairs for W1 and W5 (default 9; quick 3)
  --svg FILE   write the W3 plot (throughput against in-flight IRPs) to FILE
  --from FILE  no measurement: print the tables, budgets (and --svg) of saved JSON lines

Workloads: W1 null IOCTL through a 3-deep stack (verifier off and enhanced), W5 tracing
overhead, W3 scaling (processes, stack depth), W6 property-test throughput (fast-check over
generated scenarios, a seeded bug shrunk), W7 schedule exploration (explore on a lesson),
W9 state snapshots with immer patches (1,000 and 10,000 IRPs in flight).
W2 W1 with config T's hop and device latencies, W4 pending/cancel (DPC and timer completion,
CancelIoEx, single and multiple waits), W8 memory per in-flight IRP, device object, process.
Exit status: 0, or 1 when a gating floor fails in a full run, 2 on a usage error or a broken measurement (a checksum mismatch).`;

/** Parses the bench's command line; throws on an unknown option or workload. */
export function benchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      pairs: { type: 'string' },
      svg: { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const only: Workload[] = [];
  for (const item of (values.only ?? []).flatMap((v) => v.split(','))) {
    const name = item.trim().toUpperCase();
    if (!(WORKLOADS as readonly string[]).includes(name)) {
      throw new Error(`unknown workload ${item} (implemented: ${WORKLOADS.join(', ')})`);
    }
    if (!only.includes(name as Workload)) only.push(name as Workload);
  }
  const quick = values.quick === true;
  const pairs = values.pairs === undefined ? (quick ? 3 : 9) : Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs needs a positive integer, not ${values.pairs}`);
  return {
    quick,
    json: values.json === true,
    only: only.length > 0 ? only : [...WORKLOADS],
    pairs,
    svg: values.svg ?? null,
    from: values.from ?? null,
    help: values.help === true,
  };
}
