import { didYouMean } from '../format/didYouMean.ts';
import type { Path } from '../format/SourceMap.ts';
import { TRACE_EVENT_TYPES } from './eventTypes.ts';
import {
  COMPARE_OPS,
  MEASURES,
  TEXT_MEASURES,
  type CompareOp,
  type Measure,
  type MeasureName,
  type ReportColumnSpec,
  type ReportExpectation,
  type ReportRows,
  type ReportSpec,
} from './ReportSpec.ts';

/** The `report:` data the schema admits (the schema has already reported what it rejects). */
export interface ReportData {
  title?: string;
  rows?: ReportRows;
  api?: string[];
  threads?: string[];
  columns?: (string | { title?: string; measure?: string; count?: string; sum?: string; per?: number | string })[];
  expect?: ({ row: string; column: string } & Partial<Record<CompareOp, number | { row: string; column?: string }>>)[];
}

type ErrorAt = (path: Path, message: string, hint?: string | null) => void;

/** Measures that only mean something for one row per call. */
const CALL_ONLY: ReadonlySet<string> = new Set(['api', 'status']);

/** Checks a report section's meaning and builds its spec; reports problems through `error`. */
export function compileReport(data: ReportData, scenarioName: string, threadLabels: ReadonlySet<string>, error: ErrorAt): ReportSpec {
  const rows = data.rows ?? 'calls';
  const columns: ReportColumnSpec[] = [];
  (Array.isArray(data.columns) ? data.columns : []).forEach((c, i) => {
    const path: Path = ['report', 'columns', i];
    const column = compileColumn(c, path, error);
    if (column === null) return;
    if (column.measure.kind === 'measure' && CALL_ONLY.has(column.measure.name) && rows !== 'calls') {
      error(path, `'${column.measure.name}' is a measure of one call: it needs rows: calls (rows are ${rows} here)`);
    }
    if (columns.some((x) => x.title === column.title)) {
      error(path, `two columns are titled '${column.title}'`, 'give one of them a title: { title: …, measure: … }');
      return;
    }
    columns.push(column);
  });
  const threads = Array.isArray(data.threads) ? data.threads : null;
  threads?.forEach((label, i) => {
    if (threadLabels.has(label)) return;
    const close = didYouMean(label, threadLabels);
    error(['report', 'threads', i], `no thread '${label}'`, close !== null ? `did you mean '${close}'?` : `threads: ${[...threadLabels].join(', ')}`);
  });
  const titles = columns.map((c) => c.title);
  const checks = Array.isArray(data.expect) ? data.expect : [];
  if (checks.length > 0 && !columns.some((c) => c.measure.kind === 'measure' && c.measure.name === 'label')) {
    error(['report', 'expect'], 'report checks find rows by their label: add a label column', "add '- label' under columns");
  }
  const expect: ReportExpectation[] = [];
  checks.forEach((e, i) => {
    const path: Path = ['report', 'expect', i];
    const ops = COMPARE_OPS.filter((op) => e[op] !== undefined);
    if (ops.length !== 1) {
      error(path, ops.length === 0 ? 'a report check needs one comparison' : `one comparison per check: found ${ops.join(' and ')}`, `one of ${COMPARE_OPS.join(', ')}`);
      return;
    }
    const op = ops[0]!;
    if (!knownColumn(e.column, titles, columns, [...path, 'column'], error)) return;
    const target = e[op]!;
    if (typeof target === 'object' && target.column !== undefined && !knownColumn(target.column, titles, columns, [...path, op, 'column'], error)) return;
    expect.push({ row: e.row, column: e.column, op, than: typeof target === 'number' ? target : { row: target.row, column: target.column ?? e.column } });
  });
  return { title: data.title ?? scenarioName, rows, api: Array.isArray(data.api) ? data.api : null, threads, columns, expect };
}

function knownColumn(title: string, titles: string[], columns: ReportColumnSpec[], path: Path, error: ErrorAt): boolean {
  const column = columns.find((c) => c.title === title);
  if (column === undefined) {
    const close = didYouMean(title, titles);
    error(path, `no column titled '${title}'`, close !== null ? `did you mean '${close}'?` : `columns: ${titles.join(', ')}`);
    return false;
  }
  if (column.measure.kind === 'measure' && TEXT_MEASURES.has(column.measure.name)) {
    error(path, `the column '${title}' holds text: a check compares numbers`);
    return false;
  }
  return true;
}

function compileColumn(c: NonNullable<ReportData['columns']>[number], path: Path, error: ErrorAt): ReportColumnSpec | null {
  if (typeof c === 'string') return c in MEASURES ? { title: c, measure: { kind: 'measure', name: c as MeasureName }, per: null, unit: unitOf(c) } : null;
  if (c === null || typeof c !== 'object') return null;
  const sources = (['measure', 'count', 'sum'] as const).filter((k) => c[k] !== undefined);
  if (sources.length !== 1) {
    error(path, sources.length === 0 ? 'a column needs a measure, a count or a sum' : `give one of measure, count or sum, not ${sources.join(' and ')}`);
    return null;
  }
  let measure: Measure;
  if (c.measure !== undefined) measure = { kind: 'measure', name: c.measure as MeasureName };
  else if (c.count !== undefined) {
    if (!knownType(c.count, [...path, 'count'], error)) return null;
    measure = { kind: 'count', type: c.count };
  } else {
    const sum = c.sum!;
    const dot = sum.lastIndexOf('.');
    const type = sum.slice(0, dot);
    if (!knownType(type, [...path, 'sum'], error)) return null;
    measure = { kind: 'sum', type, field: sum.slice(dot + 1) };
  }
  const per = c.per ?? null;
  if (typeof per === 'string' && TEXT_MEASURES.has(per)) {
    error([...path, 'per'], `'${per}' is text: divide by a number or by a count (calls, irps, copies …)`);
    return null;
  }
  if (measure.kind === 'measure' && TEXT_MEASURES.has(measure.name) && per !== null) {
    error([...path, 'per'], `'${measure.name}' is text: it cannot be divided`);
    return null;
  }
  const title = c.title ?? (measure.kind === 'measure' ? measure.name : measure.kind === 'count' ? measure.type : `${measure.type}.${measure.field}`);
  const unit = measure.kind === 'measure' ? unitOf(measure.name) : measure.kind === 'sum' && /length|bytes|information/i.test(measure.field) ? 'bytes' : null;
  return { title, measure, per: per as number | MeasureName | null, unit };
}

function unitOf(name: string): 'ns' | 'bytes' | null {
  if (name === 'time' || name === 'latency') return 'ns';
  if (name === 'copied' || name === 'transferred') return 'bytes';
  return null;
}

function knownType(type: string, path: Path, error: ErrorAt): boolean {
  if (TRACE_EVENT_TYPES.includes(type)) return true;
  const close = didYouMean(type, TRACE_EVENT_TYPES);
  error(path, `no trace event type '${type}'`, close !== null ? `did you mean '${close}'?` : 'docs/scenario-format.md lists the useful ones');
  return false;
}
