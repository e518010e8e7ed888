// On demand (not in CI): record a run under a random schedule, replay its choices, and
// compare the traces byte for byte, for many seeds of every scenario with real choices.
//   npx tsx packages/scenarios/test/scripts/replayProperty.ts [SEEDS, default 10000]
// The seeds are spread over the scenarios — every third one a freshly generated correct
// stack (generatedStack.ts) — and the script exits 1 at the first trace that differs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pct, replayChoices, seededRandom } from '@irpsim/core';
import { loadScenario, runSchedule, type ScenarioSpec } from '@irpsim/scenarios';
import lateUpdate from '../fixtures/late-update.ts';
import lostUpdate from '../fixtures/lost-update.ts';
import { generatedStackYaml } from './generatedStack.ts';

const seeds = Number(process.argv[2] ?? 10_000);
const lessons = join(import.meta.dirname, '..', '..', 'lessons');
const specs: ScenarioSpec[] = [lostUpdate, lateUpdate];
for (const file of readdirSync(lessons).filter((f) => f.endsWith('.yaml')).sort()) {
  const loaded = loadScenario(readFileSync(join(lessons, file), 'utf8'), { file });
  if (loaded.ok && runSchedule(loaded.scenario, seededRandom(1)).choices.length > 0) specs.push(loaded.scenario);
}
process.stdout.write(`${seeds} seeds over generated stacks and ${specs.map((s) => s.name).join(', ')}\n`);

/** A generated correct stack (depth 1–3, 1–3 threads) for this seed. */
function generated(seed: number): ScenarioSpec {
  const loaded = loadScenario(generatedStackYaml(seed), { file: `generated-${seed}.yaml` });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return loaded.scenario;
}

for (let seed = 0; seed < seeds; seed++) {
  const spec = seed % 3 === 0 ? generated(seed) : specs[seed % specs.length]!;
  // Half the recordings come from PCT, half from the uniform random strategy.
  const recorded = runSchedule(spec, seed % 2 === 0 ? seededRandom(seed) : pct({ seed, depth: 1 + (seed % 4), steps: 30 }));
  const strategy = replayChoices(recorded.choices);
  const replayed = runSchedule(spec, strategy);
  if (strategy.divergence !== null || JSON.stringify(replayed.events) !== JSON.stringify(recorded.events)) {
    process.stdout.write(`${spec.name}, seed ${seed}: the replay differs from the recording${strategy.divergence !== null ? ` (diverged at choice #${strategy.divergence.index + 1})` : ''}\n`);
    process.exit(1);
  }
  if ((seed + 1) % 1000 === 0) process.stdout.write(`${seed + 1} seeds: every replay identical\n`);
}
process.stdout.write(`${seeds} passed, 0 failed\n`);
