import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pct, replayChoices, seededRandom } from '@irpsim/core';
import { IRPSIM_VERSION, ScheduleTokenError, decodeSchedule, encodeSchedule, explore, loadScenario, runSchedule, schedules, type ScenarioSpec } from '@irpsim/scenarios';
import { scheduleFor } from '../cli/replaySchedule.ts';
import lateUpdate from './fixtures/late-update.ts';
import lostUpdate from './fixtures/lost-update.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'packages/scenarios/cli/irpsim.mjs');
const LOST_UPDATE = 'packages/scenarios/test/fixtures/lost-update.ts';
const LESSONS = join(ROOT, 'packages/scenarios/lessons');

function irpsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lesson(name: string): ScenarioSpec {
  const loaded = loadScenario(readFileSync(join(LESSONS, `${name}.yaml`), 'utf8'), { file: `${name}.yaml` });
  if (!loaded.ok) throw new Error(`lesson ${name} does not load: ${loaded.errors[0]?.message}`);
  return loaded.scenario;
}

/** Splits the one-line replay command explore prints (its path quoted only when it needs it). */
function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
}

describe('explore: finding a race and telling it as a short story', () => {
  it('finds the lost update, shrinks it to a story of at most 20, and the story shows the failed check', () => {
    const report = explore(lostUpdate, { runs: 200, seed: 1 });
    expect(report.nothingToExplore).toBe(false);
    expect(report.failures).toHaveLength(1);
    const failure = report.failures[0]!;
    expect(failure.check).toMatchObject({ description: 'counter after two increments', expected: '2', actual: '1' });
    expect(failure.storySize).toBeLessThanOrEqual(20);
    expect(failure.storySize).toBe(failure.nonDefaultChoices + failure.userActions);
    // One preemption is the whole race: shrinking leaves a single non-default choice.
    expect(failure.nonDefaultChoices).toBe(1);
    expect(failure.story).toMatch(/✗ counter after two increments: expected 2, got 1/);
    // The shrunk schedule really fails: replayed strictly, it gives the same check.
    const again = runSchedule(lostUpdate, replayChoices(failure.choices));
    expect(again.failure?.key).toBe(failure.check.key);
  });

  it('is deterministic: the same options give the same failure and token', () => {
    const a = explore(lostUpdate, { runs: 50, seed: 7 });
    const b = explore(lostUpdate, { runs: 50, seed: 7 });
    expect(b.failures.map((f) => f.schedule)).toEqual(a.failures.map((f) => f.schedule));
    expect(b.coverage).toEqual(a.coverage);
  });

  it('with all, counts every failing run and keeps one story per distinct check', () => {
    const report = explore(lostUpdate, { runs: 60, seed: 2, all: true });
    expect(report.runs).toBe(60);
    expect(report.failingRuns).toBeGreaterThan(1);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.runsFailing).toBe(report.failingRuns);
  });

  it('PCT finds the depth-2 ordering bug of late-update, in fewer runs than random over 20 seeds', () => {
    const runsToFind = (strategy: 'random' | 'pct', seed: number) => {
      const report = explore(lateUpdate, { runs: 2_000, strategy, depth: 2, seed, shrinkBudget: 0 });
      return report.failures.length > 0 ? report.runs : 2_000;
    };
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const mean = (strategy: 'random' | 'pct') => seeds.reduce((sum, seed) => sum + runsToFind(strategy, seed), 0) / seeds.length;
    expect(mean('pct') * 3).toBeLessThan(mean('random'));
  });

  it('--max-events stops a run; such a run is neither a pass nor a failure', () => {
    // The counter is checked at event 50 or so: stopped at 40, no run can fail it.
    const report = explore(lostUpdate, { runs: 20, seed: 1, maxEvents: 40 });
    expect(report.nothingToExplore).toBe(false);
    expect(report.runs).toBe(20);
    expect(report.cutRuns).toBe(20);
    expect(report.failures).toEqual([]);
  });

  it('reports coverage: choice kinds, choices per run, distinct traces per 1,000 schedules', () => {
    const report = explore(lesson('ipc-sync'), { runs: 40, seed: 1 });
    expect(report.coverage.choiceKinds['schedule']).toBeGreaterThan(0);
    expect(report.coverage.choicesPerRun.min).toBeGreaterThan(0);
    expect(report.coverage.distinctTraces).toBeGreaterThan(1);
    expect(report.coverage.distinctTracesPer1000).toBe(Math.round((report.coverage.distinctTraces * 1000) / 40));
  });

  it('reaches (driver, major function, final status) pairs from the trace', () => {
    const report = explore(lesson('hello-ioctl'), { runs: 5 });
    expect(report.coverage.irpOutcomes).toContain('Hello IRP_MJ_DEVICE_CONTROL STATUS_SUCCESS');
  });
});

describe('explore on the correct lessons', () => {
  // A lesson that does not load is lessons.test.ts's finding, not explore's.
  const names = readdirSync(LESSONS)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((name) => loadScenario(readFileSync(join(LESSONS, `${name}.yaml`), 'utf8'), { file: `${name}.yaml` }).ok);

  it.each(names)('%s: nothing found in 200 schedules, or nothing to explore', (name) => {
    const report = explore(lesson(name), { runs: 200, seed: 1, shrinkBudget: 0 });
    expect(report.failures.map((f) => `${f.check.description}: ${f.check.actual}`)).toEqual([]);
    if (report.nothingToExplore) expect(report.runs).toBe(1);
    else expect(report.coverage.choiceKinds['schedule']).toBeGreaterThan(0);
  });
});

describe('record, then replay: the same trace, byte for byte', () => {
  it.each([
    ['lost-update', lostUpdate],
    ['late-update', lateUpdate],
    ['ipc-sync', lesson('ipc-sync')],
  ] as const)('%s, 100 seeds each', (_, spec) => {
    for (let seed = 0; seed < 100; seed++) {
      const recorded = runSchedule(spec, seed % 2 === 0 ? seededRandom(seed) : pct({ seed, depth: 3, steps: 20 }));
      const strategy = replayChoices(recorded.choices);
      const replayed = runSchedule(spec, strategy);
      expect(strategy.divergence).toBeNull();
      expect(replayed.traceHash).toBe(recorded.traceHash);
      expect(JSON.stringify(replayed.events)).toBe(JSON.stringify(recorded.events));
    }
  });
});

describe('schedule tokens', () => {
  const schedule = (choices: number[]) => ({ version: IRPSIM_VERSION, scenarioHash: lostUpdate.hash, reduction: 0, verifier: 'enhanced' as const, adversaries: 0, choices });

  it('round-trip any schedule, in letters, digits, - and _ only', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.nat(), fc.nat(3)), { maxLength: 300 }), fc.constantFrom('off', 'standard', 'enhanced'), (choices, verifier) => {
        const s = { ...schedule(choices), verifier };
        const token = encodeSchedule(s);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeSchedule(token)).toEqual(s);
      }),
    );
  });

  it('are compact: runs of default choices cost two bytes', () => {
    const long = encodeSchedule(schedule([...Array<number>(5000).fill(0), 1, ...Array<number>(5000).fill(0)]));
    expect(long.length).toBeLessThan(40);
  });

  it('refuse a corrupted or truncated token', () => {
    const token = encodeSchedule(schedule([0, 1, 2, 0, 0, 3]));
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(() => decodeSchedule(flipped)).toThrow(ScheduleTokenError);
    expect(() => decodeSchedule(token.slice(0, -4))).toThrow(ScheduleTokenError);
    expect(() => decodeSchedule('not a token!')).toThrow(/only letters, digits/);
  });
});

describe('schedules(scenario): a fast-check arbitrary that shrinks', () => {
  it('a property over schedules fails on the race and shrinks to one non-default choice', () => {
    const details = fc.check(
      fc.property(schedules(lostUpdate), (s) => s.result.passed),
      { seed: 42, numRuns: 200 },
    );
    expect(details.failed).toBe(true);
    const [counterexample] = details.counterexample!;
    expect(counterexample.result.expectations.find((e) => !e.passed)?.description).toBe('counter after two increments');
    expect(counterexample.choices.filter((c) => c !== 0)).toHaveLength(1);
    expect(String(counterexample)).toContain(counterexample.token);
  });
});

describe('irpsim explore and irpsim replay (docs/cli.md)', () => {
  it('explore --format json: found, exit 1; the printed replay command reproduces the same check', () => {
    const r = irpsim('explore', LOST_UPDATE, '--runs', '200', '--format', 'json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { found: boolean; runs: number; check: { description: string }; schedule: string; storySize: number; choices: number[]; replay: string };
    expect(json).toMatchObject({ found: true, check: { description: 'counter after two increments', expected: '2', actual: '1' } });
    expect(json.storySize).toBeLessThanOrEqual(20);
    expect(json.schedule).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(json.replay).toBe(`npx irpsim replay ${LOST_UPDATE} --schedule ${json.schedule}`);
    const [npx, bin, ...args] = words(json.replay);
    expect([npx, bin]).toEqual(['npx', 'irpsim']);
    const replayed = irpsim(...args, '--format', 'json');
    expect(replayed.code).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; passed: boolean; actual: unknown }[]; stats: { choices: number } };
    expect(run.expectations.find((e) => !e.passed)).toMatchObject({ description: 'counter after two increments', actual: 1 });
    expect(run.stats.choices).toBe(json.choices.length);

    // The same schedule with an answer that cannot fit: exit 3, naming the first misfit.
    const recorded = decodeSchedule(json.schedule);
    const misfit = encodeSchedule({ ...recorded, choices: [...recorded.choices.slice(0, 1), 7] });
    const diverged = irpsim('replay', LOST_UPDATE, '--schedule', misfit, '--format', 'json');
    expect(diverged.code).toBe(3);
    expect(JSON.parse(diverged.stdout)).toMatchObject({ divergence: { index: 1, kind: 'schedule', recorded: 7 } });
    expect(diverged.stderr).toMatch(/the replay diverged from its schedule: choice #2 \(schedule\) offers \d options, and the schedule answers 7/);
  });

  it('explore text: the story, storySize, and a one-line replay command with the path shell-quoted', () => {
    const r = irpsim('explore', LOST_UPDATE, '--runs', '50', '--strategy', 'pct', '--depth', '2', '--seed', '3');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/storySize \d+ = 1 non-default choice \+ \d+ user actions/);
    expect(r.stdout).toMatch(/Verdict: FAILED/);
    expect(r.stdout).toMatch(/^replay: npx irpsim replay packages\/scenarios\/test\/fixtures\/lost-update\.ts --schedule [A-Za-z0-9_-]+$/m);
    expect(r.stdout).toMatch(/coverage: 50 runs|coverage: \d+ runs/);
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
  });

  it('explore a correct lesson with choices: nothing found, exit 0, choices reached', () => {
    const r = irpsim('explore', 'ipc-sync', '--runs', '10', '--format', 'json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { found: boolean; runs: number; coverage: { choiceKinds: Record<string, number> } };
    expect(json).toMatchObject({ found: false, runs: 10, check: null, replay: null });
    expect(json.coverage.choiceKinds['schedule']).toBeGreaterThan(0);
  });

  it('explore a scenario without a real choice: nothing to explore, exit 2', () => {
    const r = irpsim('explore', 'hello-ioctl', '--runs', '30');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hello-ioctl:1:1: error: nothing to explore: the run has no real choice/);
  });

  it('explore stops a run that never reaches a scheduling point: exit 4, with the reason', () => {
    const r = irpsim('explore', 'packages/scenarios/test/fixtures/loops-forever.ts', '--runs', '5', '--timeout', '3');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^irpsim: a run took more than 3 s of wall-clock time \(in run 1\): a driver or thread written in TypeScript may be looping/);
  });

  it('explore --adversaries is refused as not yet available, exit 2', () => {
    const r = irpsim('explore', 'ipc-sync', '--runs', '30', '--adversaries');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/<command line>:1:\d+: error: --adversaries is not available yet/);
  });

  it('replay a token of another scenario, irpsim version or verifier level: a clear error, exit 2', () => {
    const spec = lesson('ipc-sync');
    const token = (over: object) => encodeSchedule({ version: IRPSIM_VERSION, scenarioHash: spec.hash, reduction: 0, verifier: 'enhanced', adversaries: 0, choices: [1], ...over });
    expect(scheduleFor(token({}), spec)).toMatchObject({ ok: true, schedule: { choices: [1] } });
    expect(scheduleFor(token({ scenarioHash: lostUpdate.hash }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/^the schedule was recorded for scenario [0-9a-f]{16}, not for this one/) });
    expect(scheduleFor(token({ version: '0.0.1' }), spec)).toMatchObject({ ok: false, message: `the schedule was recorded by irpsim 0.0.1; this is irpsim ${IRPSIM_VERSION}` });
    expect(scheduleFor(token({ verifier: 'off' }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/verifier level off/) });
    const r = irpsim('replay', 'ipc-sync', '--schedule', token({ scenarioHash: lostUpdate.hash }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<command line>:1:\d+: error: the schedule was recorded for scenario [0-9a-f]{16}, not for this one/);
  });
});
