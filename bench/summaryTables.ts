import type { Environment } from './environment.ts';
import { lineChartSvg } from './lineChartSvg.ts';

type Line = Record<string, unknown>;

/** The header of a human report: machine, Node, date, commit. */
export function formatEnvironment(env: Environment, simpy: string | null): string {
  return [
    `machine   ${env.cpu}, ${env.cores} cores, ${env.os}`,
    `node      ${env.node}${env.exposeGc ? ' (--expose-gc)' : ''}`,
    `date      ${env.date}`,
    `commit    ${env.commit}${env.dirty ? ' (work tree has uncommitted changes)' : ''}`,
    `simpy     ${simpy === null ? 'absent (/usr/bin/python3 cannot import simpy): SimPy ratios SKIP' : `${simpy} under /usr/bin/python3`}`,
  ].join('\n');
}

/** W1, W5 and W3 lines as small human tables. */
export function formatWorkloads(lines: readonly Line[]): string {
  const out: string[] = [];
  const w1 = lines.filter((l) => l['workload'] === 'W1');
  if (w1.length > 0) {
    const l0 = w1[0]!;
    out.push(`W1 null IOCTL: n=${String(l0['n'])} processes × m=${String(l0['m'])} calls, depth ${String(l0['depth'])}, ${String(l0['pairs'])} interleaved pairs, medians`);
    out.push(table(
      ['engine', 'IRPs/s (min–max)', 'events/s', 'events/IRP', 'steps/IRP', 'ns/IRP', '÷ R-soa', '÷ R-obj', '× SimPy'],
      [
        ...w1.map((l) => [
          `irpsim, verifier ${String(l['verifier'])}`,
          `${k(l['irpsPerSec'])} (${k(l['irpsPerSecMin'])}–${k(l['irpsPerSecMax'])})`,
          k(l['eventsPerSec']),
          String(l['eventsPerIrp']),
          String(l['stepsPerIrp']),
          k(l['nsPerIrp']),
          pct(l['ratioToRefSoa']),
          pct(l['ratioToRefObj']),
          times(l['ratioToSimpy']),
        ]),
        ['R-soa (typed arrays)', k(l0['refSoaIrpsPerSec']), '', '7', '', k(1e9 / (l0['refSoaIrpsPerSec'] as number)), '', '', ''],
        ['R-obj (object heap)', k(l0['refObjIrpsPerSec']), '', '7', '', k(1e9 / (l0['refObjIrpsPerSec'] as number)), '', '', ''],
        ['SimPy peer', l0['simpyIrpsPerSec'] === null ? 'SKIP' : k(l0['simpyIrpsPerSec']), '', '7 (9 SimPy events)', '', '', '', '', ''],
      ],
    ));
    const random = w1.find((l) => l['irpsPerSecRandom'] !== null);
    if (random !== undefined) out.push(`seeded-random strategy, verifier off: ${k(random['irpsPerSecRandom'])} IRPs/s`);
    out.push('');
  }
  const w5 = lines.find((l) => l['workload'] === 'W5');
  if (w5 !== undefined) {
    out.push(`W5 tracing (n=${String(w5['n'])}, m=${String(w5['m'])}, verifier off, ${String(w5['pairs'])} pairs)`);
    out.push(table(
      ['observer', 'IRPs/s', 'overhead'],
      [
        ['none', k(w5['irpsPerSecNone']), ''],
        ['trace.subscribe, 1 in-memory subscriber', k(w5['irpsPerSecSubscribe']), pct(w5['overheadOneSubscriber'])],
        ['trace.record()', k(w5['irpsPerSecRecord']), pct(w5['overheadRecord'])],
      ],
    ));
    out.push(`trace size: ${String(w5['jsonlBytesPerEvent'])} B/event JSONL, ${String(w5['gzipBytesPerEvent'])} B/event gzipped, ${String(w5['eventsPerIrp'])} events/IRP`);
    out.push('');
  }
  const procs = lines.filter((l) => l['workload'] === 'W3' && l['sweep'] === 'processes');
  if (procs.length > 0) {
    out.push('W3 scaling with processes (IRPs in flight), depth 3, verifier off');
    out.push(table(
      ['processes', 'irpsim IRPs/s', '÷ 100 processes', 'R-soa', 'R-obj', 'SimPy', 'irpsim ÷ R-soa', 'setup ms/process'],
      procs.map((l) => [
        String(l['n']),
        k(l['irpsPerSec']),
        pct(l['ratioToBaseProcesses']),
        k(l['refSoaIrpsPerSec']),
        k(l['refObjIrpsPerSec']),
        l['simpyIrpsPerSec'] === null ? 'SKIP' : k(l['simpyIrpsPerSec']),
        pct(l['ratioToRefSoa']),
        String(l['setupMsPerProcess']),
      ]),
    ));
  }
  const depths = lines.filter((l) => l['workload'] === 'W3' && l['sweep'] === 'depth');
  if (depths.length > 0) {
    out.push(`W3 scaling with stack depth (n=${String(depths[0]!['n'])})`);
    out.push(table(['depth', 'IRPs/s', 'ns/IRP', 'IRPs/s × depth'], depths.map((l) => [String(l['depth']), k(l['irpsPerSec']), k(l['nsPerIrp']), k(l['irpsTimesDepth'])])));
    const summary = lines.find((l) => l['workload'] === 'W3' && l['sweep'] === 'summary');
    if (summary !== undefined) {
      const segments = summary['depthSegments'] as { from: number; to: number; nsPerLevel: number }[];
      out.push(`marginal ns per level: ${segments.map((s) => `${s.from}→${s.to}: ${k(s.nsPerLevel)}`).join(', ')}; fitted ${k(summary['nsPerLevelFit'])}`);
    }
    out.push('');
  }
  out.push(...formatPendingAndMemory(lines));
  out.push(...formatSearchAndSnapshots(lines));
  return out.join('\n');
}

/** W2, W4 and W8 lines as small human tables. */
function formatPendingAndMemory(lines: readonly Line[]): string[] {
  const out: string[] = [];
  const w2 = lines.filter((l) => l['workload'] === 'W2');
  if (w2.length > 0) {
    const l0 = w2[0]!;
    const check = l0['simCheck'] as { singleThreadNsPerCall: number; expectedNsPerCall: number };
    out.push(`W2 timed stack, config T (d = ${String(l0['hopNs'])} ns per hop, s = ${String(l0['serviceNs'])} ns): n=${String(l0['n'])} × m=${String(l0['m'])}, depth ${String(l0['depth'])}, ${String(l0['pairs'])} pairs, medians`);
    out.push(table(
      ['engine', 'IRPs/s (min–max)', 'steps/IRP', 'ns/IRP', '÷ R-soa T', '÷ R-obj T', '× SimPy T'],
      [
        ...w2.map((l) => [
          `irpsim, verifier ${String(l['verifier'])}`,
          `${k(l['irpsPerSec'])} (${k(l['irpsPerSecMin'])}–${k(l['irpsPerSecMax'])})`,
          String(l['stepsPerIrp']),
          k(l['nsPerIrp']),
          pct(l['ratioToRefSoa']),
          pct(l['ratioToRefObj']),
          times(l['ratioToSimpy']),
        ]),
        ['R-soa, config T', k(l0['refSoaIrpsPerSec']), '', k(1e9 / (l0['refSoaIrpsPerSec'] as number)), '', '', ''],
        ['R-obj, config T', k(l0['refObjIrpsPerSec']), '', k(1e9 / (l0['refObjIrpsPerSec'] as number)), '', '', ''],
        ['SimPy peer, config T', l0['simpyIrpsPerSec'] === null ? 'SKIP' : k(l0['simpyIrpsPerSec']), '', '', '', '', ''],
      ],
    ));
    out.push(`simulated time: a lone thread's call takes ${String(check.singleThreadNsPerCall)} ns (expected 3d + 2d + s = ${String(check.expectedNsPerCall)}); `
      + `at n=${String(l0['n'])} on 2 CPUs ${k(l0['simNsPerCallPerThread'])} ns per call per thread; end time ${String(l0['simTimeNs'])} ns in every round`);
    out.push('');
  }
  const w4 = lines.filter((l) => l['workload'] === 'W4');
  if (w4.length > 0) {
    out.push(`W4 pending/cancel: n=${String(w4[0]!['n'])} processes × m rounds of 2 overlapped IOCTLs, depth ${String(w4[0]!['depth'])}, 1 in 10 cancelled (CancelIoEx), ${String(w4[0]!['rounds'])} rounds, medians`);
    out.push(table(
      ['completion, verifier', 'IRPs/s (min–max)', 'cancellations/s', 'CancelIoEx/s', 'wait satisfactions/s', 'cancelled share', 'steps/IRP', 'clean runs'],
      w4.map((l) => [
        `${String(l['completion'])}, ${String(l['verifier'])}`,
        `${k(l['irpsPerSec'])} (${k(l['irpsPerSecMin'])}–${k(l['irpsPerSecMax'])})`,
        k(l['cancellationsPerSec']),
        k(l['cancelRequestsPerSec']),
        k(l['waitSatisfactionsPerSec']),
        pct(l['cancelledShare']),
        String(l['stepsPerIrp']),
        String(l['cleanRuns']),
      ]),
    ));
    out.push('');
  }
  const w8 = lines.filter((l) => l['workload'] === 'W8');
  if (w8.length > 0) {
    out.push(`W8 memory: heap after a full GC while IOCTLs are held pending by ${String(w8[0]!['threads'])} overlapped threads, depth 3 (slope over the held counts)`);
    out.push(table(
      ['verifier', 'held IOCTLs', 'B per in-flight IRP', 'by point', '÷ real IRP (424 B)', 'simulated memory B/IRP', 'B per device object', 'B per process'],
      w8.map((l) => [
        String(l['verifier']),
        (l['pendingCounts'] as number[]).join(', '),
        String(l['bytesPerInFlightIrp']),
        (l['bytesPerInFlightIrpByPoint'] as number[]).join(', '),
        times(l['ratioToRealIrp']),
        k(l['simulatedMemoryBytesPerIrp']),
        l['bytesPerDeviceObject'] === null ? '' : `${String(l['bytesPerDeviceObject'])} (${(l['deviceCounts'] as number[]).join(', ')})`,
        l['bytesPerProcess'] === null ? '' : `${String(l['bytesPerProcess'])} (${(l['processCounts'] as number[]).join(', ')})`,
      ]),
    ));
    out.push('');
  }
  return out;
}

/** W6, W7 and W9 lines as small human tables. */
function formatSearchAndSnapshots(lines: readonly Line[]): string[] {
  const out: string[] = [];
  const w6 = lines.find((l) => l['workload'] === 'W6');
  if (w6 !== undefined) {
    out.push(`W6 property throughput: fast-check over generated scenarios (${String(w6['runs'])} runs × ${String(w6['reps'])}, verifier enhanced)`);
    out.push(table(
      ['runs/s (min–max)', 'p50 ms', 'p99 ms', 'load ms p50', 'run ms p50', 'runs/s w/o load', 'events/scenario', 'IRPs/scenario', 'events/s', '÷ W1 events/s'],
      [[
        `${k(w6['scenarioRunsPerSec'])} (${k(w6['scenarioRunsPerSecMin'])}–${k(w6['scenarioRunsPerSecMax'])})`,
        k(w6['msPerScenarioP50']), k(w6['msPerScenarioP99']), k(w6['loadMsP50']), k(w6['runMsP50']), k(w6['runsPerSecExcludingLoad']),
        k(w6['eventsPerScenario']), k(w6['irpsPerScenario']), k(w6['eventsPerSec']), pct(w6['ratioToW1EventsPerSec']),
      ]],
    ));
    const m = w6['minimalCounterexample'] as { processes: number; irps: number; filters: number; outputs: number[] } | undefined;
    out.push(`seeded bug ${String(w6['bugTwin'])}: found in run ${String(w6['bugRunsToFirstFailure'])} (${k(w6['bugFindMs'])} ms), shrunk in ${k(w6['shrinkMs'])} ms`
      + ` (${String(w6['shrinkCandidateRuns'])} candidate runs, ${String(w6['shrinkSteps'])} steps) to ${m === undefined ? '?' : `${m.processes} process, ${m.irps} IOCTL(s), ${m.filters} filters, outputs [${m.outputs.join(', ')}]`}`
      + `${w6['counterexampleMinimal'] === true ? ' (minimal)' : ' (not the smallest)'}; replay from seed and path ${k(w6['replayFromSeedMs'])} ms`);
    out.push('');
  }
  const w7 = lines.filter((l) => l['workload'] === 'W7');
  if (w7.length > 0) {
    out.push(`W7 schedule exploration: explore({ runs: ${String(w7[0]!['schedules'])}, all: true, shrinkBudget: 0 }), ${String(w7[0]!['reps'])} rounds`);
    out.push(table(
      ['lesson, strategy', 'schedules/s (min–max)', 'ms/schedule', 'events/schedule', 'distinct traces / 1,000', 'failing runs', 'bare runs/s', 'explore overhead', '÷ W1 events/s'],
      w7.map((l) => [
        String(l['variant']),
        `${k(l['schedulesPerSec'])} (${k(l['schedulesPerSecMin'])}–${k(l['schedulesPerSecMax'])})`,
        k(l['msPerSchedule']), String(l['eventsPerSchedule']), String(l['distinctTracesPer1000']), String(l['failingRuns']),
        k(l['bareRunsPerSec']), pct(l['exploreOverhead']), pct(l['ratioToW1EventsPerSec']),
      ]),
    ));
    out.push('');
  }
  const w9 = lines.filter((l) => l['workload'] === 'W9');
  if (w9.length > 0) {
    out.push('W9 state snapshots with immer patches (µs per step, median of rounds; attributable = observed − plain)');
    out.push(table(
      ['IRPs in flight', 'plain step', 'step + snapshot', 'snapshot', 'inspect() alone', 'patches/snapshot', 'first snapshot ms', 'steps/block'],
      w9.map((l) => [
        String(l['held']), k(l['plainUsPerStep']), k(l['snapshotUsPerStepObserved']), k(l['snapshotUsPerStep']), k(l['inspectUsPerStep']),
        String(l['patchesPerSnapshot']), k(l['firstSnapshotMs']), String(l['stepsPerBlock']),
      ]),
    ));
    out.push('');
  }
  return out;
}

/** The W3 plot: throughput against IRPs in flight for irpsim, the reference loops and SimPy. */
export function w3Svg(lines: readonly Line[]): string | null {
  const procs = lines.filter((l) => l['workload'] === 'W3' && l['sweep'] === 'processes');
  if (procs.length === 0) return null;
  const series = (key: string) => procs.filter((l) => typeof l[key] === 'number').map((l) => [l['n'] as number, l[key] as number] as const);
  const env = procs[0]!['env'] as Environment;
  return lineChartSvg({
    title: `Null IOCTL round trips/s vs IRPs in flight (${env.cpu}, ${env.commit})`,
    xLabel: 'IRPs in flight (processes, one synchronous call each)',
    yLabel: 'requests per second',
    series: [
      { name: 'irpsim (verifier off)', color: '#d62728', points: series('irpsPerSec') },
      { name: 'R-soa', color: '#1f77b4', points: series('refSoaIrpsPerSec'), dashed: true },
      { name: 'R-obj', color: '#2ca02c', points: series('refObjIrpsPerSec'), dashed: true },
      { name: 'SimPy peer', color: '#9467bd', points: series('simpyIrpsPerSec'), dashed: true },
    ],
  });
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function k(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)} k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(value < 10 ? 2 : 0);
}

function pct(value: unknown): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%` : 'SKIP';
}

function times(value: unknown): string {
  return typeof value === 'number' ? `${value.toFixed(value < 1 ? 3 : 2)}×` : 'SKIP';
}
