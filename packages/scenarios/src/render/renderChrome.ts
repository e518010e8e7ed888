import { statusName, type TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import { IRPSIM_VERSION, SCHEMA_VERSION } from '../version.ts';
import { actorsOf, describeKernelEvent } from './actorLanes.ts';
import { describeIrpEvent } from './irpActors.ts';
import { narrate } from './narrate.ts';

/** One record of the Chrome trace-event format (the subset irpsim writes). */
export interface ChromeTraceEvent {
  readonly name: string;
  readonly cat?: string;
  /** B/E: a span on a thread; b/e: an async span (an IRP); i: an instant; M: metadata. */
  readonly ph: 'B' | 'E' | 'b' | 'e' | 'i' | 'M';
  /** Microseconds of simulated time. */
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly id?: string;
  readonly s?: 't' | 'p' | 'g';
  readonly args?: Record<string, unknown>;
}

export interface ChromeTrace {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ns';
  readonly otherData: Record<string, string | number | boolean>;
}

/** pid of the lanes that are no thread: DPCs, timers, the clock. */
const KERNEL_PID = 0;

/**
 * `--format chrome`: the run as Chrome trace-event JSON, for Perfetto (ui.perfetto.dev) or
 * chrome://tracing. One pid per process plus pid 0 for kernel context (DPCs, timers), one
 * tid per thread or DPC. Win32 calls, system calls, dispatch routines and waits are
 * duration spans on the thread that ran them; each IRP is an async span from allocation to
 * free; marking pending, completing, completion routines and DPCs are instants.
 * Timestamps are simulated microseconds. A pure function of the trace.
 */
export function renderChrome(result: ScenarioResult, events: readonly TraceEvent[], options: { readonly names?: ReadonlyMap<number, string> } = {}): ChromeTrace {
  const names = options.names ?? new Map<number, string>();
  const actors = actorsOf(events);
  const out: ChromeTraceEvent[] = [];
  const ids = new Map<string, { pid: number; tid: number }>();
  let nextKernelTid = 1;
  for (const [name, a] of actors) {
    ids.set(name, a.tid !== null ? { pid: a.pid, tid: a.tid } : { pid: KERNEL_PID, tid: nextKernelTid++ });
  }
  // Metadata: names for processes and threads, so the viewer labels its tracks.
  const processNames = new Map<number, string>([[KERNEL_PID, 'kernel (DPCs, timers)']]);
  for (const a of actors.values()) if (a.tid !== null) processNames.set(a.pid, `${a.process} (pid ${a.pid})`);
  for (const [pid, name] of processNames) out.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
  for (const [name, id] of ids) out.push({ name: 'thread_name', ph: 'M', ts: 0, pid: id.pid, tid: id.tid, args: { name } });

  const open = new Map<string, ChromeTraceEvent[]>();
  const begin = (e: TraceEvent, name: string, cat: string, args?: Record<string, unknown>): void => {
    const where = ids.get(e.actor)!;
    const span: ChromeTraceEvent = { name, cat, ph: 'B', ts: us(e.t), pid: where.pid, tid: where.tid, ...(args !== undefined ? { args } : {}) };
    out.push(span);
    open.set(e.actor, [...(open.get(e.actor) ?? []), span]);
  };
  const end = (e: TraceEvent, args?: Record<string, unknown>): void => {
    const span = open.get(e.actor)?.pop();
    if (span === undefined) return;
    out.push({ name: span.name, cat: span.cat!, ph: 'E', ts: us(e.t), pid: span.pid, tid: span.tid, ...(args !== undefined ? { args } : {}) });
  };
  const instant = (e: TraceEvent, name: string, cat: string, args: Record<string, unknown>): void => {
    const where = ids.get(e.actor)!;
    out.push({ name, cat, ph: 'i', s: 't', ts: us(e.t), pid: where.pid, tid: where.tid, args });
  };
  const irps = new Map<number, ChromeTraceEvent>();
  for (const e of events) {
    switch (e.type) {
      case 'win32.call':
        begin(e, e.api, 'win32', { detail: narrate(e, names)?.text ?? e.detail });
        break;
      case 'win32.return':
        end(e, { result: narrate(e, names)?.text ?? '' });
        break;
      case 'syscall.enter':
        begin(e, e.service, 'syscall', { previousMode: e.previousMode });
        break;
      case 'syscall.exit':
        end(e, { status: statusName(e.status) });
        break;
      case 'io.irp.call':
        begin(e, `${e.driver} ${majorName(e.major)}`, 'dispatch', { irp: e.irp, device: e.deviceName, location: `${e.location} of ${e.stackCount}` });
        break;
      case 'io.irp.return':
        end(e, { status: statusName(e.status) });
        break;
      case 'wait.begin':
        begin(e, 'wait', 'wait', { objects: e.objects.join(', '), alertable: e.alertable });
        break;
      case 'wait.end':
        end(e, { status: statusName(e.status) });
        break;
      case 'io.irp.alloc': {
        const where = ids.get(e.actor)!;
        const span: ChromeTraceEvent = { name: `IRP ${e.irp} ${majorName(e.major)}`, cat: 'irp', ph: 'b', id: `irp${e.irp}`, ts: us(e.t), pid: where.pid, tid: where.tid, args: { stackCount: e.stackCount, requestor: e.requestor } };
        irps.set(e.irp, span);
        out.push(span);
        break;
      }
      case 'io.irp.free': {
        const span = irps.get(e.irp);
        if (span !== undefined) out.push({ name: span.name, cat: 'irp', ph: 'e', id: span.id!, ts: us(e.t), pid: span.pid, tid: span.tid });
        irps.delete(e.irp);
        break;
      }
      case 'io.irp.pending':
      case 'io.irp.complete':
      case 'io.irp.routine':
      case 'io.irp.finish':
      case 'io.irp.cancel':
      case 'io.irp.cancelRoutine':
      case 'io.irp.abort':
      case 'io.copy':
      case 'dpc.run':
      case 'timer.fire':
      case 'apc.deliver':
      case 'io.port.queue':
      case 'io.port.remove':
      case 'verifier.violation':
      case 'sim.bugcheck':
        instant(e, e.type, e.type.split('.')[0]!, { text: narrate(e, names)?.text ?? describeIrpEvent(e) ?? describeKernelEvent(e) ?? e.type, seq: e.seq });
        break;
      default:
        break;
    }
  }
  // A run that stopped early (a bug check, a deadlock) leaves spans open: close them at its end.
  const last = events.length > 0 ? us(events[events.length - 1]!.t) : 0;
  for (const spans of open.values()) {
    for (const span of spans.reverse()) out.push({ name: span.name, cat: span.cat!, ph: 'E', ts: last, pid: span.pid, tid: span.tid, args: { unfinished: true } });
  }
  for (const span of irps.values()) out.push({ name: span.name, cat: 'irp', ph: 'e', id: span.id!, ts: last, pid: span.pid, tid: span.tid, args: { stillInFlight: true } });
  return {
    traceEvents: out,
    displayTimeUnit: 'ns',
    otherData: {
      schemaVersion: SCHEMA_VERSION,
      irpsimVersion: IRPSIM_VERSION,
      scenario: result.scenario,
      scenarioHash: result.scenarioHash,
      seed: result.seed,
      outcome: result.outcome,
      passed: result.passed,
    },
  };
}

/** Simulated nanoseconds as the format's microseconds. */
const us = (ns: number): number => ns / 1000;

/** The JSON text `--format chrome` prints: valid JSON with one trace event per line, so goldens and diffs stay readable. */
export function chromeJson(trace: ChromeTrace): string {
  const events = trace.traceEvents.map((e) => JSON.stringify(e)).join(',\n');
  return `{"traceEvents":[\n${events}\n],\n"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},\n"otherData":${JSON.stringify(trace.otherData)}}\n`;
}
