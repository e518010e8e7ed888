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
  return out.join('\n');
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
