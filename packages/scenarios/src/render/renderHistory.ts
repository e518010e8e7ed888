import { STATUS, describeStatus, hex, statusName, type TraceEvent } from '@irpsim/core';
import { IRP_MJ, majorName } from '@irpsim/io-manager';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import { describeIrpEvent, irpOf, openCalls, trackCalls } from './irpActors.ts';
import { narrate } from './narrate.ts';
import { controlCodeOf, nameNumbers } from './nameNumbers.ts';
import { formatTime } from './renderText.ts';

export interface HistoryOptions {
  /** Numbers to show by name (IOCTL codes of the scenario and its drivers). */
  readonly names?: ReadonlyMap<number, string>;
}

/** One visit of the IRP to a driver: its stack location and device, the dispatch return, the completion routine. */
interface VisitRecord {
  readonly location: number;
  device: string;
  driver: string;
  returned: number | null;
  routine: number | null;
  pending: boolean;
  completed: boolean;
}

/** One IRP's life as the trace tells it. */
interface IrpRecord {
  readonly irp: number;
  readonly major: number;
  readonly stackCount: number;
  readonly heading: string;
  readonly lines: string[];
  /** Every IoCallDriver of this IRP, in order: the top of the stack first. */
  readonly visits: VisitRecord[];
  /** The calls in progress (stack locations, outermost first), for indentation. */
  readonly calls: number[];
  readonly allocated: number;
  /** Width of the actor column: the longest actor that touched an IRP. */
  readonly width: number;
  lastActor: string;
  completedBy: string[];
  pendingBy: string[];
  final: { status: number; information: number } | null;
  freed: number | null;
}

/**
 * `--format history`: every IRP of the run in the style of IrpTrace's history pane — what
 * was asked and by whom, each stack location it visited, what each dispatch routine
 * returned, who marked it pending, the completion routines and what they returned, who
 * completed it with which status and Information, and what the I/O manager did at the end.
 * A pure function of the trace.
 */
export function renderHistory(result: ScenarioResult, events: readonly TraceEvent[], options: HistoryOptions = {}): string {
  const names = options.names ?? new Map<number, string>();
  const width = Math.max(12, ...events.filter((e) => irpOf(e) !== null).map((e) => e.actor.length));
  const calls = openCalls();
  const irps = new Map<number, IrpRecord>();
  for (const e of events) {
    trackCalls(calls, e);
    if (e.type === 'io.irp.alloc') {
      irps.set(e.irp, allocate(e, calls, names, width));
      continue;
    }
    const id = e.type === 'io.cancel.request' ? null : irpOf(e);
    if (id === null) continue;
    const record = irps.get(id);
    if (record !== undefined) step(record, e, names);
  }
  const out: string[] = [];
  out.push(`${result.scenario} — per-IRP history`);
  out.push(`seed ${result.seed} · strategy ${result.strategy} · scenario ${result.scenarioHash} · ${irps.size} IRP${irps.size === 1 ? '' : 's'}`);
  for (const record of irps.values()) {
    out.push('');
    out.push(record.heading);
    out.push(...record.lines);
    out.push(...summary(record));
  }
  out.push('');
  return out.join('\n');
}

function allocate(e: Extract<TraceEvent, { type: 'io.irp.alloc' }>, calls: ReturnType<typeof openCalls>, names: ReadonlyMap<number, string>, width: number): IrpRecord {
  const win32 = calls.win32.get(e.actor);
  const service = calls.service.get(e.actor);
  let what = majorName(e.major);
  if ((e.major === IRP_MJ.DEVICE_CONTROL || e.major === IRP_MJ.INTERNAL_DEVICE_CONTROL) && win32?.api === 'DeviceIoControl') {
    const code = controlCodeOf(win32.detail);
    if (code !== null) what += `  ${names.has(code) ? `${names.get(code)!} (${hex(code)})` : hex(code)}`;
  }
  const by = [
    service !== undefined ? service : null,
    win32 !== undefined ? `for ${win32.api}(${nameNumbers(win32.detail, names)})` : null,
  ].filter((p) => p !== null);
  const requester = e.tid !== null ? `${e.actor} (tid ${e.tid})` : e.actor;
  const record: IrpRecord = {
    irp: e.irp,
    major: e.major,
    stackCount: e.stackCount,
    heading: `IRP ${e.irp}  ${what}`,
    width,
    lines: [],
    visits: [],
    calls: [],
    allocated: e.t,
    lastActor: e.actor,
    completedBy: [],
    pendingBy: [],
    final: null,
    freed: null,
  };
  record.lines.push(`  requester: ${requester}, RequestorMode ${e.requestor === 'user' ? 'UserMode' : 'KernelMode'}${e.file !== null ? `, file object #${e.file}` : ''}, ${e.stackCount} stack location${e.stackCount === 1 ? '' : 's'}`);
  record.lines.push(line(width, e.t, e.seq, '', 0, `allocated${by.length > 0 ? ` by ${by.join(' ')}` : ''}`));
  return record;
}

function step(record: IrpRecord, e: TraceEvent, names: ReadonlyMap<number, string>): void {
  const who = e.actor === record.lastActor ? '' : e.actor;
  record.lastActor = e.actor;
  const depth = record.calls.length;
  const push = (text: string, d = depth): void => {
    record.lines.push(line(record.width, e.t, e.seq, who, d, text));
  };
  switch (e.type) {
    case 'io.irp.call': {
      record.visits.push({ location: e.location, device: e.deviceName, driver: e.driver, returned: null, routine: null, pending: false, completed: false });
      // The same location as the caller's: the caller skipped its own (IoSkipCurrentIrpStackLocation, IO-5.4).
      const skipped = e.caller !== null && record.calls[record.calls.length - 1] === e.location;
      const how = e.caller === null ? '' : skipped ? `, sent on by ${e.caller}, which skipped its stack location (IoSkipCurrentIrpStackLocation)` : `, sent on by ${e.caller} with the next stack location`;
      push(`→ ${e.driver} (${e.deviceName}): stack location ${e.location} of ${e.stackCount}${how}`);
      record.calls.push(e.location);
      return;
    }
    case 'io.irp.return': {
      record.calls.pop();
      visit(record, e.driver, e.location).returned = e.status;
      push(`← ${e.driver}'s dispatch routine returns ${describeStatus(e.status)}`, record.calls.length);
      return;
    }
    case 'io.irp.pending':
      visit(record, e.driver, e.location).pending = true;
      if (!record.pendingBy.includes(e.driver)) record.pendingBy.push(e.driver);
      push(`${e.driver} marks it pending (IoMarkIrpPending, stack location ${e.location})`);
      return;
    case 'io.irp.complete': {
      const by = e.driver ?? 'the I/O manager';
      if (e.driver !== null) visit(record, e.driver, e.location).completed = true;
      record.completedBy.push(by);
      push(`${by} completes it: IoCompleteRequest, Status = ${describeStatus(e.status)}, Information = ${e.information}`);
      return;
    }
    case 'io.irp.routine': {
      visit(record, e.driver, e.location).routine = e.result;
      const stops = e.result >>> 0 === STATUS.MORE_PROCESSING_REQUIRED;
      push(
        `${e.driver}'s completion routine (set for stack location ${e.location}) sees ${statusName(e.status)} → returns ${statusName(e.result)}${
          stops ? `: the completion walk stops, ${e.driver} owns the IRP again` : ''
        }`,
      );
      return;
    }
    case 'io.irp.finish':
      record.final = { status: e.status, information: e.information };
      push(narrate(e, names)?.text ?? e.type);
      return;
    case 'io.irp.free':
      record.freed = e.t;
      push(`freed, ${((e.t - record.allocated) / 1000).toFixed(3)} µs after it was allocated`);
      return;
    default:
      push(narrate(e, names)?.text ?? describeIrpEvent(e) ?? e.type);
  }
}

/** The latest visit of `driver` at `location` (a driver that never got the IRP, e.g. by IoCallDriver's caller's routine: a new row). */
function visit(record: IrpRecord, driver: string, location: number): VisitRecord {
  for (let i = record.visits.length - 1; i >= 0; i--) {
    const v = record.visits[i]!;
    if (v.driver === driver && v.location === location) return v;
  }
  const v: VisitRecord = { location, device: '', driver, returned: null, routine: null, pending: false, completed: false };
  record.visits.push(v);
  return v;
}

/** Time, the event's seq (what `--format windbg --at` takes), the context it ran in when it changed, the text. */
function line(width: number, t: number, seq: number, who: string, depth: number, text: string): string {
  return `${formatTime(t)}  ${`#${seq}`.padEnd(6)} ${who.padEnd(width)}  ${'  '.repeat(depth)}${text}`;
}

/** The table IrpTrace shows beside the history: one row per driver the IRP visited, top of the stack first. */
function summary(record: IrpRecord): string[] {
  const rows: string[][] = [['location', 'device', 'driver', 'dispatch returned', 'pending', 'completed it', 'completion routine returned']];
  for (const at of record.visits) {
    rows.push([
      `${at.location} of ${record.stackCount}`,
      at.device,
      at.driver,
      at.returned === null ? '—' : statusName(at.returned),
      at.pending ? 'marked' : '',
      at.completed ? 'yes' : '',
      at.routine === null ? '' : statusName(at.routine),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
  const fate =
    record.final !== null
      ? `final ${describeStatus(record.final.status)}, Information = ${record.final.information}`
      : record.freed !== null
        ? 'freed without final processing'
        : 'still in flight when the run ended';
  lines.push(
    `  → ${fate}${record.completedBy.length > 0 ? ` · completed by ${record.completedBy.join(', then ')}` : ''}${
      record.pendingBy.length > 0 ? ` · marked pending by ${record.pendingBy.join(', ')}` : ''
    }`,
  );
  return lines;
}
