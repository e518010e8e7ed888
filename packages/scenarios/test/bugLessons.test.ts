import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue, type DriverDefinition } from '@irpsim/driver-model';
import { describe, expect, it } from 'vitest';
import { loadScenario, renderJson, runScenario, type SimulationOptions } from '../src/index.ts';

/**
 * The buggy-twin lessons (issue [driver-model]): each runs with its pinned seed, expects
 * the check its bug raises and gets it; the same lesson with the twin's catalogue name
 * bound to the correct driver runs clean — the one-line difference is the whole story.
 */

const DIR = join(import.meta.dirname, '..', 'lessons');

/** The lesson, with `swap` (a twin's name → a driver) applied to its `use:` lines. */
function load(lesson: string, swap: Readonly<Record<string, string>> = {}) {
  const file = `${lesson}.yaml`;
  const drivers = new Map<string, DriverDefinition>(catalogue);
  for (const [twin, correct] of Object.entries(swap)) drivers.set(twin, catalogue.get(correct)!);
  const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), { file, catalogue: drivers });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return loaded.scenario;
}

function run(lesson: string, swap: Readonly<Record<string, string>> = {}, options: SimulationOptions = {}) {
  const { result } = runScenario(load(lesson, swap), { record: false, ...options });
  const failed = result.expectations.filter((e) => !e.passed).map((e) => e.description);
  return { result, failed, checks: [...new Set(result.violations.map((v) => v.check))].sort() };
}

/** The run raised no check at all: no bug check, no violation. */
function expectClean(r: ReturnType<typeof run>): void {
  expect(r.result.bugcheck).toBeNull();
  expect(r.checks).toEqual([]);
  expect(r.result.outcome).toBe('completed');
}

interface Case {
  readonly rule: string;
  readonly lesson: string;
  readonly twin: string;
  readonly correct: string;
  /** The bug check (code, P1) or the violation ids the lesson expects. */
  readonly bugcheck?: readonly [number, number | null];
  readonly violations?: readonly string[];
}

const IRP2 = 0x86000200;

const CASES: readonly Case[] = [
  { rule: 'IO-5.16', lesson: 'bug-double-complete', twin: 'hello-double-complete', correct: 'hello', bugcheck: [0x44, IRP2] },
  { rule: 'IO-5.14 (b)', lesson: 'bug-pending-not-marked', twin: 'slow-pending-unmarked', correct: 'slow', violations: ['0xC9/0x23D', 'liveness-thread-waits-forever'] },
  { rule: 'IO-5.14 (d)', lesson: 'bug-lost-irp', twin: 'hello-lost-irp', correct: 'hello', bugcheck: [0xc9, 0x226] },
  { rule: 'IO-5.14 (c)', lesson: 'bug-status-mismatch', twin: 'hello-status-mismatch', correct: 'hello', bugcheck: [0xc9, 0x224] },
  { rule: 'IO-5.17', lesson: 'bug-cancel-routine-set', twin: 'cancelable-routine-set', correct: 'cancelable', bugcheck: [0xc9, 0x07] },
  { rule: 'IO-3.3', lesson: 'bug-info-overflow', twin: 'methods-info-overflow', correct: 'methods', violations: ['0xC9/0x312'] },
  { rule: 'IO-3.8', lesson: 'bug-neither-unprobed', twin: 'methods-neither-unprobed', correct: 'methods', violations: ['unprobed-user-pointer'] },
];

describe('the buggy twins and their lessons', () => {
  for (const c of CASES) {
    it(`${c.rule} ${c.lesson}: the twin ${c.twin} raises its check with the pinned seed; ${c.correct} in its place runs clean`, () => {
      const buggy = run(c.lesson, {});
      expect(buggy.failed).toEqual([]);
      expect(buggy.result.passed).toBe(true);
      // What `irpsim run NAME --format json` prints.
      const json = renderJson(buggy.result, c.lesson);
      expect(json.passed).toBe(true);
      if (c.bugcheck !== undefined) {
        expect(buggy.result.bugcheck?.code).toBe(c.bugcheck[0]);
        expect(buggy.result.bugcheck?.params[0]).toBe(c.bugcheck[1]);
        expect(buggy.result.bugcheck?.driver).toBe(catalogue.get(c.twin)!.serviceName);
        expect(json.bugcheck).toMatchObject({ code: `0x${c.bugcheck[0].toString(16).toUpperCase()}` });
      } else {
        expect(buggy.result.bugcheck).toBeNull();
        expect(buggy.checks).toEqual([...c.violations!].sort());
        expect(json.violations.map((v) => v.check)).toEqual(expect.arrayContaining([...c.violations!]));
      }
      const correct = run(c.lesson, { [c.twin]: c.correct });
      expectClean(correct);
      expect(correct.result.passed).toBe(false); // the lesson expects the bug
    });
  }

  it('expect.bugcheck.params compares the stop parameters: the lesson\'s subcode holds, another one fails the run', () => {
    const file = 'bug-lost-irp.yaml';
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text).toContain('params: [0x226]');
    const outcome = (source: string) => {
      const loaded = loadScenario(source, { file });
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
      return runScenario(loaded.scenario, { record: false }).result.expectations.find((e) => e.description === 'run: bug check')!;
    };
    expect(outcome(text)).toMatchObject({ passed: true, expected: '0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x226)' });
    expect(outcome(text.replace('params: [0x226]', 'params: [0x224]'))).toMatchObject({ passed: false, actual: '0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION (0x226)' });
    expect(outcome(text.replace('params: [0x226]', 'params: [null, 0x12345]')).passed).toBe(false);
  });

  it('each twin keeps its correct driver\'s service, devices and values: a lesson swaps them with one use: line', () => {
    for (const c of [...CASES, { twin: 'cancelable-race', correct: 'cancelable' }]) {
      const twin = catalogue.get(c.twin)!;
      const correct = catalogue.get(c.correct)!;
      expect([twin.serviceName, twin.opens, twin.values]).toEqual([correct.serviceName, correct.opens, correct.values]);
      expect(twin.description).toMatch(new RegExp(`^Buggy twin of ${c.correct}: `));
    }
  });

  it('IO-5.14 (b) bug-pending-not-marked: the overlapped caller never learns of the completion, the synchronous one waits for ever', () => {
    const { result } = run('bug-pending-not-marked');
    expect(result.outcome).toBe('deadlock');
    const messages = result.violations.map((v) => v.message);
    expect(messages.filter((m) => m.includes('without calling IoMarkIrpPending'))).toHaveLength(2);
    expect(messages.some((m) => m.includes('waits forever in NtDeviceIoControlFile'))).toBe(true);
    // With `slow` the same expectations fail exactly where the caller now hears of the completion.
    const correct = run('bug-pending-not-marked', { 'slow-pending-unmarked': 'slow' });
    expect(correct.failed).toEqual([
      'app/main #4 wait done: returns',
      'app/main #5 inspect first: OVERLAPPED.Internal',
      'app/main #6 overlapped-result first: returns',
      'app/main #6 overlapped-result first: GetLastError()',
      'app/main #7 read-memory answer: bytes',
      'run: outcome',
      'run: violations',
    ]);
  });

  it('IO-3.3 bug-info-overflow: the leaked bytes are the vault\'s secret, from the pool past the spy\'s 2-byte system buffer', () => {
    const { result } = run('bug-info-overflow');
    expect(result.violations[0]!.message).toContain('Information 64 for an output buffer of 2 bytes');
    // The correct driver copies back its 2 bytes only: the expectations about the leak fail.
    const correct = run('bug-info-overflow', { 'methods-info-overflow': 'methods' });
    expect(correct.failed).toEqual(['spy/main #2 ioctl IOCTL_METHODS_BUFFERED: *lpBytesReturned', 'spy/main #3 read-memory reply: bytes', 'run: violations']);
  });

  it('IO-3.8 bug-neither-unprobed: the violation names the pointer, the kernel bytes written and what they replaced; with the probe the attacker is refused', () => {
    const { result } = run('bug-neither-unprobed');
    const [v] = result.violations;
    expect(v!.message).toContain('Methods wrote 5 bytes 4f 57 4e 45 44 over 76 61 75 6c 74 at Irp->UserBuffer = 0x81000000');
    expect(v!.message).toContain('a kernel address');
    const correct = run('bug-neither-unprobed', { 'methods-neither-unprobed': 'methods' });
    expect(correct.failed).toEqual([
      'attacker/main #2 ioctl IOCTL_METHODS_NEITHER: returns',
      'attacker/main #2 ioctl IOCTL_METHODS_NEITHER: *lpBytesReturned',
      'vault/main #2 ioctl IOCTL_SLOW_ECHO: output buffer',
      'run: violations',
    ]);
  });

  describe('IO-6.3 bug-cancel-race: clean with its pinned seed, 0x44 under other schedules', () => {
    const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

    it('passes with the pinned seed; first-come and some seeded schedules double-complete the IRP', () => {
      expect(run('bug-cancel-race').result.passed).toBe(true);
      const firstCome = run('bug-cancel-race', {}, { strategy: 'first-come' });
      expect(firstCome.result.passed).toBe(false);
      expect(firstCome.result.bugcheck).toMatchObject({ code: 0x44, driver: 'Cancelable' });
      const outcomes = SEEDS.map((seed) => run('bug-cancel-race', {}, { seed }).result);
      const failing = outcomes.filter((r) => !r.passed);
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.length).toBeLessThan(SEEDS.length);
      for (const r of failing) expect(r.bugcheck?.code).toBe(0x44);
    });

    it('with the correct cancelable no schedule fails', () => {
      const swap = { 'cancelable-race': 'cancelable' };
      expect(run('bug-cancel-race', swap, { strategy: 'first-come' }).result.passed).toBe(true);
      for (const seed of SEEDS) expect(run('bug-cancel-race', swap, { seed }).result.passed).toBe(true);
    });
  });
});
