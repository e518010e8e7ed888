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

  const later = (id: string, what: string, floor: string, stretch: string, note: string): BudgetRow => ({
    id, what, floor, stretch, measured: '–', verdict: 'SKIP', stretchMet: null, gates: true, note,
  });
  rows.push(later('W8', 'W8 memory per in-flight IRP (3 stack locations)', '≤ 424 B', '–',
    'not built yet: needs overlapped DeviceIoControl held pending by a driver'));
  rows.push(later('W6', 'W6 scenario runs/s (~500-event scenarios)', '≥ 10,000/s', '≥ 25,000/s', 'not built yet (later milestone)'));
  rows.push(later('W7', 'W7 schedules/s', '≥ 1,000/s', '≥ 10,000/s', 'not built yet (later milestone)'));
  rows.push(later('W9', 'W9 immer-patch snapshots at 1,000 IRPs in flight', '≤ 5 µs/step', '≤ 2× that at 10,000', 'no snapshot subject in the engine yet'));
  return rows;
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
