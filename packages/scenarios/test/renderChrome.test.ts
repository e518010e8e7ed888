import type { TraceEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { renderChrome, type ChromeTrace } from '../src/index.ts';
import { GOLDEN_LESSONS, runLesson } from './renderLesson.ts';

/**
 * The trace-event format as Perfetto's JSON importer and chrome://tracing read it: an
 * object with `traceEvents`; every event has `ph`, `ts` (µs), `pid`, `tid` and `name`;
 * B/E spans nest per thread; b/e async spans pair by `cat` + `id`; M records name tracks.
 */
function checkFormat(trace: ChromeTrace): void {
  const json = JSON.parse(JSON.stringify(trace)) as { traceEvents: Record<string, unknown>[]; displayTimeUnit: string };
  expect(Array.isArray(json.traceEvents)).toBe(true);
  expect(['ms', 'ns']).toContain(json.displayTimeUnit);
  const open = new Map<string, string[]>();
  const async = new Map<string, number>();
  const named = new Set<string>();
  const lastTs = new Map<string, number>();
  for (const e of json.traceEvents) {
    expect(typeof e['name']).toBe('string');
    expect(['B', 'E', 'b', 'e', 'i', 'M']).toContain(e['ph']);
    expect(typeof e['ts'] === 'number' && Number.isFinite(e['ts']) && e['ts'] >= 0).toBe(true);
    expect(Number.isInteger(e['pid']) && Number.isInteger(e['tid'])).toBe(true);
    const thread = `${e['pid'] as number}/${e['tid'] as number}`;
    if (e['ph'] === 'M') {
      expect(['process_name', 'thread_name']).toContain(e['name']);
      expect(typeof (e['args'] as { name?: unknown }).name).toBe('string');
      if (e['name'] === 'thread_name') named.add(thread);
      continue;
    }
    expect(named.has(thread), `track ${thread} has a name`).toBe(true);
    // Per thread, time never runs backwards in file order (spans then nest as written).
    expect(e['ts'] as number).toBeGreaterThanOrEqual(lastTs.get(thread) ?? 0);
    lastTs.set(thread, e['ts'] as number);
    if (e['ph'] === 'B') open.set(thread, [...(open.get(thread) ?? []), e['name'] as string]);
    if (e['ph'] === 'E') expect(open.get(thread)?.pop()).toBe(e['name']);
    if (e['ph'] === 'b' || e['ph'] === 'e') {
      expect(typeof e['cat'] === 'string' && typeof e['id'] === 'string').toBe(true);
      const key = `${e['cat'] as string}:${e['id'] as string}`;
      async.set(key, (async.get(key) ?? 0) + (e['ph'] === 'b' ? 1 : -1));
      expect(async.get(key)).toBeGreaterThanOrEqual(0);
    }
    if (e['ph'] === 'i') expect(['t', 'p', 'g']).toContain(e['s']);
  }
  for (const [thread, stack] of open) expect(stack, `spans left open on ${thread}`).toEqual([]);
  for (const [key, n] of async) expect(n, `async span ${key} closed`).toBe(0);
}

const count = (events: readonly TraceEvent[], type: string): number => events.filter((e) => e.type === type).length;

describe('--format chrome: Chrome trace-event JSON for Perfetto', () => {
  for (const lesson of GOLDEN_LESSONS) {
    it(`${lesson}: matches the trace-event format (traceEvents, ph, ts, pid, tid)`, () => {
      const { simulation, result, names } = runLesson(lesson);
      const trace = renderChrome(result, simulation.events, { names });
      checkFormat(trace);
      // A duration per IRP (allocation to free) and per dispatch routine (IoCallDriver to its return).
      const spans = (ph: string, cat: string): number => trace.traceEvents.filter((e) => e.ph === ph && e.cat === cat).length;
      expect(spans('b', 'irp')).toBe(count(simulation.events, 'io.irp.alloc'));
      expect(spans('B', 'dispatch')).toBe(count(simulation.events, 'io.irp.call'));
      expect(spans('B', 'syscall')).toBe(count(simulation.events, 'syscall.enter'));
      expect(trace.otherData['scenarioHash']).toBe(result.scenarioHash);
    });
  }

  it('one pid per process plus the kernel; DPCs run on kernel tracks, user threads in their process', () => {
    const { simulation, result } = runLesson('completion-routines');
    const trace = renderChrome(result, simulation.events);
    const processes = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.pid, (e.args as { name: string }).name]);
    expect(processes).toEqual([
      [0, 'kernel (DPCs, timers)'],
      [4, 'System (pid 4)'],
      [8, 'app (pid 8)'],
    ]);
    const dpc = trace.traceEvents.find((e) => e.name === 'io.irp.complete' && (e.args as { text: string }).text.includes('STATUS_SUCCESS') && e.pid === 0);
    expect(dpc, 'the timer DPC completes IRP 2 on a kernel track').toBeDefined();
    // Simulated ns become the format's µs.
    const alloc = simulation.events.find((e) => e.type === 'io.irp.alloc')!;
    expect(trace.traceEvents.find((e) => e.ph === 'b')!.ts).toBe(alloc.t / 1000);
  });

  it('a run cut short leaves no span open: they are closed at its last event', () => {
    const { simulation, result } = runLesson('completion-routines');
    const cut = simulation.events.slice(0, simulation.events.findIndex((e) => e.type === 'timer.fire'));
    const trace = renderChrome(result, cut);
    checkFormat(trace);
    expect(trace.traceEvents.filter((e) => e.ph === 'e' && (e.args as { stillInFlight?: boolean } | undefined)?.stillInFlight === true)).toHaveLength(1);
  });
});
