import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pct, replayChoices, seededRandom } from '@irpsim/core';
import {
  IRPSIM_VERSION,
  NO_REDUCTION,
  ScheduleTokenError,
  decodeSchedule,
  encodeSchedule,
  explore,
  exploreSlice,
  mergeSlices,
  planExploration,
  reduceScenario,
  runSchedule,
  schedules,
  runIndexAt,
  sliceLength,
  type Reduction,
} from '@irpsim/scenarios';
import { exploreCommand, renderExplore } from '../cli/exploreCommand.ts';
import { mergeResults } from '../cli/mergeCommand.ts';
import { scheduleFor } from '../cli/replaySchedule.ts';
import { runJob } from '../cli/runJob.ts';
import lateUpdate from './fixtures/late-update.ts';
import lostUpdate from './fixtures/lost-update.ts';
import { cliSpec, exploreJson, fixture, inProcess, json, lesson } from './exploreHelpers.ts';

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
    // Its only thread makes the check, and it is TypeScript (no actions to skip): nothing of the scenario can go.
    expect(failure.reduction).toEqual(NO_REDUCTION);
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
});

describe('scenario shrinking: the threads the failure does not need go', () => {
  it('drops the bystander thread of lost-update-noisy; the story is the race alone, and replays', async () => {
    const file = fixture('lost-update-noisy.ts');
    const spec = await cliSpec(file);
    const report = explore(spec, { runs: 200, seed: 1 });
    const failure = report.failures[0]!;
    expect(failure.check.description).toBe('counter after two increments');
    expect(failure.droppedThreads).toEqual(['app/bystander']);
    expect(decodeSchedule(failure.schedule).reduction).toEqual(failure.reduction);
    expect(failure.story).not.toMatch(/app\/bystander/);
    // Without scenario shrinking the bystander's Win32 calls stay in the story.
    const whole = explore(spec, { runs: 200, seed: 1, shrinkScenario: false }).failures[0]!;
    expect(whole.reduction).toEqual(NO_REDUCTION);
    expect(failure.userActions).toBeLessThan(whole.userActions);
    expect(failure.storySize).toBeLessThan(whole.storySize);
    // The reduced scenario with the shrunk choices fails the same check, strictly replayed.
    const again = runSchedule(reduceScenario(spec, failure.reduction), replayChoices(failure.choices));
    expect(again.failure?.key).toBe(failure.check.key);
    // The replay command applies the reduction: the same run, the same check.
    const found = json(renderExplore(report, { arg: file, format: 'json', options: {} }).stdout);
    expect(found.droppedThreads).toEqual(['app/bystander']);
    const replayed = await runJob({ command: 'replay', arg: file, format: 'json', schedule: found.schedule! });
    expect(replayed.exit).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; passed: boolean }[]; stats: { choices: number } };
    expect(run.expectations.find((e) => !e.passed)?.description).toBe('counter after two increments');
    expect(run.stats.choices).toBe(found.choices!.length);
  });

  it('keeps every thread when each is needed (late-update: one thread makes the race and the check)', () => {
    const failure = explore(lateUpdate, { runs: 500, strategy: 'pct', seed: 1 }).failures[0]!;
    expect(failure.reduction.threads).toEqual([]);
    expect(failure.storySize).toBe(failure.nonDefaultChoices + failure.userActions);
  });
});

describe('coverage', () => {
  it('reports choice kinds, choices per run, distinct traces per 1,000 schedules', () => {
    const report = explore(lesson('ipc-sync'), { runs: 40, seed: 1 });
    expect(report.coverage.choiceKinds['schedule']).toBeGreaterThan(0);
    expect(report.coverage.choicesPerRun.min).toBeGreaterThan(0);
    expect(report.coverage.choicesPerRun.max).toBeGreaterThanOrEqual(report.coverage.choicesPerRun.mean);
    expect(report.coverage.distinctTraces).toBeGreaterThan(1);
    expect(report.coverage.distinctTracesPer1000).toBe(Math.round((report.coverage.distinctTraces * 1000) / 40));
  });

  it('reaches (driver, major function, final status) pairs from the trace', () => {
    const report = explore(lesson('overlapped-iocp'), { runs: 5 });
    expect(report.coverage.irpOutcomes).toContain('Queue IRP_MJ_READ STATUS_SUCCESS');
    expect(report.coverage.irpOutcomes).toContain('Queue IRP_MJ_CREATE STATUS_SUCCESS');
  });

  it('a scenario without a real choice: nothing to explore, one run, exit 2', async () => {
    const report = explore(lesson('hello-ioctl'), { runs: 30 });
    expect(report).toMatchObject({ nothingToExplore: true, runs: 1 });
    expect(report.coverage.irpOutcomes).toContain('Hello IRP_MJ_DEVICE_CONTROL STATUS_SUCCESS');
    const r = await exploreCommand({ arg: 'hello-ioctl', format: 'text', options: { runs: 30 } });
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(/^hello-ioctl:1:1: error: nothing to explore: the run has no real choice/);
  });
});

describe('slices, shards and workers: the same exploration, cut up', () => {
  it('law: chunks explored apart and merged in order up to the first failing one give the whole exploration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 17 }), fc.nat(20), fc.boolean(), fc.constantFrom('random', 'pct' as const), (runs, chunk, seed, all, strategy) => {
        const plan = planExploration(lostUpdate, { runs, seed, all, strategy });
        const whole = exploreSlice(lostUpdate, plan);
        const parts = [];
        for (let from = 0; from < sliceLength(plan); from += chunk) {
          const part = exploreSlice(lostUpdate, plan, from, Math.min(sliceLength(plan), from + chunk));
          parts.push(part);
          if (!all && part.failures.length > 0) break; // what the worker pool does
        }
        expect(mergeSlices(parts)).toEqual(whole);
      }),
      { numRuns: 25 },
    );
  });

  it('law: the shards 1/N … N/N partition the runs 1 … runs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 12 }), (runs, count) => {
        const seen: number[] = [];
        for (let index = 1; index <= count; index++) {
          const plan = { ...planExploration(lostUpdate, { runs }), shard: { index, count } };
          for (let p = 0; p < sliceLength(plan); p++) seen.push(runIndexAt(plan, p));
        }
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
      }),
    );
  });

  it('shard 1/2 and 2/2, merged: the same failures (run, token) and the same coverage as one exploration', async () => {
    const file = fixture('lost-update.ts');
    const run = (options: object) => exploreJson(file, { runs: 60, seed: 3, all: true, ...options });
    const whole = await run({});
    const shards = [await run({ shard: { index: 1, count: 2 } }), await run({ shard: { index: 2, count: 2 } })];
    expect(shards.map((s) => s.runs)).toEqual([30, 30]);
    const merged = mergeResults(shards.map((s, i) => ({ file: `s${i + 1}.json`, json: s })));
    if (!merged.ok) throw new Error(merged.errors[0]!.message);
    expect(merged.missing).toEqual([]);
    const { shard, coverageData: _, ...rest } = merged.merged;
    expect(shard).toEqual({ count: 2, indices: [1, 2] });
    expect(rest).toEqual({ ...whole, shard: undefined });
    expect(whole.found).toBeGreaterThan(1);
  });

  it('without --all, the merge reports the first failure by run index (the one explore reports)', async () => {
    const file = fixture('lost-update.ts');
    const run = (options: object) => exploreJson(file, { runs: 100, seed: 5, ...options });
    const whole = await run({});
    const shards = await Promise.all([1, 2, 3].map((index) => run({ shard: { index, count: 3 } })));
    const merged = mergeResults(shards.map((s, i) => ({ file: `s${i + 1}.json`, json: s })));
    if (!merged.ok) throw new Error(merged.errors[0]!.message);
    expect(merged.merged).toMatchObject({ found: true, run: whole.run, schedule: whole.schedule, check: whole.check, storySize: whole.storySize });
  });

  it('nothing found: the merged coverage is exactly that of one exploration', async () => {
    const spec = lesson('ipc-sync');
    const run = async (options: object) => json(renderExplore(explore(spec, { runs: 30, ...options }), { arg: 'ipc-sync', format: 'json', options: {} }).stdout);
    const whole = await run({});
    const shards = [await run({ shard: { index: 2, count: 2 } }), await run({ shard: { index: 1, count: 2 } })];
    const merged = mergeResults(shards.map((s, i) => ({ file: `s${i}.json`, json: s })));
    if (!merged.ok) throw new Error(merged.errors[0]!.message);
    expect(merged.merged).toMatchObject({ found: false, runs: 30, coverage: whole.coverage });
    // A merge merges again: shard results and merged results are the same kind of thing.
    const again = mergeResults([{ file: 'm.json', json: merged.merged }]);
    expect(again.ok && again.merged.coverage).toEqual(whole.coverage);
  });

  it('merge refuses results of different explorations, duplicate shards and non-shard JSON; says which shards are missing', async () => {
    const spec = lesson('ipc-sync');
    const run = async (options: object) => json(renderExplore(explore(spec, { runs: 12, ...options }), { arg: 'ipc-sync', format: 'json', options: {} }).stdout);
    const one = await run({ shard: { index: 1, count: 3 } });
    const otherSeed = await run({ seed: 9, shard: { index: 2, count: 3 } });
    const bad = mergeResults([
      { file: 'a.json', json: one },
      { file: 'b.json', json: otherSeed },
    ]);
    expect(bad).toMatchObject({ ok: false, errors: [{ file: 'b.json', message: 'explored with --seed 9, and a.json with 1: only shards of one exploration merge' }] });
    expect(mergeResults([{ file: 'a.json', json: one }, { file: 'c.json', json: one }])).toMatchObject({ ok: false, errors: [{ file: 'c.json', message: 'shard 1/3 is also in a.json' }] });
    expect(mergeResults([{ file: 'u.json', json: await run({}) }])).toMatchObject({ ok: false, errors: [{ file: 'u.json', message: 'not the JSON result of a shard' }] });
    expect(mergeResults([{ file: 'a.json', json: one }])).toMatchObject({ ok: true, missing: [2, 3] });
  });
});

describe('irpsim merge, in this process', () => {
  it('merges shard files: the failure with its replay command, the coverage; exit 1; --format json gives the merged result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irpsim-merge-'));
    try {
      const file = fixture('lost-update.ts');
      const files = [];
      for (const index of [1, 2]) {
        const out = await exploreJson(file, { runs: 40, seed: 2, all: true, shard: { index, count: 2 } });
        files.push(join(dir, `shard-${index}.json`));
        writeFileSync(files[files.length - 1]!, JSON.stringify(out));
      }
      const text = await inProcess('merge', ...files);
      expect(text.code).toBe(1);
      expect(text.stderr).toBe('');
      expect(text.stdout).toMatch(/^merge of shards 1, 2 of 2: \d+ runs failed in 40 schedules \(strategy random, seed 2\)$/m);
      expect(text.stdout).toMatch(/^✗ counter after two increments: expected 2, got 1$/m);
      expect(text.stdout).toMatch(new RegExp(`^replay: npx irpsim replay ${file} --schedule [A-Za-z0-9_-]+$`, 'm'));
      expect(text.stdout).toMatch(/^coverage: 40 runs · /m);
      const merged = await inProcess('merge', files[0]!, '--format', 'json');
      expect(merged.code).toBe(1);
      expect(merged.stderr).toBe('irpsim merge: shard 2 of 2 missing: the result covers only the runs of shards 1\n');
      expect(json(merged.stdout)).toMatchObject({ runs: 20, shard: { count: 2, indices: [1] } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
  const schedule = (choices: number[]) => ({ version: IRPSIM_VERSION, scenarioHash: lostUpdate.hash, reduction: NO_REDUCTION as Reduction, verifier: 'enhanced' as const, adversaries: 0, choices });

  it('round-trip any schedule and reduction, in letters, digits, - and _ only', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.nat(), fc.nat(3)), { maxLength: 300 }),
        fc.uniqueArray(fc.nat(200), { maxLength: 6 }).map((r) => r.sort((a, b) => a - b)),
        fc.array(fc.tuple(fc.nat(200), fc.nat(1000)), { maxLength: 6 }),
        fc.constantFrom('off', 'standard', 'enhanced'),
        fc.nat(31),
        (choices, threads, actions, verifier, adversaries) => {
          const s = { ...schedule(choices), reduction: { threads, actions }, verifier, adversaries };
          const token = encodeSchedule(s);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeSchedule(token)).toEqual(s);
        },
      ),
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

describe('irpsim explore, replay and merge (docs/cli.md), in this process', () => {
  it('explore text: the story, storySize, the coverage and a one-line replay command', async () => {
    const file = fixture('lost-update.ts');
    const options = { runs: 50, strategy: 'pct', depth: 2, seed: 3 } as const;
    const r = renderExplore(explore(await cliSpec(file), options), { arg: file, format: 'text', options });
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/storySize \d+ = 1 non-default choice \+ \d+ user actions/);
    expect(r.stdout).toMatch(/Verdict: FAILED/);
    expect(r.stdout).toContain(`\nreplay: npx irpsim replay ${file} --schedule `);
    expect(r.stdout).toMatch(/^coverage: \d+ runs? · choices per run \d+–\d+ \(mean [\d.]+\) · \d+ distinct traces? \(\d+ per 1,000 schedules\)$/m);
    expect(r.stdout).toMatch(/^ {2}choice kinds: schedule \d+$/m);
  });

  it('explore json on a correct lesson with choices: nothing found, exit 0, choices reached', async () => {
    const r = await exploreCommand({ arg: 'ipc-sync', format: 'json', options: { runs: 10 } });
    expect(r.exit).toBe(0);
    const out = json(r.stdout);
    expect(out).toMatchObject({ found: false, runs: 10, check: null, replay: null, shard: null });
    expect(out.coverage.choiceKinds['schedule']).toBeGreaterThan(0);
    expect(out.coverageData).toBeUndefined(); // only a shard's result carries it
  });

  it('replay: the recorded run; a misfit answer diverges, exit 3, naming the first misfit', async () => {
    const file = fixture('lost-update.ts');
    const found = await exploreJson(file, { runs: 200 });
    const replayed = await runJob({ command: 'replay', arg: file, format: 'json', schedule: found.schedule! });
    expect(replayed.exit).toBe(1);
    const recorded = decodeSchedule(found.schedule!);
    const misfit = encodeSchedule({ ...recorded, choices: [...recorded.choices.slice(0, 1), 7] });
    const diverged = await runJob({ command: 'replay', arg: file, format: 'json', schedule: misfit });
    expect(diverged.exit).toBe(3);
    expect(JSON.parse(diverged.stdout)).toMatchObject({ divergence: { index: 1, kind: 'schedule', recorded: 7 } });
    expect(diverged.stderr).toMatch(/the replay diverged from its schedule: choice #2 \(schedule\) offers \d options, and the schedule answers 7/);
  });

  it('replay a token of another scenario, irpsim version, verifier level or reduction: a clear error, exit 2', async () => {
    const spec = lesson('ipc-sync');
    const token = (over: object) => encodeSchedule({ version: IRPSIM_VERSION, scenarioHash: spec.hash, reduction: NO_REDUCTION, verifier: 'enhanced', adversaries: 0, choices: [1], ...over });
    expect(scheduleFor(token({}), spec)).toMatchObject({ ok: true, schedule: { choices: [1] } });
    expect(scheduleFor(token({ scenarioHash: lostUpdate.hash }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/^the schedule was recorded for scenario [0-9a-f]{16}, not for this one/) });
    expect(scheduleFor(token({ version: '0.0.1' }), spec)).toMatchObject({ ok: false, message: `the schedule was recorded by irpsim 0.0.1; this is irpsim ${IRPSIM_VERSION}` });
    expect(scheduleFor(token({ verifier: 'off' }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/verifier level off/) });
    expect(scheduleFor(token({ reduction: { threads: [40], actions: [] } }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/^the schedule drops thread #41, and the scenario has \d+$/) });
    expect(scheduleFor(token({ reduction: { threads: [], actions: [[0, 99]] } }), spec)).toMatchObject({ ok: false, message: expect.stringMatching(/^the schedule skips action #100 of thread #1, which has \d+$/) });
    const r = await runJob({ command: 'replay', arg: 'ipc-sync', format: 'text', schedule: token({ scenarioHash: lostUpdate.hash }), scheduleColumn: 30 });
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(/^<command line>:1:30: error: the schedule was recorded for scenario [0-9a-f]{16}, not for this one/);
  });

  it('usage errors: a bad --shard, --workers with replay, merge without files — exit 2 at the column', async () => {
    const shard = await inProcess('explore', 'ipc-sync', '--shard', '3/2');
    expect(shard).toMatchObject({ code: 2, stderr: expect.stringMatching(/^<command line>:1:26: error: --shard must be I\/N, shard I of N/) });
    const empty = await inProcess('explore', 'ipc-sync', '--runs', '2', '--shard', '3/4');
    expect(empty.stderr).toMatch(/error: shard 3\/4 has no runs: with --runs 2/);
    expect((await inProcess('replay', 'ipc-sync', '--schedule', 'AAAA', '--workers', '2')).stderr).toMatch(/--workers cannot be used with replay/);
    expect((await inProcess('merge')).stderr).toMatch(/^<command line>:1:1: error: expected: irpsim merge RESULT.json/);
    expect((await inProcess('explore', 'ipc-sync', '--format', 'jsonl')).stderr).toMatch(/^<command line>:1:27: error: explore prints text or json, not jsonl/);
    const missing = await inProcess('merge', 'no-such.json');
    expect(missing).toMatchObject({ code: 2, stderr: 'no-such.json:1:1: error: no such file: no-such.json\n' });
  });
});

describe('streamed exploration runs (docs/exploring.md §3)', () => {
  it('a streamed run’s fingerprint (its choices) matches its recorded trace’s: equal exactly when the traces are', () => {
    const spec = lesson('ipc-sync');
    const byChoices = new Map<string, string>();
    const byTrace = new Map<string, string>();
    for (let i = 1; i <= 60; i++) {
      const seen: string[] = [];
      const streamed = runSchedule(spec, seededRandom(i), undefined, (event) => seen.push(event.type));
      const recorded = runSchedule(spec, seededRandom(i));
      // The same run: the same choices, the same events in the same order, the same outcome.
      expect(streamed.choices).toEqual(recorded.choices);
      expect(seen).toEqual(recorded.events.map((e) => e.type));
      expect(streamed.events).toEqual([]);
      expect(streamed.result.outcome).toBe(recorded.result.outcome);
      // One fingerprint maps to one trace, and back.
      expect(byChoices.get(streamed.traceHash) ?? recorded.traceHash).toBe(recorded.traceHash);
      expect(byTrace.get(recorded.traceHash) ?? streamed.traceHash).toBe(streamed.traceHash);
      byChoices.set(streamed.traceHash, recorded.traceHash);
      byTrace.set(recorded.traceHash, streamed.traceHash);
    }
    expect(byChoices.size).toBeGreaterThan(10);
  });
});
