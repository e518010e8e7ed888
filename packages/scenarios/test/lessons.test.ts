import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, renderJsonl, runScenario } from '../src/index.ts';

const DIR = join(import.meta.dirname, '..', 'lessons');
const lessons = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

describe('every lesson passes with its pinned seed', () => {
  for (const file of lessons) {
    it(file, () => {
      const loaded = loadScenario(readFileSync(join(DIR, file), 'utf8'), { file });
      if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
      const first = runScenario(loaded.scenario);
      const failed = first.result.expectations.filter((e) => !e.passed);
      expect(failed).toEqual([]);
      expect(first.result.passed).toBe(true);
      // Same seed, same trace.
      const again = runScenario(loaded.scenario);
      const jsonl = (r: typeof first) => renderJsonl(r.events, { scenarioHash: r.result.scenarioHash, seed: r.result.seed });
      expect(jsonl(again)).toBe(jsonl(first));
    });
  }
});
