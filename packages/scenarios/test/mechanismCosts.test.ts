import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_COST_MODEL, copyCost, type CostModel, type TraceEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario, runScenario, type Report, type ScenarioResult } from '../src/index.ts';

const FILE = join(import.meta.dirname, '..', 'lessons', 'mechanism-costs.yaml');
const LESSON = readFileSync(FILE, 'utf8');
const SIZES = [
  ['16 B', 16],
  ['256 B', 256],
  ['4 KiB', 4096],
  ['64 KiB', 65536],
  ['1 MiB', 1048576],
] as const;
const MECHANISMS = ['buffered', 'direct', 'inverted', 'ring'] as const;
const MESSAGES = 4;

function run(text: string): { result: ScenarioResult; report: Report; events: readonly TraceEvent[] } {
  const loaded = loadScenario(text, { file: 'mechanism-costs.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  const { result, events } = runScenario(loaded.scenario);
  if (result.report === null) throw new Error('no report');
  return { result, report: result.report, events };
}

/** The lesson with `machine.cost` overrides (inserted after `description:`). */
function withCost(cost: Partial<CostModel>): string {
  const lines = Object.entries(cost).map(([k, v]) => `    ${k}: ${v}`);
  return LESSON.replace(/^(description: .*)$/m, `$1\nmachine:\n  cost:\n${lines.join('\n')}`);
}

/** A cell by row label and column title. */
function cell(report: Report, row: string, column: string): number | string | null {
  const r = report.table.find((cells) => cells[0] === row);
  if (r === undefined) throw new Error(`no row ${row}`);
  return r[report.columns.findIndex((c) => c.title === column)]!;
}

/** Per message, from docs/cost-model.md: what each mechanism's critical path is charged. */
function expected(cost: CostModel, mechanism: (typeof MECHANISMS)[number], size: number): { time: number | null; copied: number } {
  const ioctl = cost.syscallEntry + cost.irpAllocate + cost.routineCall + cost.syscallExit;
  switch (mechanism) {
    case 'buffered': // IO-3.2: Information bytes copied back before the call returns
      return { time: ioctl + copyCost(cost, size), copied: size };
    case 'direct': // IO-3.4: the driver writes through the MDL; nothing copied
      return { time: ioctl, copied: 0 };
    case 'inverted': // its time: see the lesson's header (the copy-back is charged after the event)
      return { time: null, copied: size };
    case 'ring': // SetEvent's trap, the producer switched in, the application switched in, the wait's return
      return { time: cost.syscallEntry + 2 * cost.contextSwitch + cost.syscallExit, copied: 0 };
  }
}

describe('mechanism-costs: one message stream, four mechanisms, 16 B to 1 MiB', () => {
  const base = run(LESSON);

  it('passes with its pinned seed in under 3 s; every message arrives whole and in order', () => {
    const start = performance.now();
    const { result, events } = run(LESSON);
    expect(performance.now() - start).toBeLessThan(3000);
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.passed).toBe(true);
    // The device numbers its messages as it sends them: the application's reads see 0 … 79.
    const read = events.flatMap((e) => (e.type === 'user.memory' && !e.write && e.bytes.startsWith('"message') ? [Number(/message (\d+)/.exec(e.bytes)![1])] : []));
    expect(read).toEqual(Array.from({ length: SIZES.length * MECHANISMS.length * MESSAGES }, (_, n) => n));
    // Each IOCTL's message is as long as its buffer: Information = the size asked for.
    const stream = events.filter((e) => e.type === 'io.irp.finish' && e.information > 0).map((e) => (e as { information: number }).information);
    expect(stream).toEqual(SIZES.flatMap(([, size]) => Array<number>(3 * MESSAGES).fill(size)));
  });

  it('IO-3.2, IO-3.4: bytes copied per message - buffered and inverted copy the message back, direct and the ring copy nothing', () => {
    for (const [name, size] of SIZES) {
      for (const mechanism of MECHANISMS) {
        expect(cell(base.report, `${mechanism} ${name}`, 'copied/msg'), `${mechanism} ${name}`).toBe(expected(DEFAULT_COST_MODEL, mechanism, size).copied);
      }
    }
  });

  it('time per message is what docs/cost-model.md charges on each critical path', () => {
    for (const [name, size] of SIZES) {
      for (const mechanism of MECHANISMS) {
        const { time } = expected(DEFAULT_COST_MODEL, mechanism, size);
        if (time !== null) expect(cell(base.report, `${mechanism} ${name}`, 'time/msg'), `${mechanism} ${name}`).toBe(time);
      }
      // The inverted call waits twice, as the ring does, and builds an IRP besides.
      expect(cell(base.report, `inverted ${name}`, 'time/msg')).toBeGreaterThan(cell(base.report, `ring ${name}`, 'time/msg') as number);
    }
  });

  it('a change of the cost model moves the report by exactly what it charges', () => {
    const copies = run(withCost({ copyPerByte: 2 * DEFAULT_COST_MODEL.copyPerByte })).report;
    const switches = run(withCost({ contextSwitch: 0 })).report;
    const cheapSwitch = { ...DEFAULT_COST_MODEL, contextSwitch: 0 };
    for (const [name, size] of SIZES) {
      const was = (mechanism: string) => cell(base.report, `${mechanism} ${name}`, 'time/msg') as number;
      // Twice the price per byte: the buffered rows pay for their copy once more; the others do not copy.
      expect(cell(copies, `buffered ${name}`, 'time/msg')).toBe(was('buffered') + copyCost(DEFAULT_COST_MODEL, 2 * size) - copyCost(DEFAULT_COST_MODEL, size));
      for (const mechanism of ['direct', 'ring']) expect(cell(copies, `${mechanism} ${name}`, 'time/msg')).toBe(was(mechanism));
      // Free context switches: the ring and the inverted call lose their two wake-ups; the IOCTLs never wait.
      expect(cell(switches, `ring ${name}`, 'time/msg')).toBe(expected(cheapSwitch, 'ring', size).time);
      expect(cell(switches, `inverted ${name}`, 'time/msg')).toBe(was('inverted') - 2 * DEFAULT_COST_MODEL.contextSwitch);
      for (const mechanism of ['buffered', 'direct']) expect(cell(switches, `${mechanism} ${name}`, 'time/msg')).toBe(was(mechanism));
    }
    // With free wake-ups the ring beats a buffered IOCTL at every size: the crossover was the switches.
    expect(cell(switches, 'ring 16 B', 'time/msg')).toBeLessThan(cell(switches, 'buffered 16 B', 'time/msg') as number);
  });
});
