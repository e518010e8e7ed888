import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_COST_MODEL, type TraceEvent } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulation, formatLoadError, loadScenario, renderJson, renderText, TRACE_EVENT_TYPES, type Report, type ScenarioResult } from '../src/index.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const lesson = (name: string) => readFileSync(join(ROOT, 'packages/scenarios/lessons', `${name}.yaml`), 'utf8');
/** The report example of docs/scenario-format.md §7, so the test and the page cannot drift apart. */
const ECHO = /^```yaml\n(# example: report-echo-costs\n[\s\S]*?)^```$/m.exec(readFileSync(join(ROOT, 'docs/scenario-format.md'), 'utf8'))![1]!;

function run(text: string, file = 'report.yaml'): { result: ScenarioResult; report: Report; events: readonly TraceEvent[] } {
  const loaded = loadScenario(text, { file });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  const simulation = createSimulation(loaded.scenario);
  const result = simulation.run();
  if (result.report === null) throw new Error('no report');
  return { result, report: result.report, events: simulation.events };
}

/** A scenario with `machine.cost` overrides (inserted after `description:`). */
function withCost(text: string, cost: Record<string, number>): string {
  const lines = Object.entries(cost).map(([k, v]) => `    ${k}: ${v}`);
  return text.replace(/^(description: .*)$/m, `$1\nmachine:\n  cost:\n${lines.join('\n')}`);
}

const column = (report: Report, title: string) => report.table.map((row) => row[report.columns.findIndex((c) => c.title === title)]);

describe('reports: a table computed from the run', () => {
  it('the echo example: one row per note, its checks count as expectations, text and JSON carry it', () => {
    const { result, report, events } = run(ECHO);
    expect(result.passed).toBe(true);
    expect(column(report, 'label')).toEqual(['16 bytes', '4096 bytes', 'closing']);
    // copied/call: the io.copy bytes of the row's IRP, per call (IO-3.1: in at the call, back at completion).
    const copies = events.filter((e) => e.type === 'io.copy');
    expect(column(report, 'copied/call')).toEqual([copies.filter((e) => e.length <= 16).reduce((a, e) => a + e.length, 0), 8192, null]);
    expect(result.expectations.filter((e) => e.description.startsWith('report: '))).toHaveLength(2);
    const text = renderText(result, events);
    expect(text).toContain('Report: A buffered echo, by message size');
    expect(text.indexOf('Report:')).toBeLessThan(text.indexOf('Verdict:'));
    expect(renderJson(result, 'x').report).toEqual(report);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('a failed report check fails the run and says which cell', () => {
    const { result } = run(ECHO.replace('equals: 8192', 'equals: 8000'));
    expect(result.passed).toBe(false);
    const failed = result.expectations.filter((e) => !e.passed);
    expect(failed.map((e) => [e.description, e.actual])).toEqual([['report: 4096 bytes / copied/call = 8000', 8192]]);
    const missing = run(ECHO.replace('- { row: 4096 bytes, column: copied/call', '- { row: 8 KiB, column: copied/call')).result;
    expect(missing.expectations.find((e) => !e.passed)?.actual).toBe("no row '8 KiB' (rows: 16 bytes, 4096 bytes, closing)");
  });

  it('rows partition the I/O: the calls rows of ioctl-methods add up to the run row, per measure', () => {
    const columns = ['copied', 'copies', 'irps', 'transferred', 'syscalls'];
    const calls = run(`${lesson('ioctl-methods')}\nreport:\n  rows: calls\n  columns: [${columns.join(', ')}]\n`).report;
    const whole = run(`${lesson('ioctl-methods')}\nreport:\n  rows: run\n  columns: [${columns.join(', ')}]\n`).report;
    expect(whole.table).toHaveLength(1);
    for (const title of columns) {
      const total = column(calls, title).reduce((a: number, v) => a + (v as number), 0);
      expect([title, total]).toEqual([title, column(whole, title)[0]]);
    }
    expect(column(whole, 'copied')[0]).toBeGreaterThan(0);
  });

  it('an overlapped request counts its completion in the row of the call that sent it (latency ≥ time)', () => {
    const { report } = run(`${lesson('overlapped-iocp')}\nreport:\n  columns: [label, api, time, latency, irps]\n`);
    const times = column(report, 'time') as number[];
    const latencies = column(report, 'latency') as number[];
    times.forEach((t, i) => expect(latencies[i]).toBeGreaterThanOrEqual(t));
    expect(latencies.some((l, i) => l > times[i]!)).toBe(true); // some request outlived its call
  });

  it('rows: threads gives one row per user thread, in creation order', () => {
    const simulation = createSimulation(`${lesson('ipc-sync')}\nreport:\n  rows: threads\n  columns: [label, calls, events]\n`);
    const report = simulation.run().report!;
    const threads = Object.values(simulation.inspect().threads).sort((a, b) => a.tid - b.tid).map((t) => t.name);
    expect(threads.length).toBeGreaterThan(1);
    expect(column(report, 'label')).toEqual(threads);
    expect((column(report, 'events') as number[]).every((n) => n > 0)).toBe(true);
  });

  it('cost model: raising copyPerByte moves each row’s time by exactly the extra cost of its copies', () => {
    const base = run(ECHO);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).map((q) => q / 4), (copyPerByte) => {
        const changed = run(withCost(ECHO, { copyPerByte }));
        const baseTimes = column(base.report, 'time/call');
        const times = column(changed.report, 'time/call');
        for (const label of ['16 bytes', '4096 bytes']) {
          const i = column(base.report, 'label').indexOf(label);
          const lengths = rowCopies(base.events, i);
          const extra = lengths.reduce((a, n) => a + Math.ceil(n * copyPerByte) - Math.ceil(n * DEFAULT_COST_MODEL.copyPerByte), 0);
          expect((times[i] as number) - (baseTimes[i] as number)).toBe(extra);
        }
        expect(column(changed.report, 'copied/call')).toEqual(column(base.report, 'copied/call')); // bytes do not depend on costs
      }),
      { numRuns: 8, seed: 7 },
    );
  });

  it('cost model: raising syscallEntry by d moves each call’s time by d per system call it made', () => {
    const text = `${lesson('ioctl-methods')}\nreport:\n  columns: [label, time, syscalls]\n`;
    const base = run(text).report;
    const d = 1000;
    const changed = run(withCost(text, { syscallEntry: DEFAULT_COST_MODEL.syscallEntry + d })).report;
    const syscalls = column(base, 'syscalls') as number[];
    expect(syscalls.every((n) => n >= 1)).toBe(true);
    expect((column(changed, 'time') as number[]).map((t, i) => t - (column(base, 'time')[i] as number))).toEqual(syscalls.map((n) => n * d));
  });

  it('the loader checks a report: measures, event types, titles, threads, each at its position', () => {
    const text = `${lesson('hello-ioctl')}
report:
  rows: notes
  threads: [app/mian]
  columns:
    - label
    - status
    - { count: io.irp.compelte }
    - { measure: time, per: label }
    - { measure: time, count: io.copy }
    - { title: t, measure: time }
    - { title: t, measure: copied }
  expect:
    - { row: x, column: tme, below: 3 }
    - { row: x, column: t, below: 3, above: 1 }
    - { row: x, column: label, below: 3 }
`;
    const loaded = loadScenario(text, { file: 'r.yaml' });
    expect(loaded.ok).toBe(false);
    const base = lesson('hello-ioctl').split('\n').length;
    const at = (line: number) => base + line + 1; // the lesson ends with a newline: its last split item is empty
    expect(loaded.ok ? [] : loaded.errors.map(formatLoadError)).toEqual([
      `r.yaml:${at(2)}:13: error: no thread 'app/mian' (did you mean 'app/main'?)`,
      `r.yaml:${at(5)}:7: error: 'status' is a measure of one call: it needs rows: calls (rows are notes here)`,
      `r.yaml:${at(6)}:16: error: no trace event type 'io.irp.compelte' (did you mean 'io.irp.complete'?)`,
      `r.yaml:${at(7)}:29: error: 'label' is text: divide by a number or by a count (calls, irps, copies …)`,
      `r.yaml:${at(8)}:7: error: give one of measure, count or sum, not measure and count`,
      `r.yaml:${at(10)}:7: error: two columns are titled 't' (give one of them a title: { title: …, measure: … })`,
      `r.yaml:${at(12)}:25: error: no column titled 'tme' (columns: label, status, t)`,
      `r.yaml:${at(13)}:7: error: one comparison per check: found below and above (one of equals, below, above, atMost, atLeast)`,
      `r.yaml:${at(14)}:25: error: the column 'label' holds text: a check compares numbers`,
    ]);
  });

  it('the schema rejects unknown keys and measures with a hint', () => {
    const loaded = loadScenario(`${lesson('hello-ioctl')}\nreport:\n  colums: [label]\n`, { file: 'r.yaml' });
    expect(loaded.ok ? [] : loaded.errors.map((e) => e.message + ' ' + e.hint)).toEqual(expect.arrayContaining([expect.stringMatching(/colums.*did you mean 'columns'/)]));
  });

  it('TRACE_EVENT_TYPES lists exactly the event types the packages declare', () => {
    const declared = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const source = readFileSync(path, 'utf8');
          for (const block of source.matchAll(/interface TraceEventMap \{([\s\S]*?)\n {2}\}/g)) {
            for (const m of block[1]!.matchAll(/^\s+'([a-z0-9]+(?:\.[a-z0-9-]+)+)'\??:/gm)) declared.add(m[1]!);
          }
        }
      }
    };
    for (const pkg of ['core', 'io-manager', 'driver-model', 'scenarios']) walk(join(ROOT, 'packages', pkg, 'src'));
    expect([...TRACE_EVENT_TYPES].sort()).toEqual([...declared].sort());
  });
});

/** The lengths of the io.copy events of the IRPs allocated in the note row `row` of the echo example. */
function rowCopies(events: readonly TraceEvent[], row: number): number[] {
  const notes = events.filter((e) => e.type === 'scenario.note');
  const start = notes[row]!.seq;
  const end = notes[row + 1]?.seq ?? Infinity;
  const irps = new Set(events.filter((e) => e.type === 'io.irp.alloc' && e.seq > start && e.seq < end).map((e) => (e as { irp: number }).irp));
  return events.filter((e) => e.type === 'io.copy' && irps.has(e.irp)).map((e) => (e as { length: number }).length);
}

describe('reports over notes in a repeat (ipc-sync)', () => {
  it('one row per iteration’s note, only the threads asked for; a sum over user.memory counts the bytes each iteration wrote', () => {
    const text = `${lesson('ipc-sync')}\nreport:\n  rows: notes\n  threads: [producer/main]\n  columns: [label, thread, { title: written, sum: user.memory.length }]\n`;
    const { report, events } = run(text, 'ipc-sync.yaml');
    const notes = events.filter((e) => e.type === 'scenario.note' && e.actor === 'producer/main').map((e) => (e as { text: string }).text);
    expect(notes.length).toBeGreaterThan(1);
    expect(column(report, 'label')).toEqual(notes);
    expect(new Set(column(report, 'thread'))).toEqual(new Set(['producer/main']));
    // Each note announces "puts message N into slot S"; the row then writes exactly 'message N'.
    expect(column(report, 'written')).toEqual(notes.map((n) => `message ${/message (\d+)/.exec(n)![1]}`.length));
  });
});
