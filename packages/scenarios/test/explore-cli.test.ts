// [explore] the command in processes and worker threads: the two real launches (exit
// codes, the replay command's round trip) and the worker pool's watchdog. The rest of the
// command is tested in this process, in explore.test.ts.
import { describe, expect, it } from 'vitest';
import { exploreJson, fixture, inProcess, irpsim, json, LOST_UPDATE, words } from './exploreHelpers.ts';

describe('the worker pool in this process (exploreWatched)', () => {
  it('explore stops a run that never reaches a scheduling point: exit 4, with the reason', async () => {
    const r = await inProcess('explore', fixture('loops-forever.ts'), '--runs', '5', '--timeout', '0.5');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^irpsim: a run took more than 0.5 s of wall-clock time \(in run 1\): a driver or thread written in TypeScript may be looping/);
  });
});

describe('irpsim as a process (two launches: exit codes, the worker pool, the replay round trip)', () => {
  it('explore --workers 2 --format json: exit 1, the same report as in one thread; its replay command reproduces the check', async () => {
    const r = irpsim('explore', LOST_UPDATE, '--runs', '200', '--workers', '2', '--format', 'json');
    expect(r.code).toBe(1);
    const out = json(r.stdout);
    expect(out).toMatchObject({ found: true, check: { description: 'counter after two increments', expected: '2', actual: '1' } });
    expect(out.storySize).toBeLessThanOrEqual(20);
    expect(out.replay).toBe(`npx irpsim replay ${LOST_UPDATE} --schedule ${out.schedule}`);
    const oneThread = await exploreJson(LOST_UPDATE, { runs: 200 });
    expect(out).toEqual(oneThread);
    const [npx, bin, ...args] = words(out.replay!);
    expect([npx, bin]).toEqual(['npx', 'irpsim']);
    const replayed = irpsim(...args, '--format', 'json');
    expect(replayed.code).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; passed: boolean; actual: unknown }[]; stats: { choices: number } };
    expect(run.expectations.find((e) => !e.passed)).toMatchObject({ description: 'counter after two increments', actual: 1 });
    expect(run.stats.choices).toBe(out.choices!.length);
  });
});
