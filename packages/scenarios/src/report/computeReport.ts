import { statusName, type TraceEvent, type TraceEventOf, type TraceEventType } from '@irpsim/core';
import type { MeasureName, Report, ReportColumnSpec, ReportSpec } from './ReportSpec.ts';

/** The events one row covers, and what is known of it. */
interface Row {
  readonly label: string;
  readonly thread: string;
  readonly api: string;
  status: string;
  readonly startSeq: number;
  endSeq: number;
  readonly startT: number;
  endT: number;
  /** The thread the row belongs to, or null for the whole run. */
  readonly tid: number | null;
  readonly irps: Set<number>;
}

/**
 * Computes a report from the trace of a run. A row covers its thread's own events between
 * its start and its end, plus every event of the IRPs it allocated, whenever those happen
 * (an overlapped request finishes after its call returned). Deterministic: the same trace
 * gives the same table.
 */
export function computeReport(spec: ReportSpec, events: readonly TraceEvent[], values: ReadonlyMap<string, number> = new Map()): Report {
  const threadName = new Map<number, string>();
  const tidOfActor = new Map<string, number>();
  const userPids = new Set<number>();
  for (const e of events) {
    if (e.type === 'process.create') userPids.add(e.pid);
    if (e.type === 'thread.create' && userPids.has(e.pid)) {
      threadName.set(e.tid, e.name);
      tidOfActor.set(e.name, e.tid);
    }
  }
  const wanted = (tid: number | null): boolean => tid !== null && threadName.has(tid) && (spec.threads === null || spec.threads.includes(threadName.get(tid)!));
  const last = events[events.length - 1];
  const lastSeq = last?.seq ?? 0;
  const lastT = last?.t ?? 0;
  // Control codes in call details show by name, as the narration shows them.
  const names = new Map([...values].filter(([, v]) => v > 0xffff).map(([k, v]) => [v, k]));
  const named = (detail: string) => detail.replace(/0x[0-9A-F]{5,8}\b/g, (h) => names.get(Number.parseInt(h.slice(2), 16)) ?? h);
  const rows = collectRows(spec, events, threadName, tidOfActor, wanted, lastSeq, lastT, named);

  // IRPs belong to the innermost row of their thread open when they were allocated.
  const byTid = new Map<number, Row[]>();
  for (const row of rows) if (row.tid !== null) push(byTid, row.tid, row);
  for (const e of events) {
    if (e.type !== 'io.irp.alloc') continue;
    if (spec.rows === 'run') rows[0]?.irps.add(e.irp);
    if (e.tid === null) continue;
    for (const row of byTid.get(e.tid) ?? []) if (row.startSeq <= e.seq && e.seq <= row.endSeq) row.irps.add(e.irp);
  }
  // Each thread's events and each IRP's events, once, so a row's share costs what it holds.
  const byThread = new Map<number, TraceEvent[]>();
  const byIrp = new Map<number, TraceEvent[]>();
  for (const e of events) {
    const tid = tidOfActor.get(e.actor);
    if (tid !== undefined) push(byThread, tid, e);
    const irp = (e as { irp?: unknown }).irp;
    if (typeof irp === 'number') push(byIrp, irp, e);
  }
  const table = rows.map((row) => {
    const own = row.tid === null ? events : eventsOf(row, byThread.get(row.tid) ?? [], byIrp, tidOfActor);
    return spec.columns.map((column) => cell(column, row, own, spec));
  });
  return { title: spec.title, rows: spec.rows, columns: spec.columns.map((c) => ({ title: c.title, unit: c.unit })), table };
}

function collectRows(
  spec: ReportSpec,
  events: readonly TraceEvent[],
  threadName: ReadonlyMap<number, string>,
  tidOfActor: ReadonlyMap<string, number>,
  wanted: (tid: number | null) => boolean,
  lastSeq: number,
  lastT: number,
  named: (detail: string) => string,
): Row[] {
  const row = (label: string, tid: number | null, api: string, e: { seq: number; t: number }): Row => ({
    label,
    thread: tid === null ? '' : (threadName.get(tid) ?? ''),
    api,
    status: '',
    startSeq: e.seq,
    endSeq: lastSeq,
    startT: e.t,
    endT: lastT,
    tid,
    irps: new Set(),
  });
  if (spec.rows === 'run') return [row('run', null, '', { seq: 0, t: 0 })];
  // Where each thread's events end: a row left open ends there.
  const threadEnd = new Map<number, { seq: number; t: number }>();
  for (const e of events) {
    const tid = tidOfActor.get(e.actor);
    if (tid !== undefined) threadEnd.set(tid, { seq: e.seq, t: e.t });
  }
  const close = (r: Row, e: { seq: number; t: number } | undefined): void => {
    if (e === undefined) return;
    r.endSeq = e.seq;
    r.endT = e.t;
  };
  const rows: Row[] = [];
  if (spec.rows === 'threads') {
    for (const e of events) {
      if (e.type !== 'thread.create' || !wanted(e.tid)) continue;
      const r = row(e.name, e.tid, '', e);
      close(r, threadEnd.get(e.tid));
      rows.push(r);
    }
    return rows;
  }
  if (spec.rows === 'notes') {
    const open = new Map<number, Row>();
    for (const e of events) {
      if (e.type !== 'scenario.note') continue;
      const tid = tidOfActor.get(e.actor) ?? null;
      if (tid === null || !wanted(tid)) continue;
      const previous = open.get(tid);
      if (previous !== undefined) close(previous, e);
      const r = row(e.text, tid, '', e);
      close(r, threadEnd.get(tid));
      open.set(tid, r);
      rows.push(r);
    }
    return rows;
  }
  // rows: calls — a call and its return pair up per thread, innermost first (an APC's
  // completion routine may call the API inside an alertable wait).
  const stacks = new Map<number, Row[]>();
  for (const e of events) {
    if (e.type === 'win32.call') {
      if (!wanted(e.tid)) continue;
      const r = row(`${e.api}(${named(e.detail)})`, e.tid, e.api, e);
      close(r, threadEnd.get(e.tid));
      stacks.set(e.tid, [...(stacks.get(e.tid) ?? []), r]);
      if (spec.api === null || spec.api.includes(e.api)) rows.push(r);
    } else if (e.type === 'win32.return') {
      const stack = stacks.get(e.tid);
      const r = stack?.pop();
      if (r === undefined) continue;
      close(r, e);
      r.status = e.ok ? (e.error === null && e.errorName === null && e.api.startsWith('Nt') ? statusName(e.status) : 'TRUE') : `FALSE (${e.errorName ?? statusName(e.status)})`;
    }
  }
  return rows;
}

/** The row's own events: its thread's between start and end, and every event of its IRPs. */
function eventsOf(row: Row, threadEvents: readonly TraceEvent[], byIrp: ReadonlyMap<number, readonly TraceEvent[]>, tidOfActor: ReadonlyMap<string, number>): readonly TraceEvent[] {
  const inSpan = (e: TraceEvent) => e.seq >= row.startSeq && e.seq <= row.endSeq;
  const out = threadEvents.filter(inSpan);
  for (const irp of row.irps) for (const e of byIrp.get(irp) ?? []) if (!(inSpan(e) && tidOfActor.get(e.actor) === row.tid)) out.push(e);
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function cell(column: ReportColumnSpec, row: Row, own: readonly TraceEvent[], spec: ReportSpec): string | number | null {
  const value = measure(column, row, own, spec);
  if (typeof value === 'string' || column.per === null) return value;
  const by = typeof column.per === 'number' ? column.per : (measureValue(column.per, row, own, spec) as number);
  return by === 0 ? null : value / by;
}

function measure(column: ReportColumnSpec, row: Row, own: readonly TraceEvent[], spec: ReportSpec): string | number {
  const m = column.measure;
  if (m.kind === 'count') return own.filter((e) => e.type === m.type).length;
  if (m.kind === 'sum') {
    let total = 0;
    for (const e of own) {
      const v = (e as unknown as Record<string, unknown>)[m.field];
      if (e.type === m.type && typeof v === 'number') total += v;
    }
    return total;
  }
  return measureValue(m.name, row, own, spec);
}

function measureValue(name: MeasureName, row: Row, own: readonly TraceEvent[], spec: ReportSpec): string | number {
  switch (name) {
    case 'label':
      return row.label;
    case 'thread':
      return row.thread;
    case 'api':
      return row.api;
    case 'status':
      return row.status;
    case 'time':
      return row.endT - row.startT;
    case 'latency': {
      let end = row.endT;
      for (const e of own) if (e.type === 'io.irp.finish' || e.type === 'io.irp.free') end = Math.max(end, e.t);
      return end - row.startT;
    }
    case 'calls':
      return own.filter((e) => e.type === 'win32.call' && (spec.api === null || spec.rows === 'calls' || spec.api.includes(e.api))).length;
    case 'irps':
      return row.tid === null ? own.filter((e) => e.type === 'io.irp.alloc').length : row.irps.size;
    case 'copied':
      return sum(own, 'io.copy', (e) => e.length);
    case 'copies':
      return own.filter((e) => e.type === 'io.copy').length;
    case 'transferred':
      return sum(own, 'io.irp.finish', (e) => e.information);
    case 'syscalls':
      return own.filter((e) => e.type === 'syscall.enter' && e.previousMode === 'user').length;
    case 'events':
      return own.length;
  }
}

function sum<T extends TraceEventType>(events: readonly TraceEvent[], type: T, field: (e: TraceEventOf<T>) => number): number {
  let total = 0;
  for (const e of events) if (e.type === type) total += field(e as unknown as TraceEventOf<T>);
  return total;
}
