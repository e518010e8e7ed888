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
const MESSAGES = 2;

function run(text: string): { result: ScenarioResult; report: Report; events: readonly TraceEvent[] } {
  const { result, events } = runText(text);
  if (result.report === null) throw new Error('no report');
  return { result, report: result.report, events };
}

function runText(text: string): { result: ScenarioResult; events: readonly TraceEvent[] } {
  const loaded = loadScenario(text, { file: 'mechanism-costs.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  return runScenario(loaded.scenario);
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
    case 'direct': // IO-3.5: the driver writes through the MDL; nothing copied
      return { time: ioctl, copied: 0 };
    case 'inverted': // an IOCTL's path, two wake-ups, and the copy-back before the event is set (IO-5.19)
      return { time: ioctl + 2 * cost.contextSwitch + copyCost(cost, size), copied: size };
    case 'ring': {
      // SetEvent(asked) wakes the producer, which publishes one switch later; the
      // application meanwhile returns and enters WaitForSingleObject(published). If the
      // message is not there yet it blocks and is switched in once it is.
      const published = cost.syscallEntry + cost.contextSwitch;
      const waiting = cost.syscallEntry + cost.syscallExit + cost.syscallEntry;
      return { time: (published > waiting ? published + cost.contextSwitch : waiting) + cost.syscallExit, copied: 0 };
    }
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
    // The device numbers its messages as it sends them: the application's reads see 0 … 39.
    const text = (hex: string) => String.fromCharCode(...hex.split(' ').map((h) => Number.parseInt(h, 16)));
    const read = events.flatMap((e) => (e.type === 'user.memory' && !e.write ? [/^message (\d+)$/.exec(text(e.bytes))] : [])).flatMap((m) => (m === null ? [] : [Number(m[1])]));
    expect(read).toEqual(Array.from({ length: SIZES.length * MECHANISMS.length * MESSAGES }, (_, n) => n));
    // Each IOCTL's message is as long as its buffer: Information = the size asked for.
    const stream = events.filter((e) => e.type === 'io.irp.finish' && e.information > 0).map((e) => (e as { information: number }).information);
    expect(stream).toEqual(SIZES.flatMap(([, size]) => Array<number>(3 * MESSAGES).fill(size)));
  });

  it('IO-3.2, IO-3.5: bytes copied per message - buffered and inverted copy the message back, direct and the ring copy nothing', () => {
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
      expect(cell(switches, `inverted ${name}`, 'time/msg')).toBeLessThan(was('inverted'));
      for (const mechanism of ['buffered', 'direct']) expect(cell(switches, `${mechanism} ${name}`, 'time/msg')).toBe(was(mechanism));
    }
    // Free wake-ups leave the ring two system calls per message (500 ns): the crossover with a
    // buffered IOCTL moves from about 16 KiB down to (500 - 340) * 4 = 640 B, below 4 KiB.
    expect(cell(base.report, 'ring 4 KiB', 'time/msg')).toBeGreaterThan(cell(base.report, 'buffered 4 KiB', 'time/msg') as number);
    expect(cell(switches, 'ring 4 KiB', 'time/msg')).toBeLessThan(cell(switches, 'buffered 4 KiB', 'time/msg') as number);
    expect(cell(switches, 'ring 256 B', 'time/msg')).toBeGreaterThan(cell(switches, 'buffered 256 B', 'time/msg') as number);
  });

  it('IO-9.5, IO-10.2: the stream driver cancels a WAIT left pending at CLEANUP and checks what RING_START is given; a request with no buffer takes no message', () => {
    const { result } = runText(`name: stream-edges
description: The stream driver's refusals
seed: 1
drivers:
  - use: stream
processes:
  - name: app
    buffers:
      args: { size: 12 }
      inbox: { size: 64 }
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Stream', as: sync }
          - { open: '\\\\.\\Stream', overlapped: true, as: async }
          - { create-event: ~, as: done }
          - ioctl: IOCTL_STREAM_WAIT
            handle: async
            output: { buffer: inbox }
            overlapped: { as: w, event: done }
            expect: { returns: false, error: ERROR_IO_PENDING }
          - close: async
          - { inspect: w, expect: { completed: true, overlapped: { internal: STATUS_CANCELLED } } }
          - { ioctl: IOCTL_STREAM_RING_START, handle: sync, input: { size: 4 }, expect: { returns: false, status: STATUS_INVALID_PARAMETER } }
          - { ioctl: IOCTL_STREAM_RING_START, handle: sync, input: { buffer: args }, expect: { returns: false, status: STATUS_INVALID_HANDLE } }
          - { write-handle: args, offset: 0, handle: done }
          - { write-handle: args, offset: 4, handle: sync }
          - { ioctl: IOCTL_STREAM_RING_START, handle: sync, input: { buffer: args }, expect: { returns: false, status: STATUS_OBJECT_TYPE_MISMATCH } }
          - { ioctl: IOCTL_STREAM_DIRECT, handle: sync, expect: { returns: false, status: STATUS_BUFFER_TOO_SMALL } }
          - { ioctl: IOCTL_STREAM_BUFFERED, handle: sync, expect: { returns: true, bytes: 0 } }
          - { ioctl: IOCTL_STREAM_BUFFERED, handle: sync, output: { size: 12 }, expect: { returns: true, bytes: 12, output: { text: 'message 0...' } } }
          - close: sync
expect:
  outcome: completed
`);
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
