import { replayChoices, seededRandom } from '@irpsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenario, runSchedule } from '../src/index.ts';
import { generatedStackYaml } from './scripts/generatedStack.ts';

/** The CI-sized slice of `test/scripts/replayProperty.ts` (10,000 seeds on demand). */
describe('replay over generated stacks (issue [explore])', () => {
  it('recording a run of a generated correct stack and replaying its choices gives a byte-identical trace; the run passes', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (stackSeed, runSeed) => {
        const loaded = loadScenario(generatedStackYaml(stackSeed), { file: 'generated.yaml' });
        expect(loaded.ok).toBe(true);
        if (!loaded.ok) return;
        const recorded = runSchedule(loaded.scenario, seededRandom(runSeed));
        // A correct stack: no check fires, every thread finishes (no expectation is written).
        expect(recorded.failure).toBeNull();
        expect(recorded.result).toMatchObject({ passed: true, outcome: 'completed', bugcheck: null, violations: [] });
        const strategy = replayChoices(recorded.choices);
        const replayed = runSchedule(loaded.scenario, strategy);
        expect(strategy.divergence).toBeNull();
        expect(JSON.stringify(replayed.events)).toBe(JSON.stringify(recorded.events));
      }),
      { numRuns: 40 },
    );
  });
});
