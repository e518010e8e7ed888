import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInput } from '../cli/loadInput.ts';
import { Simulation, driverModules, loadScenario } from '../src/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'driver-module');

/** A scenario file in a fresh folder beside nothing but what the test writes there. */
function scenarioIn(files: Record<string, string>): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'irpsim-module-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { path: join(dir, 'scenario.yaml'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const USES = (entry: string) => `name: uses-module
description: x
drivers:
${entry}
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Doorbell', as: bell, expect: { handle: valid } }
`;

describe('drivers: - module: (docs/scenario-format.md §3.6)', () => {
  it('the CLI imports the module relative to the scenario file; its driver and named values work as a catalogue driver', async () => {
    const input = await loadInput(join(FIXTURES, 'doorbell-module.yaml'));
    if (!input.ok) throw new Error(input.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
    expect(input.spec.drivers.map((d) => d.serviceName)).toEqual(['Doorbell']);
    expect(input.spec.values.get('IOCTL_DOORBELL_WAIT')).toBe(0x222004);
    const result = new Simulation(input.spec).run();
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it('YAML never runs code: the library loader, given no modules, refuses the entry at its line', () => {
    const r = loadScenario(USES('  - module: ./bell.ts'), { file: 's.yaml' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.col, e.message])).toEqual([[4, 13, "the driver module './bell.ts' was not loaded"]]);
  });

  it('driverModules lists what the CLI must import, with positions', () => {
    expect(driverModules(USES('  - use: hello\n  - module: ./a.ts\n  - { module: ../b.mts, export: b }'))).toEqual([
      { module: './a.ts', line: 5, col: 13 },
      { module: '../b.mts', line: 6, col: 15 },
    ]);
  });

  it('a missing file, an export that is not a driver and a misnamed export are positioned errors, all at once', async () => {
    const s = scenarioIn({
      'scenario.yaml': USES(`  - module: ./nowhere.ts\n  - module: ${join(FIXTURES, 'not-a-driver.ts')}\n  - module: ${join(FIXTURES, 'bell.ts')}\n    export: bell\n  - module: ./x.ts\n    use: hello`),
      'x.ts': 'export default 1;\n',
    });
    try {
      const input = await loadInput(s.path);
      expect(input.ok).toBe(false);
      if (input.ok) return;
      expect(input.errors.map((e) => [e.line, e.message.replace(/:.*/, ''), e.hint?.slice(0, 40) ?? null])).toEqual([
        [4, 'no such driver module', "a module's path is relative to the scena"],
        [5, expect.stringContaining('has no default export that is a driver'), 'export default defineDriver({ … })'],
        [7, expect.stringContaining("exports no driver named 'bell'"), 'its drivers: export: default'],
        [8, "'./x.ts' has no default export that is a driver", 'export default defineDriver({ … })'],
        [9, "unknown key 'use'", 'expected one of: module, export'],
      ]);
    } finally {
      s.cleanup();
    }
  });

  it('the module path must name a script', () => {
    const r = loadScenario(USES('  - module: ./bell.yaml'), { file: 's.yaml', modules: new Map() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 4 });
  });
});
