import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@irpsim/core';
import * as driverModel from '@irpsim/driver-model';
import * as ioManager from '@irpsim/io-manager';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario, runScenario, type ScenarioResult } from '../src/index.ts';

/**
 * docs/writing-drivers.md promises one driver written twice — a ```ts block and an inline
 * driver in a ```yaml scenario — with the same observable behaviour. This test takes both
 * blocks from the page, runs the scenario with each, and compares what the programs saw.
 */
const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'writing-drivers.md'), 'utf8');

function block(language: 'ts' | 'yaml'): string {
  const blocks = [...DOC.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

/** Runs the TypeScript block as a module whose imports are the workspace packages; its exports. */
function evaluateModule(source: string): Record<string, unknown> {
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs' });
  const modules: Record<string, unknown> = { '@irpsim/core': core, '@irpsim/io-manager': ioManager, '@irpsim/driver-model': driverModel };
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string): unknown => {
    if (!(name in modules)) throw new Error(`the TypeScript block imports '${name}', which this test does not provide`);
    return modules[name];
  };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports;
}

/** What the programs can observe: every expectation, and every IRP's outcome and bytes across the boundary. */
function observed(text: string, catalogue?: ReadonlyMap<string, driverModel.DriverDefinition>) {
  const loaded = loadScenario(text, { file: 'writing-drivers.md', ...(catalogue === undefined ? {} : { catalogue }) });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  const { result, events } = runScenario(loaded.scenario);
  const irps = events.flatMap((e) => {
    const x = e as unknown as Record<string, unknown>;
    if (e.type === 'io.irp.complete') return [`complete IRP ${String(x['irp'])}: ${core.statusName(x['status'] as number)}, Information ${String(x['information'])}`];
    if (e.type === 'io.copy') return [`copy ${String(x['direction'])} IRP ${String(x['irp'])}: ${String(x['length'])} bytes ${String(x['bytes'])}`];
    if (e.type === 'syscall.exit') return [`${String(x['service'])} → ${core.statusName(x['status'] as number)}`];
    return [];
  });
  return { result, expectations: result.expectations.map((e) => `${e.passed ? '✓' : '✗'} ${e.description}: ${JSON.stringify(e.actual)}`), irps };
}

const failed = (r: ScenarioResult) => r.expectations.filter((e) => !e.passed).map((e) => e.description);

describe('docs/writing-drivers.md: one driver, in TypeScript and in YAML', () => {
  const yaml = block('yaml');
  const exports = evaluateModule(block('ts'));
  const doorbell = exports['doorbell'] as driverModel.DriverDefinition;
  // The same scenario, with the inline driver replaced by the TypeScript one.
  const withTs = yaml.replace(/^drivers:\n[\s\S]*?^processes:/m, 'drivers:\n  - use: doorbell\nprocesses:');

  it('the TypeScript block is fixtures/doorbell.ts, which tsc -b type-checks', () => {
    expect(block('ts')).toBe(readFileSync(join(import.meta.dirname, 'fixtures', 'doorbell.ts'), 'utf8'));
  });

  it('the TypeScript block defines the driver and its IOCTL codes', () => {
    expect(doorbell.name).toBe('doorbell');
    expect(doorbell.values).toEqual({ IOCTL_DOORBELL_WAIT: 0x222004, IOCTL_DOORBELL_RING: 0x222008 });
    expect(withTs).not.toBe(yaml);
    expect(withTs).toContain('- use: doorbell');
  });

  it('the YAML scenario passes with its inline driver, and with the TypeScript driver, seeing the same statuses and bytes', () => {
    const inline = observed(yaml);
    const typescript = observed(withTs, new Map([...driverModel.catalogue, ['doorbell', doorbell]]));
    expect(failed(inline.result)).toEqual([]);
    expect(failed(typescript.result)).toEqual([]);
    expect(inline.result.passed).toBe(true);
    expect(typescript.result.passed).toBe(true);
    expect(typescript.expectations).toEqual(inline.expectations);
    expect(typescript.irps).toEqual(inline.irps);
    // The story includes what the page says: the short buffer, the cancelled waiter, 'ding' copied back.
    expect(inline.irps).toEqual(expect.arrayContaining([expect.stringContaining('STATUS_BUFFER_TOO_SMALL'), expect.stringContaining('STATUS_CANCELLED'), expect.stringMatching(/^copy out IRP \d+: 4 bytes 64 69 6e 67$/)]));
  });

  it('the buggy twins the page names fail as it says', () => {
    const noTimer = observed(yaml.replace(/^ {8}- timer:\n.*\n.*\n/m, ''));
    expect(noTimer.result.passed).toBe(false);
    expect(noTimer.result.outcome).toBe('deadlock');
    const mismatch = observed(yaml.replace('      default: [{ complete: STATUS_INVALID_DEVICE_REQUEST }]', '      default: [{ complete: STATUS_INVALID_DEVICE_REQUEST }, { return: STATUS_SUCCESS }]'));
    expect(mismatch.result.outcome).toBe('bugcheck');
    expect(mismatch.result.bugcheck?.params[0]).toBe(0x224);
  });
});
