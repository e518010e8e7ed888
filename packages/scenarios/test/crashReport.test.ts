import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, renderJson, renderText, runScenario } from '../src/index.ts';

const DIR = join(import.meta.dirname, '..', 'lessons');

function runLesson(name: string) {
  const loaded = loadScenario(readFileSync(join(DIR, `${name}.yaml`), 'utf8'), { file: `${name}.yaml` });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return runScenario(loaded.scenario, {});
}

describe('a fatal check is reported like a crash analysis', () => {
  it('0xC9/0x226 bug-lost-irp: JSON carries the message, the culprit and the IRP analysis; the text shows the stack and the history', () => {
    const { result, events } = runLesson('bug-lost-irp');
    const json = renderJson(result, 'bug-lost-irp');
    expect(json.bugcheck).toMatchObject({ code: '0xC9', params: ['0x226', '0x0', '0x86000200', '0x0'], driver: 'Hello' });
    expect(json.bugcheck!.message).toContain('the IRP is lost');
    const analysis = json.bugcheck!.analysis as { stack: { current: boolean; driver: string }[]; history: { what: string }[] };
    expect(analysis.stack).toEqual([expect.objectContaining({ current: true, driver: 'Hello' })]);
    expect(analysis.history.map((h) => h.what)).toContain('the dispatch routine of Hello (location 1) returned STATUS_SUCCESS (0x00000000)');

    const text = renderText(result, events);
    const verdict = text.slice(text.indexOf('Verdict:'));
    expect(verdict).toContain('DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9) 0x226, 0x0, 0x86000200, 0x0');
    expect(verdict).toMatch(/>\[1\] IRP_MJ_DEVICE_CONTROL \\Device\\Hello \(Hello\)/);
    expect(verdict).toMatch(/#\d+ [\d.]+ µs app\/main: allocated for IRP_MJ_DEVICE_CONTROL with 1 stack location \(/);
    expect(verdict).toContain('thread: requester app/main');
  });

  it('a run without a bug check prints no analysis and its JSON bugcheck is null', () => {
    const { result, events } = runLesson('hello-ioctl');
    expect(renderJson(result, 'hello-ioctl').bugcheck).toBeNull();
    expect(renderText(result, events)).not.toContain('history:');
  });
});
