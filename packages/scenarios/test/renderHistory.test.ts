import type { TraceEvent, TraceEventOf } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { renderHistory } from '../src/index.ts';
import { runLesson } from './renderLesson.ts';

const of = <K extends 'io.irp.call' | 'io.irp.finish'>(events: readonly TraceEvent[], type: K, irp: number): TraceEventOf<K>[] =>
  events.filter((e) => e.type === type && (e as { irp?: number }).irp === irp) as unknown as TraceEventOf<K>[];

/** The history section of one IRP: from its heading to the blank line after its summary. */
function section(text: string, irp: number): string {
  const start = text.indexOf(`\nIRP ${irp}  `);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
}

describe('--format history: each IRP\'s life in the style of IrpTrace', () => {
  for (const lesson of ['ioctl-methods', 'completion-routines']) {
    it(`${lesson}: every IRP has a section listing each driver it visited in order, and its final status`, () => {
      const { simulation, result, names } = runLesson(lesson);
      const text = renderHistory(result, simulation.events, { names });
      const allocs = simulation.events.filter((e) => e.type === 'io.irp.alloc');
      expect(allocs.length).toBeGreaterThan(3);
      for (const alloc of allocs) {
        const s = section(text, alloc.irp);
        const calls = of(simulation.events, 'io.irp.call', alloc.irp);
        const arrows = [...s.matchAll(/→ (\w+) \(([^)]+)\): stack location (\d+) of (\d+)/g)].map((m) => [m[1], m[2], Number(m[3])]);
        expect(arrows).toEqual(calls.map((c) => [c.driver, c.deviceName, c.location]));
        const finish = of(simulation.events, 'io.irp.finish', alloc.irp)[0];
        if (finish !== undefined) expect(s).toMatch(new RegExp(`→ final STATUS_\\w+ \\(0x${(finish.status >>> 0).toString(16).toUpperCase().padStart(8, '0')}\\), Information = ${finish.information}`));
        // The table has one row per visit.
        expect(s.match(/^ {2}\d+ of \d+ /gm)?.length).toBe(calls.length);
      }
    });
  }

  it('completion-routines IRP 2: who pended it, the completion routines, the walk stopped by MORE_PROCESSING_REQUIRED, and who completed it', () => {
    const { simulation, result, names } = runLesson('completion-routines');
    const s = section(renderHistory(result, simulation.events, { names }), 2);
    expect(s.split('\n')[0]).toBe('IRP 2  IRP_MJ_DEVICE_CONTROL  IOCTL_SLOW_ECHO (0x222080)');
    expect(s).toMatch(/requester: app\/main \(tid 2\), RequestorMode UserMode/);
    expect(s).toMatch(/allocated by NtDeviceIoControlFile for DeviceIoControl\(handle 0x4, IOCTL_SLOW_ECHO \(0x222080\)/);
    const order = [
      /Slow marks it pending/,
      /← Slow's dispatch routine returns STATUS_PENDING/,
      /DPC Slow completion DPC +Slow completes it: IoCompleteRequest, Status = STATUS_SUCCESS \(0x00000000\), Information = 9/,
      /WatchFilter's completion routine \(set for stack location 2\) sees STATUS_SUCCESS → returns STATUS_SUCCESS/,
      /ResyncFilter's completion routine .* → returns STATUS_MORE_PROCESSING_REQUIRED: the completion walk stops, ResyncFilter owns the IRP again/,
      /app\/main +ResyncFilter completes it/,
      /copies 9 bytes \(Information\) back/,
      /freed, 12\.216 µs after it was allocated/, // the copy-back (9 bytes: 3 ns) comes before the finish
    ];
    let at = 0;
    for (const part of order) {
      const found = s.slice(at).search(part);
      expect(found, `${part}`).toBeGreaterThanOrEqual(0);
      at += found + 1;
    }
    expect(s).toMatch(/completed by Slow, then ResyncFilter · marked pending by Slow, WatchFilter$/);
  });

  it('completion-routines IRP 1: a filter that skips its stack location is shown as skipping it (IO-5.4)', () => {
    const { simulation, result, names } = runLesson('completion-routines');
    const s = section(renderHistory(result, simulation.events, { names }), 1);
    expect(s).toMatch(/→ WatchFilter \(WatchFilter#15\): stack location 3 of 3, sent on by ResyncFilter, which skipped its stack location \(IoSkipCurrentIrpStackLocation\)/);
  });
});
