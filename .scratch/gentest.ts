import { loadScenario, runSchedule } from '@irpsim/scenarios';
import { seededRandom } from '@irpsim/core';
import { generatedStackYaml } from '../packages/scenarios/test/scripts/generatedStack.ts';
let withChoices = 0, passed = 0;
for (let s = 0; s < 40; s++) {
  const text = generatedStackYaml(s);
  const loaded = loadScenario(text, { file: `gen-${s}.yaml` });
  if (!loaded.ok) { console.log(text); console.log(loaded.errors.map((e) => e.message).join('\n')); process.exit(1); }
  const r = runSchedule(loaded.scenario, seededRandom(s));
  if (r.choices.length > 0) withChoices++;
  if ((r as any).result?.passed ?? (r as any).passed) passed++;
}
console.log({ withChoices, passed });
