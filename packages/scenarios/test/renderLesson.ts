import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulation, loadScenario, type ScenarioResult } from '../src/index.ts';

/** A built-in lesson, run with its pinned seed; `before` may attach monitors before it runs. */
export function runLesson(name: string, before?: (simulation: Simulation) => void): { simulation: Simulation; result: ScenarioResult; names: Map<number, string> } {
  const file = join(import.meta.dirname, '..', 'lessons', `${name}.yaml`);
  const loaded = loadScenario(readFileSync(file, 'utf8'), { file: `${name}.yaml` });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const simulation = new Simulation(loaded.scenario);
  before?.(simulation);
  const result = simulation.run();
  const names = new Map([...loaded.scenario.values].map(([k, v]) => [v, k] as const));
  return { simulation, result, names };
}

/** The lessons the renderers' goldens are made of (issue #7). */
export const GOLDEN_LESSONS = ['ioctl-methods', 'completion-routines'] as const;
