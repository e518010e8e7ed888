import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderMermaid } from '../src/index.ts';
import { GOLDEN_LESSONS, runLesson } from './renderLesson.ts';

/** mermaid 11's own parser. It needs a DOM (DOMPurify reads `window` when mermaid loads): jsdom provides one. */
let parse: (text: string) => Promise<unknown>;

beforeAll(async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const mermaid = (await import('mermaid')).default;
  parse = (text) => mermaid.parse(text);
});

describe('--format mermaid: a sequence diagram Mermaid accepts', () => {
  it('the parser rejects a broken diagram (the check can fail)', async () => {
    await expect(parse('sequenceDiagram\n  A->>B: one; two\n  A-->>>: x')).rejects.toThrow(/Parse error/);
  });

  for (const lesson of GOLDEN_LESSONS) {
    it(`${lesson}: mermaid 11 parses it as a sequence diagram`, async () => {
      const { simulation, result, names } = runLesson(lesson);
      const text = renderMermaid(result, simulation.events, { names });
      await expect(parse(text)).resolves.toMatchObject({ diagramType: 'sequence' });
    });
  }

  it('lanes: one per user thread, the I/O manager, each device object, and DPCs and timers', () => {
    const { simulation, result, names } = runLesson('completion-routines');
    const text = renderMermaid(result, simulation.events, { names });
    const lanes = [...text.matchAll(/^ {2}participant (\S+) as (.*)$/gm)].map((m) => [m[1], m[2]]);
    const devices = simulation.events.filter((e) => e.type === 'io.device.create');
    expect(lanes).toEqual([
      ['T2', 'app/main'],
      ['IO', 'I/O manager'],
      ...devices.map((d) => [`D${d.device}`, `${d.name ?? `${d.driver}#${d.device}`} (${d.driver})`]),
      ['K', 'DPCs and timers'],
    ]);
    // Every IoCallDriver is an arrow into its device's lane, every dispatch return a dashed arrow out of it.
    const calls = simulation.events.filter((e) => e.type === 'io.irp.call');
    const arrows = [...text.matchAll(/^ {2}(\w+)->>(D\d+): IRP (\d+) /gm)].map((m) => [m[2], Number(m[3])]);
    expect(arrows).toEqual(calls.map((c) => [`D${c.device}`, c.irp]));
    expect(text.match(/^ {2}D\d+-->>\w+: IRP \d+: /gm)?.length).toBe(simulation.events.filter((e) => e.type === 'io.irp.return').length);
    // The timer's DPC completes the pended IRP: its lane shows the timer firing and the DPC running.
    expect(text).toMatch(/Note over K: timer "Slow timer" fires on CPU 0\n(.*\n)?  Note over K: DPC "Slow completion DPC" runs on CPU 0 at DISPATCH_LEVEL\n/);
  });

  it('text that would end a Mermaid statement (;) or start a comment (%%) is neutralised', async () => {
    const { simulation, result } = runLesson('ioctl-methods');
    const events = [...simulation.events];
    const at = events.findIndex((e) => e.type === 'scenario.note');
    events[at] = { ...events[at]!, type: 'scenario.note', text: 'a; b %% c\nd' } as (typeof events)[number];
    const text = renderMermaid(result, events);
    expect(text).toContain('Note over T2: ✎ a, b % c d');
    await expect(parse(text)).resolves.toMatchObject({ diagramType: 'sequence' });
  });
});
