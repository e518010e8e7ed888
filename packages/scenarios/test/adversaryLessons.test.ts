import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADVERSARY_MODES } from '@irpsim/io-manager';
import { loadScenario, runScenario } from '../src/index.ts';
import { runJob } from '../cli/runJob.ts';

const DIR = join(import.meta.dirname, '..', 'lessons');
const correct = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.startsWith('bug-'));
const SEEDS = [1, 2, 3, 17, 4242, 0xdeadbeef];

/**
 * Issue 6 acceptance: every correct lesson runs clean at the enhanced level with every
 * adversary mode on — no check and no liveness violation fires (expectations are not
 * evaluated: injected faults change results by design).
 */
describe('every correct lesson runs clean with every adversary mode on (issue 6, E20)', () => {
  for (const file of correct) {
    it(file, () => {
      const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), { file });
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
      const found = SEEDS.flatMap((seed) => {
        const { result } = runScenario(loaded.scenario, { seed, record: false, adversaries: true });
        const bc = result.bugcheck === null ? [] : [`seed ${seed}: bug check ${result.bugcheck.code.toString(16)} ${result.bugcheck.message}`];
        return [...bc, ...result.violations.map((v) => `seed ${seed}: ${v.check}: ${v.message}`)];
      });
      expect(found).toEqual([]);
    });
  }

  it('the adversaries inject faults in these runs (their choices are made)', () => {
    const loaded = loadScenario(readFileSync(join(DIR, 'filter-stack.yaml'), 'utf8'), { file: 'filter-stack.yaml' });
    if (!loaded.ok) throw new Error('filter-stack does not load');
    const kinds = new Set<string>();
    for (const seed of SEEDS) {
      for (const e of runScenario(loaded.scenario, { seed, adversaries: true }).events) if (e.type === 'verifier.adversary') kinds.add(e.mode);
    }
    expect([...kinds].every((k) => (ADVERSARY_MODES as readonly string[]).includes(k))).toBe(true);
    expect(kinds.has('force-pending')).toBe(true);
  });

  it('irpsim run --adversaries: the verdict is the two adversary lines; without it the scenario\'s own', async () => {
    const on = await runJob({ command: 'run', arg: 'filter-stack', format: 'json', seed: 3, adversaries: true });
    const off = await runJob({ command: 'run', arg: 'filter-stack', format: 'json', seed: 3 });
    const descriptions = (out: string) => (JSON.parse(out) as { expectations: { description: string }[] }).expectations.map((e) => e.description);
    expect(on.exit).toBe(0);
    expect(descriptions(on.stdout)).toEqual(['adversaries: no bug check', 'adversaries: no violation']);
    expect(off.exit).toBe(0);
    expect(descriptions(off.stdout)).not.toContain('adversaries: no bug check');
  });
});
