export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface BudgetRow {
  readonly id: string;
  readonly what: string;
  /** The floor, as the issue writes it. */
  readonly floor: string;
  readonly stretch: string;
  readonly measured: string;
  readonly verdict: Verdict;
  /** The stretch figure was met too (null when skipped). */
  readonly stretchMet: boolean | null;
  /** A failing floor makes a full run exit 1 (the default-verifier W1 figures are reported only). */
  readonly gates: boolean;
  readonly note: string;
}

type Line = Record<string, unknown>;

/**
 * Every budget of issue 9 (floors, stretch in brackets), read from the workload lines of
 * this run: PASS or FAIL when measured, SKIP with the reason otherwise. Budgets are never
 * weakened to pass; a missing measurement is a SKIP, never a PASS.
 */
export function evaluateBudgets(lines: readonly Line[]): BudgetRow[] {
  const w1 = (verifier: string) => lines.find((l) => l['workload'] === 'W1' && l['verifier'] === verifier);
  const w5 = lines.find((l) => l['workload'] === 'W5');
  const w3 = lines.find((l) => l['workload'] === 'W3' && l['sweep'] === 'summary');
  const rows: BudgetRow[] = [];

  for (const verifier of ['off', 'enhanced']) {
    const line = w1(verifier);
    const gates = verifier === 'off';
    const label = verifier === 'off' ? 'verifier off' : 'default verifier (enhanced)';
    const simpy = num(line?.['ratioToSimpy']);
    rows.push(
      atLeast(`W1-${verifier}-simpy`, `W1 null IOCTL, 3-deep stack, ${label}: × SimPy`, simpy, 3, 5, gates, fmtTimes,
        line === undefined ? 'W1 not run' : simpy === null ? 'SimPy absent: run `npm run bench:setup`' : ''),
    );
    const soa = num(line?.['ratioToRefSoa']);
    rows.push(atLeast(`W1-${verifier}-rsoa`, `W1 null IOCTL, 3-deep stack, ${label}: ÷ R-soa`, soa, 0.25, 0.7, gates, fmtPct,
      line === undefined ? 'W1 not run' : ''));
  }

  rows.push({
    id: 'W5-zero',
    what: 'W5 observer-free run with the bus present: overhead',
    floor: '≤ 5%',
    stretch: '≤ 2%',
    measured: '–',
    verdict: 'SKIP',
    stretchMet: null,
    gates: true,
    note: w5 === undefined ? 'W5 not run' : 'n/a: the trace always owns its bus and emit sites test trace.on; no bus-less build to compare',
  });
  const one = num(w5?.['overheadOneSubscriber']);
  rows.push(atMost('W5-one', 'W5 one in-memory subscriber: overhead', one, 0.35, 0.2, true, fmtPct, w5 === undefined ? 'W5 not run' : ''));

  const r100k = num(w3?.['ratio100kTo100']);
  const largest = num(w3?.['largestProcesses']);
  const rLargest = num(w3?.['ratioLargestToBase']);
  rows.push(
    atLeast('W3-100k', 'W3 100,000 processes: ÷ 100-process throughput', r100k, 0.25, 0.4, true, fmtPct,
      w3 === undefined
        ? 'W3 not run'
        : r100k === null
          ? `100k processes not run; at ${largest} processes: ${rLargest === null ? '–' : fmtPct(rLargest)} (paired runs)`
          : ''),
  );
  const slope = num(w3?.['depthSlopeDeviation']);
  rows.push(atMost('W3-depth', 'W3 stack depth 1 → 16: marginal ns per level, worst deviation from the fitted slope', slope, 0.15, null, true, fmtPct,
    w3 === undefined ? 'W3 not run' : slope === null ? 'no fit: fewer than 3 depths, or a fitted slope ≤ 0 (noise)' : ''));

  rows.push(...pendingAndMemoryRows(lines));
  rows.push(...snapshotAndSearchBudgets(lines));
  return rows;
}

/**
 * W8 (gating: bytes per in-flight IRP, the slope of the heap against the held count, at
 * verifier off) and the reported rows of W2 and W4, which have no budget in issue 9.
 */
function pendingAndMemoryRows(lines: readonly Line[]): BudgetRow[] {
  const w8 = lines.find((l) => l['workload'] === 'W8' && l['verifier'] === 'off');
  const w2 = lines.find((l) => l['workload'] === 'W2' && l['verifier'] === 'off');
  const w4 = lines.filter((l) => l['workload'] === 'W4' && l['verifier'] === 'off');
  const bytes = num(w8?.['bytesPerInFlightIrp']);
  const fmtBytes = (v: number) => `${v.toFixed(0)} B`;
  const reported = (id: string, what: string, measured: string, note: string): BudgetRow => ({
    id, what, floor: '–', stretch: '–', measured, verdict: 'SKIP', stretchMet: null, gates: false, note,
  });
  const w2Soa = num(w2?.['ratioToRefSoa']);
  return [
    atMost('W8', 'W8 memory per in-flight IRP (3 stack locations, verifier off)', bytes, 424, null, true, fmtBytes,
      w8 === undefined
        ? 'W8 not run'
        : `${(w8['pendingCounts'] as number[]).join('/')} held; device object ${fmtMaybe(w8['bytesPerDeviceObject'], fmtBytes)}, process ${fmtMaybe(w8['bytesPerProcess'], fmtBytes)}`),
    reported('W2', 'W2 timed stack (config T), verifier off: ÷ R-soa config T', w2Soa === null ? '–' : fmtPct(w2Soa),
      w2 === undefined ? 'W2 not run' : `no budget in issue 9; ${fmtMaybe(w2['ratioToSimpy'], fmtTimes)} SimPy config T`),
    reported('W4', 'W4 pending/cancel, verifier off: IRPs/s (DPC, timer)', w4.length === 0 ? '–' : w4.map((l) => `${String(l['completion'])} ${fmtMaybe(l['irpsPerSec'], (v) => v.toFixed(0))}`).join(', '),
      w4.length === 0 ? 'W4 not run' : 'no budget in issue 9; every run clean, no verifier violation'),
  ];
}

function fmtMaybe(value: unknown, fmt: (v: number) => string): string {
  const v = num(value);
  return v === null ? '–' : fmt(v);
}

/** W6 (property runs/s), W7 (schedules/s) and W9 (µs per step for snapshots at 1,000 and 10,000 IRPs in flight). */
function snapshotAndSearchBudgets(lines: readonly Line[]): BudgetRow[] {
  const w6 = lines.find((l) => l['workload'] === 'W6');
  const w7 = lines.find((l) => l['workload'] === 'W7');
  const w9 = (held: number) => lines.find((l) => l['workload'] === 'W9' && l['held'] === held);
  const ofW1 = (line: Line | undefined) => {
    const r = num(line?.['ratioToW1EventsPerSec']);
    return r === null ? "W1's events/s not measured in this run" : `${fmtPct(r)} of W1's events/s (verifier enhanced)`;
  };
  const fmtRate = (v: number) => `${v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} k` : v.toFixed(0)}/s`;
  const fmtUs = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} ms/step` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} µs/step`);
  const runs = num(w6?.['scenarioRunsPerSec']);
  const schedules = num(w7?.['schedulesPerSec']);
  const at1k = num(w9(1000)?.['snapshotUsPerStep']);
  const at10k = num(w9(10_000)?.['snapshotUsPerStep']);
  return [
    atLeast('W6', `W6 scenario runs/s (~${Math.round(num(w6?.['eventsPerScenario']) ?? 500)}-event scenarios, YAML load included)`, runs, 10_000, 25_000, true, fmtRate,
      w6 === undefined ? 'W6 not run' : ofW1(w6)),
    atLeast('W7', `W7 schedules/s (explore, ${w7 === undefined ? 'a lesson' : `${String(w7['variant'])}, ${String(w7['eventsPerSchedule'])} events`})`, schedules, 1000, 10_000, true, fmtRate,
      w7 === undefined ? 'W7 not run' : ofW1(w7)),
    atMost('W9-1k', 'W9 immer-patch snapshots, 1,000 IRPs in flight', at1k, 5, null, true, fmtUs, w9(1000) === undefined ? 'W9 at 1,000 not run' : ''),
    atMost('W9-10k', 'W9 immer-patch snapshots, 10,000 IRPs in flight (2× the 1,000 floor)', at10k, 10, null, true, fmtUs,
      w9(10_000) === undefined ? 'W9 at 10,000 not run (not in --quick)' : at1k === null || at10k === null ? '' : `${(at10k / at1k).toFixed(1)}× the figure at 1,000`),
  ];
}

/** The summary table: every budget with its measured figure and verdict. */
export function formatBudgetTable(rows: readonly BudgetRow[], quick: boolean): string {
  const head = ['budget', 'floor [stretch]', 'measured', 'verdict', 'note'];
  const body = rows.map((r) => [
    r.what,
    `${r.floor} [${r.stretch}]`,
    r.measured,
    r.verdict + (r.stretchMet === true ? ' (stretch met)' : '') + (r.gates ? '' : ' (reported)'),
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (quick) out.push('', '--quick: reduced sizes and pairs; verdicts are indicative and never gate.');
  return out.join('\n');
}

function atLeast(id: string, what: string, value: number | null, floor: number, stretch: number, gates: boolean, fmt: (v: number) => string, note: string): BudgetRow {
  return {
    id, what, gates, note,
    floor: `≥ ${fmt(floor)}`,
    stretch: `≥ ${fmt(stretch)}`,
    measured: value === null ? '–' : fmt(value),
    verdict: value === null ? 'SKIP' : value >= floor ? 'PASS' : 'FAIL',
    stretchMet: value === null ? null : value >= stretch,
  };
}

function atMost(id: string, what: string, value: number | null, floor: number, stretch: number | null, gates: boolean, fmt: (v: number) => string, note: string): BudgetRow {
  return {
    id, what, gates, note,
    floor: `≤ ${fmt(floor)}`,
    stretch: stretch === null ? '–' : `≤ ${fmt(stretch)}`,
    measured: value === null ? '–' : fmt(value),
    verdict: value === null ? 'SKIP' : value <= floor ? 'PASS' : 'FAIL',
    stretchMet: value === null || stretch === null ? null : value <= stretch,
  };
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function fmtTimes(v: number): string {
  return `${v.toFixed(v < 1 ? 3 : 2)}×`;
}

function fmtPct(v: number): string {
  const p = v * 100;
  return `${p.toFixed(Math.abs(p) < 10 ? 1 : 0)}%`;
}
