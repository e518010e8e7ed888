import type { Report } from './ReportSpec.ts';

/**
 * A report as a text table: a heading, column titles, one line per row. Times show in µs
 * with three decimals, other fractions with up to three; text left-aligned, numbers right.
 */
export function renderReport(report: Report): string[] {
  const head = report.columns.map((c) => (c.unit === 'ns' ? `${c.title} (µs)` : c.unit === 'bytes' ? `${c.title} (B)` : c.title));
  const body = report.table.map((row) => row.map((value, i) => showCell(value, report.columns[i]?.unit ?? null)));
  const numeric = report.columns.map((_, i) => report.table.every((row) => typeof row[i] !== 'string'));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`Report: ${report.title}`, `  ${line(head)}`, ...body.map((r) => `  ${line(r)}`)];
}

function showCell(value: string | number | null, unit: 'ns' | 'bytes' | null): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (unit === 'ns') return (value / 1000).toFixed(3);
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}
