import type { ExpectationResult } from '../run/ScenarioResult.ts';
import type { CompareOp, Report, ReportSpec } from './ReportSpec.ts';

const SYMBOL: Record<CompareOp, string> = { equals: '=', below: '<', above: '>', atMost: '≤', atLeast: '≥' };

/** The report's `expect:` checks, as expectations of the run. */
export function checkReport(spec: ReportSpec, report: Report): ExpectationResult[] {
  const labels = report.table.map((row) => String(row[spec.columns.findIndex((c) => c.measure.kind === 'measure' && c.measure.name === 'label')] ?? ''));
  const hasLabel = spec.columns.some((c) => c.measure.kind === 'measure' && c.measure.name === 'label');
  const value = (row: string, column: string): number | string => {
    if (!hasLabel) return 'the report has no label column to find rows by';
    const r = labels.indexOf(row);
    if (r < 0) return `no row '${row}' (rows: ${labels.join(', ')})`;
    const v = report.table[r]![spec.columns.findIndex((c) => c.title === column)];
    return typeof v === 'number' ? v : `'${row}' has no value in '${column}'`;
  };
  return spec.expect.map((e) => {
    const left = value(e.row, e.column);
    const right = typeof e.than === 'number' ? e.than : value(e.than.row, e.than.column);
    const than = typeof e.than === 'number' ? String(e.than) : `${e.than.row} / ${e.than.column}`;
    const description = `report: ${e.row} / ${e.column} ${SYMBOL[e.op]} ${than}`;
    if (typeof left === 'string' || typeof right === 'string') {
      return { description, expected: `${SYMBOL[e.op]} ${typeof right === 'number' ? right : than}`, actual: typeof left === 'string' ? left : right, passed: false };
    }
    return { description, expected: `${SYMBOL[e.op]} ${right}`, actual: left, passed: compare(e.op, left, right) };
  });
}

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case 'equals':
      return a === b;
    case 'below':
      return a < b;
    case 'above':
      return a > b;
    case 'atMost':
      return a <= b;
    case 'atLeast':
      return a >= b;
  }
}
