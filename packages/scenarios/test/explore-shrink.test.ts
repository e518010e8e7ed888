// [explore] scenario shrinking at the action level, reductions in tokens, and adversaries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayChoices } from '@irpsim/core';
import { adversaryMask, ADVERSARY_MODES } from '@irpsim/io-manager';
import {
  IRPSIM_VERSION,
  NO_REDUCTION,
  ScheduleTokenError,
  actionUnits,
  actionsLeft,
  decodeSchedule,
  encodeSchedule,
  explore,
  lenientChoices,
  reduceScenario,
  reductionUnits,
  runSchedule,
  type Reduction,
} from '@irpsim/scenarios';
import { renderExplore } from '../cli/exploreCommand.ts';
import { scheduleFor } from '../cli/replaySchedule.ts';
import { runJob } from '../cli/runJob.ts';
import { cliSpec, fixture, inProcess, json, lesson } from './exploreHelpers.ts';

const UNRELATED = fixture('unrelated-requests.yaml');
const calls = (events: readonly { type: string }[]) => events.filter((e) => e.type === 'win32.call').length;

describe('scenario shrinking: the requests the failure does not need go', () => {
  it('skips the unrelated requests of unrelated-requests; storySize falls; the token replays the same check', async () => {
    const spec = await cliSpec(UNRELATED);
    const report = explore(spec, { runs: 200, seed: 1 });
    const failure = report.failures[0]!;
    expect(failure.check.description).toBe('app/waiter #2 wait mine: returns');
    // Shrinking keeps what the check saw: the wait timed out (not a wait on a handle that went).
    expect(failure.check.actual).toBe('WAIT_TIMEOUT');
    expect(failure.droppedActions.some((a) => /^app\/waiter #4 ioctl IOCTL_HELLO_ECHO/.test(a))).toBe(true);
    expect(failure.droppedActions.every((a) => !/#[12] /.test(a) || !a.startsWith('app/waiter'))).toBe(true);
    expect(failure.actionsLeft).toBe(actionsLeft(spec, failure.reduction));
    expect(failure.story).not.toMatch(/DeviceIoControl/);
    // Without scenario shrinking the requests stay in the story.
    const whole = explore(spec, { runs: 200, seed: 1, shrinkScenario: false }).failures[0]!;
    expect(whole.reduction).toEqual(NO_REDUCTION);
    expect(failure.userActions).toBeLessThan(whole.userActions);
    expect(failure.storySize).toBeLessThan(whole.storySize);
    expect(failure.storySize).toBe(failure.nonDefaultChoices + failure.userActions);
    // Seed 1: the setter goes, and of the waiter only its CreateEvent and the wait are left (docs/exploring.md §3).
    expect(failure.droppedThreads).toEqual(['app/setter']);
    expect([failure.storySize, whole.storySize]).toEqual([2, 12]);
    // The token carries the reduction; replaying it gives the same check, seeing the same.
    expect(decodeSchedule(failure.schedule).reduction).toEqual(failure.reduction);
    const found = json(renderExplore(report, { arg: UNRELATED, format: 'json', options: {} }).stdout);
    expect(found.droppedActions).toEqual(failure.droppedActions);
    const replayed = await runJob({ command: 'replay', arg: UNRELATED, format: 'json', schedule: found.schedule! });
    expect(replayed.exit).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; actual: unknown; passed: boolean }[] };
    expect(run.expectations.find((e) => !e.passed)).toMatchObject({ description: failure.check.description, actual: 'WAIT_TIMEOUT' });
  });

  it('the text report lists the actions skipped', async () => {
    const spec = await cliSpec(UNRELATED);
    const text = renderExplore(explore(spec, { runs: 200, seed: 1 }), { arg: UNRELATED, format: 'text', options: {} }).stdout;
    expect(text).toMatch(/scenario shrunk: without \d+ actions:\n(    app\/\w+ #\d+ .*\(line \d+\)\n)+/);
  });

  it('law: a reduction never adds actions, and replaying (schedule, reduction) is deterministic', async () => {
    const spec = await cliSpec(UNRELATED);
    const units = reductionUnits(spec).length;
    const labels = actionUnits(spec);
    const reduction = fc
      .record({
        threads: fc.subarray([...Array(units).keys()], { maxLength: units - 1 }),
        actions: fc.subarray(labels.flatMap((l, u) => l.map((_, a) => [u, a] as const))),
      })
      .map((r): Reduction => ({ threads: r.threads, actions: r.actions.filter(([u]) => !r.threads.includes(u)) }));
    fc.assert(
      fc.property(reduction, fc.array(fc.nat(3), { maxLength: 12 }), (r, generated) => {
        const whole = runSchedule(spec, lenientChoices(generated));
        const reduced = reduceScenario(spec, r);
        const first = runSchedule(reduced, lenientChoices(generated));
        // Each action of this scenario is one Win32 call: the calls made are the actions left.
        expect(actionsLeft(spec, r)).toBeLessThanOrEqual(actionsLeft(spec, NO_REDUCTION));
        expect(calls(first.events)).toBe(actionsLeft(spec, r));
        expect(calls(first.events)).toBeLessThanOrEqual(calls(whole.events));
        // Through the token and back, strictly replayed: the same trace, byte for byte.
        const schedule = decodeSchedule(encodeSchedule({ version: IRPSIM_VERSION, scenarioHash: spec.hash, reduction: r, verifier: spec.machine.verifier, adversaries: 0, choices: first.choices }));
        const again = runSchedule(reduceScenario(spec, schedule.reduction), replayChoices(schedule.choices));
        expect(again.traceHash).toBe(first.traceHash);
      }),
      { numRuns: 60 },
    );
  });
});

describe('schedule tokens of format 3', () => {
  it('refuse a token of format 2 (an earlier irpsim) with a clear message rather than misread it', () => {
    // Made by the format-2 encoder of milestone 2: reduction [1], choices 0 1 0.
    const old = 'AgUwLjEuMAEjRWeJq83vAQECAAABAQABIA';
    expect(() => decodeSchedule(old)).toThrow(ScheduleTokenError);
    expect(() => decodeSchedule(old)).toThrow(/^a schedule token of format 2, made by an earlier irpsim; this one reads format 3 only/);
    expect(scheduleFor(old, lesson('ipc-sync'))).toMatchObject({ ok: false, message: expect.stringMatching(/format 2/) });
  });

  it('refuse adversary modes this irpsim does not have', () => {
    const spec = lesson('ipc-sync');
    const token = (adversaries: number) => encodeSchedule({ version: IRPSIM_VERSION, scenarioHash: spec.hash, reduction: NO_REDUCTION, verifier: 'enhanced', adversaries, choices: [] });
    expect(scheduleFor(token(adversaryMask(ADVERSARY_MODES)), spec)).toMatchObject({ ok: true });
    expect(scheduleFor(token(1 << ADVERSARY_MODES.length), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/adversary modes this irpsim does not have/) });
  });
});

describe('explore --adversaries', () => {
  it('injections are choices like the others: their kinds are in the coverage, the token records the modes, replay reproduces', async () => {
    const spec = lesson('bug-cancel-race');
    const plain = explore(spec, { runs: 10, seed: 1, all: true, shrinkBudget: 0 });
    expect(plain.adversaries).toEqual([]);
    expect(plain.coverage.choiceKinds['cancel']).toBeUndefined();
    const report = explore(spec, { runs: 10, seed: 1, adversaries: true, shrinkBudget: 100 });
    expect(report.adversaries).toEqual(ADVERSARY_MODES);
    expect(report.coverage.choiceKinds['cancel']).toBeGreaterThan(0);
    const failure = report.failures[0]!;
    expect(failure.check.description).toMatch(/^adversaries: /);
    expect(decodeSchedule(failure.schedule).adversaries).toBe(adversaryMask(ADVERSARY_MODES));
    const replayed = await runJob({ command: 'replay', arg: 'bug-cancel-race', format: 'json', schedule: failure.schedule });
    expect(replayed.exit).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; actual: unknown; passed: boolean }[]; stats: { choices: number } };
    expect(run.expectations.find((e) => !e.passed)).toMatchObject({ description: failure.check.description, actual: failure.check.actual });
    expect(run.stats.choices).toBe(failure.choices.length);
  });

  it('the CLI takes --adversaries on explore and refuses it on replay (the token fixes it)', async () => {
    const r = await inProcess('replay', 'ipc-sync', '--schedule', 'AAAA', '--adversaries');
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/--adversaries cannot be used with replay: the schedule fixes every choice/) });
  });
});
