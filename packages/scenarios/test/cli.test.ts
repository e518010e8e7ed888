import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'packages/scenarios/cli/irpsim.mjs');
const fixture = (name: string) => `packages/scenarios/test/fixtures/${name}`;

function irpsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON Schema of `run --format json`, taken from docs/cli.md so the two cannot drift. */
function outputSchema(): object {
  const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const block = /```json\n(\{\n  "\$schema"[\s\S]*?)\n```/.exec(doc);
  if (block === null) throw new Error('docs/cli.md has no JSON Schema block');
  return JSON.parse(block[1]!) as object;
}

describe('irpsim CLI contract (docs/cli.md)', () => {
  it('run LESSON: narrated text ending in the verdict, exit 0', () => {
    const r = irpsim('run', 'hello-ioctl');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NtDeviceIoControlFile — trap: user mode → kernel mode, PreviousMode = UserMode/);
    expect(r.stdout).toMatch(/Verdict: PASSED/);
  });

  it('run --format json prints one object that matches the JSON Schema in docs/cli.md', () => {
    const r = irpsim('run', 'hello-ioctl', '--format', 'json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(outputSchema());
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({ scenario: 'hello-ioctl', seed: 1, passed: true, outcome: 'completed', bugcheck: null });
  });

  it('run --format jsonl is byte-identical on two runs', () => {
    const a = irpsim('run', 'hello-ioctl', '--format', 'jsonl');
    const b = irpsim('run', 'hello-ioctl', '--format', 'jsonl');
    expect(a.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(b.stdout).toBe(a.stdout);
    const [header, first] = a.stdout.split('\n');
    expect(JSON.parse(header!)).toMatchObject({ schemaVersion: 1, seed: 1 });
    expect(Object.keys(JSON.parse(first!)).slice(0, 3)).toEqual(['seq', 't', 'type']);
  });

  it('a failed expectation exits 1, in JSON too', () => {
    const r = irpsim('run', fixture('wrong-expectation.yaml'), '--format', 'json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { passed: boolean; expectations: { passed: boolean; expected: unknown; actual: unknown }[] };
    expect(json.passed).toBe(false);
    expect(json.expectations.find((e) => !e.passed)).toMatchObject({ expected: '4', actual: '3' });
  });

  it('check on a malformed file prints file:line:col: error: … for every problem and exits 2', () => {
    const r = irpsim('check', fixture('malformed.yaml'));
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${fixture('malformed.yaml')}:3:1: error: unknown key 'procesess' (did you mean 'processes'?)`,
      expect.stringMatching(/malformed\.yaml:10:13: error: unknown action 'opne' \(did you mean 'open'\?\)$/),
      expect.stringMatching(/malformed\.yaml:11:20: error: unknown value 'IOCTL_HELLO_ECH0'/),
      expect.stringMatching(/malformed\.yaml:12:21: error: no handle named 'h'/),
    ]);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('check --format json gives the errors as data', () => {
    const r = irpsim('check', fixture('malformed.yaml'), '--format', 'json');
    expect(r.code).toBe(2);
    const { errors } = JSON.parse(r.stdout) as { errors: { file: string; line: number; col: number; message: string; hint: string | null }[] };
    expect(errors[0]).toEqual({ file: fixture('malformed.yaml'), line: 3, col: 1, message: "unknown key 'procesess'", hint: "did you mean 'processes'?" });
  });

  it('a missing file, an unknown lesson and a bad option exit 2 with a position', () => {
    const missing = irpsim('run', 'no/such/file.yaml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('no/such/file.yaml:1:1: error: no such file: no/such/file.yaml\n');
    const lesson = irpsim('run', 'hello-ioct');
    expect(lesson.code).toBe(2);
    expect(lesson.stderr).toMatch(/^hello-ioct:1:1: error: no lesson named 'hello-ioct' \(did you mean 'hello-ioctl'\?\)/);
    const option = irpsim('run', 'hello-ioctl', '--sed', '3');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^<command line>:1:17: error: unknown option '--sed'/);
  });

  it('a TypeScript scenario runs, and one whose driver loops forever ends with exit 4 and a report', () => {
    const ok = irpsim('run', fixture('echo-twice.ts'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ echo three: three/);
    const r = irpsim('run', fixture('loops-forever.ts'), '--seed', '7', '--timeout', '3');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/did not finish within 3 s/);
    expect(r.stderr).toMatch(/seed 7/);
    expect(r.stderr).toContain(`reproduce: npx irpsim run ${fixture('loops-forever.ts')} --seed 7 --timeout 6`);
  });

  it('a bad option value is reported at the column of the value', () => {
    const seed = irpsim('run', 'hello-ioctl', '--seed', 'x');
    expect(seed.code).toBe(2);
    expect(seed.stderr).toBe("<command line>:1:24: error: --seed must be an integer from 0 to 4294967295, not 'x' (irpsim --help shows the usage)\n");
    const inline = irpsim('run', 'hello-ioctl', '--strategy=best');
    expect(inline.stderr).toMatch(/^<command line>:1:28: error: --strategy must be one of random, first-come/);
  });

  it('a TypeScript scenario runs under a package.json without "type": "module" too', () => {
    const r = irpsim('run', fixture('commonjs/echo-once.ts'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ echo once: once/);
  });

  it('a TypeScript scenario outside the repository gets a positioned error at the import Node cannot resolve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irpsim-'));
    try {
      const file = join(dir, 'outside.ts');
      writeFileSync(file, "// far from node_modules\nimport { defineScenario } from '@irpsim/scenarios';\nexport default defineScenario({ name: 'x', description: 'x', drivers: [], processes: [] });\n");
      const r = irpsim('run', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `${file}:2:32: error: cannot import '@irpsim/scenarios' from this file: Node looks for packages in the node_modules folders above the file, and none of them holds the irpsim packages (keep TypeScript scenarios inside the irpsim repository, in any folder, or in a project that depends on the @irpsim packages)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('list prints lessons and drivers as name  description, no header', () => {
    const lessons = irpsim('list');
    expect(lessons.code).toBe(0);
    const lines = lessons.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^hello-ioctl {2}One METHOD_BUFFERED IOCTL/));
    expect(lines).toContainEqual(expect.stringMatching(/^ioctl-methods {2}The four IOCTL transfer methods/));
    const drivers = irpsim('list', '--drivers', '--format', 'json');
    expect(JSON.parse(drivers.stdout)).toContainEqual({ name: 'hello', description: expect.stringContaining('Echo device') });
  });
});
