import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, renderText } from '../src/index.ts';

describe('narration', () => {
  it('names known numbers in call arguments, but never a handle value that happens to equal one', () => {
    const file = join(import.meta.dirname, '..', 'lessons', 'ipc-sync.yaml');
    const loaded = loadScenario(readFileSync(file, 'utf8'), { file: 'ipc-sync.yaml' });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const simulation = new Simulation(loaded.scenario);
    const result = simulation.run();
    // SLOT_SIZE is 16, and so is the value of one of the consumer's handles (0x10).
    const names = new Map([...loaded.scenario.values].map(([k, v]) => [v, k] as const));
    const text = renderText(result, simulation.events, { names });
    expect(text).toContain('WaitForSingleObject(handle 0x10, INFINITE)');
    expect(text).not.toMatch(/handle SLOT_SIZE|handle handle/);
  });
});
