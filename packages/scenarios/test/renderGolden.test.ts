import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS, type TraceEvent } from '@irpsim/core';
import { describe, expect, it } from 'vitest';
import { runJob, type Job } from '../cli/runJob.ts';
import { GOLDEN_LESSONS, runLesson } from './renderLesson.ts';

/**
 * Golden outputs of every renderer on the lessons of issue #7, exactly as `irpsim run`
 * prints them. A missing golden is written; UPDATE_GOLDEN=1 rewrites them all (review the
 * diff); otherwise the output must match byte for byte.
 */
const GOLDEN = join(import.meta.dirname, 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function golden(lesson: string, file: string, actual: string): void {
  const path = join(GOLDEN, lesson, file);
  if (UPDATE || !existsSync(path)) {
    mkdirSync(join(GOLDEN, lesson), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual, `${lesson}/${file} differs from its golden (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}

/** The events the WinDbg goldens stop at, found by what happens there rather than by number. */
const STOPS: Record<string, Record<string, (e: TraceEvent, all: readonly TraceEvent[]) => boolean>> = {
  'ioctl-methods': {
    // The driver completes the METHOD_OUT_DIRECT IRP: its MDL is still there.
    'windbg-direct-complete.txt': (e, all) => e.type === 'io.irp.complete' && all.some((m) => m.type === 'mm.mdl.map' && m.seq < e.seq),
  },
  'completion-routines': {
    // Slow has marked IRP 2 pending: both filters' completion routines wait below their locations.
    'windbg-pending.txt': (e) => e.type === 'io.irp.pending' && e.irp === 2,
    // ResyncFilter's routine stopped the walk (STATUS_MORE_PROCESSING_REQUIRED).
    'windbg-more-processing.txt': (e) => e.type === 'io.irp.routine' && e.result >>> 0 === STATUS.MORE_PROCESSING_REQUIRED,
  },
};

async function output(lesson: string, format: Job['format'], at?: number): Promise<string> {
  const out = await runJob({ command: 'run', arg: lesson, format, ...(at !== undefined ? { at } : {}) });
  expect(out.stderr).toBe('');
  expect(out.exit).toBe(0);
  return out.stdout;
}

describe('renderer goldens (issue #7)', () => {
  for (const lesson of GOLDEN_LESSONS) {
    it(`${lesson}: history, mermaid, chrome and windbg outputs match their goldens`, async () => {
      golden(lesson, 'history.txt', await output(lesson, 'history'));
      golden(lesson, 'mermaid.mmd', await output(lesson, 'mermaid'));
      golden(lesson, 'chrome.json', await output(lesson, 'chrome'));
      const { simulation } = runLesson(lesson);
      for (const [file, stop] of Object.entries(STOPS[lesson]!)) {
        const event = simulation.events.find((e) => stop(e, simulation.events));
        expect(event, file).toBeDefined();
        golden(lesson, file, await output(lesson, 'windbg', event!.seq));
      }
    });
  }

  it('every renderer is deterministic: two runs give the same bytes', async () => {
    for (const format of ['history', 'mermaid', 'chrome'] as const) {
      expect(await output('completion-routines', format)).toBe(await output('completion-routines', format));
    }
  });
});
