import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, loadScenario } from '@irpsim/scenarios';
import { loadInput } from '../cli/loadInput.ts';
import { runJob } from '../cli/runJob.ts';

const LESSONS = join(import.meta.dirname, '..', 'lessons');

// [explore] acceptance: explore on every correct lesson that has choices finds nothing
// (here 200 runs; more on demand) and reports the choices reached.
describe('explore on the correct lessons', () => {
  // A lesson that does not load is lessons.test.ts's finding, not explore's; a lesson
  // that is meant to fail (bug-…) is explore's target, not a correct lesson.
  const specs = readdirSync(LESSONS)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('bug-'))
    .map((f) => ({ name: f.slice(0, -'.yaml'.length), loaded: loadScenario(readFileSync(join(LESSONS, f), 'utf8'), { file: f }) }))
    .flatMap(({ name, loaded }) => (loaded.ok ? [[name, loaded.scenario] as const] : []));

  it.each(specs)('%s: nothing found in 200 schedules, or nothing to explore', (_, spec) => {
    const report = explore(spec, { runs: 200, seed: 1, shrinkBudget: 0 });
    expect(report.failures.map((f) => `${f.check.description}: ${f.check.actual}`)).toEqual([]);
    if (report.nothingToExplore) expect(report.runs).toBe(1);
    else expect(Object.values(report.coverage.choiceKinds).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

// [explore] acceptance: explore finds the race of bug-cancel-race, its story is short, and
// the replay command reproduces the same check. Skipped while the lesson does not exist.
const BUG_CANCEL_RACE = join(LESSONS, 'bug-cancel-race.yaml');
describe.skipIf(!existsSync(BUG_CANCEL_RACE))('explore bug-cancel-race', () => {
  it('finds the double completion within 2,000 runs, tells it in a storySize of at most 20, and its token replays it', async () => {
    const input = await loadInput('bug-cancel-race');
    if (!input.ok) throw new Error(input.errors[0]!.message);
    const report = explore(input.spec, { runs: 2_000, seed: 1 });
    expect(report.failures).toHaveLength(1);
    const failure = report.failures[0]!;
    expect(failure.storySize).toBeLessThanOrEqual(20);
    expect(failure.result.bugcheck?.name ?? null).toBe('MULTIPLE_IRP_COMPLETE_REQUESTS');
    const replayed = await runJob({ command: 'replay', arg: 'bug-cancel-race', format: 'json', schedule: failure.schedule });
    expect(replayed.exit).toBe(1);
    const run = JSON.parse(replayed.stdout) as { expectations: { description: string; passed: boolean; actual: unknown }[] };
    const first = run.expectations.find((e) => !e.passed)!;
    expect(first.description).toBe(failure.check.description);
    expect(String(first.actual)).toBe(failure.check.actual);
  });
});
