import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, runScenario, renderJsonl } from '@irpsim/scenarios';
import { describe, expect, it } from 'vitest';
import { ROOT } from './sources.ts';

/**
 * The poison test: with every ambient source of time, randomness and asynchrony replaced
 * by a function that throws, a lesson still runs, passes, and gives the same trace.
 */
describe('poison: the engine never reaches for the environment', () => {
  it('hello-ioctl passes with Date.now, Math.random, timers, performance.now, queueMicrotask, setImmediate and crypto.getRandomValues poisoned', () => {
    const text = readFileSync(join(ROOT, 'packages/scenarios/lessons/hello-ioctl.yaml'), 'utf8');
    const clean = run(text);
    const g = globalThis as unknown as Record<string, unknown>;
    const poisoned = ['setTimeout', 'setInterval', 'queueMicrotask', 'setImmediate'] as const;
    const saved = {
      dateNow: Date.now,
      random: Math.random,
      perfNow: performance.now,
      getRandomValues: crypto.getRandomValues,
      globals: Object.fromEntries(poisoned.map((k) => [k, g[k]])),
    };
    const poison = (name: string) => () => {
      throw new Error(`poisoned: ${name} was called`);
    };
    let dirty: ReturnType<typeof run>;
    try {
      Date.now = poison('Date.now');
      Math.random = poison('Math.random');
      performance.now = poison('performance.now');
      crypto.getRandomValues = poison('crypto.getRandomValues') as typeof crypto.getRandomValues;
      for (const k of poisoned) g[k] = poison(k);
      dirty = run(text);
    } finally {
      Date.now = saved.dateNow;
      Math.random = saved.random;
      performance.now = saved.perfNow;
      crypto.getRandomValues = saved.getRandomValues;
      for (const k of poisoned) g[k] = saved.globals[k];
    }
    expect(dirty.passed).toBe(true);
    expect(dirty.jsonl).toBe(clean.jsonl);
  });
});

function run(text: string): { passed: boolean; jsonl: string } {
  const loaded = loadScenario(text, { file: 'hello-ioctl.yaml' });
  if (!loaded.ok) throw new Error('the lesson does not load');
  const { result, events } = runScenario(loaded.scenario);
  return { passed: result.passed, jsonl: renderJsonl(events, { scenarioHash: result.scenarioHash, seed: result.seed }) };
}
