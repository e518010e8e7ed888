import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADVERSARY_MODES } from '@irpsim/io-manager';
import { defineScenario, formatLoadError, loadScenario, runScenario } from '../src/index.ts';
import echoTwice from './fixtures/echo-twice.ts';

const HELLO = readFileSync(join(import.meta.dirname, '..', 'lessons', 'hello-ioctl.yaml'), 'utf8');

/** hello-ioctl with an `invariants:` section appended (its last lines stay where they are). */
function withInvariants(section: string) {
  return loadScenario(`${HELLO}\ninvariants:\n${section}`, { file: 'hello.yaml' });
}

function run(section: string) {
  const loaded = withInvariants(section);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  return runScenario(loaded.scenario, { record: false }).result;
}

/** The line of the first invariant is this + 2 (HELLO ends with a newline, then a blank line and `invariants:`). */
const helloLines = HELLO.split('\n').length;

describe('scenario-declared invariants (docs/scenario-format.md "Invariants", issue 6)', () => {
  it('a count that holds is silent; one that does not is a violation under its id, and the run fails', () => {
    const ok = run('  - count: io.irp.complete\n    per: irp\n    at-most: 1\n    id: complete-once\n');
    expect(ok.violations).toEqual([]);
    expect(ok.passed).toBe(true);
    const broken = run('  - count: { type: io.irp.call, where: { caller: null } }\n    at-most: 2\n');
    expect(broken.violations.map((v) => [v.check, v.message])).toEqual([['invariant-1', 'io.irp.call occurred 3 times: at most 2 allowed']]);
    expect(broken.passed).toBe(false);
  });

  it('at-least is judged at quiescence, per group', () => {
    expect(run('  - count: io.irp.complete\n    at-least: 3\n').violations).toEqual([]);
    expect(run('  - count: io.irp.complete\n    per: irp\n    at-least: 2\n').violations.map((v) => v.check)).toEqual(['invariant-1', 'invariant-1', 'invariant-1', 'invariant-1']);
  });

  it('before: every B comes after an A of its group', () => {
    expect(run('  - before: [io.irp.call, io.irp.complete]\n    per: irp\n').violations).toEqual([]);
    const v = run('  - before: [io.irp.complete, io.irp.call]\n    per: irp\n    id: backwards\n').violations;
    expect(v.length).toBe(4);
    expect(v[0]!.message).toMatch(/^io\.irp\.call for irp \d+ came before any io\.irp\.complete$/);
  });

  it('eventually: every `after` event is followed by the event (per group); without after, the event happens at all', () => {
    expect(run('  - eventually: io.irp.complete\n    after: io.irp.call\n    per: irp\n').violations).toEqual([]);
    expect(run('  - eventually: io.irp.cancel\n').violations.map((v) => v.message)).toEqual(['no io.irp.cancel occurred by the end of the run']);
    expect(run('  - eventually: io.irp.cancel\n    after: io.irp.call\n    per: irp\n').violations.length).toBe(4);
  });

  it('loader errors are positioned: unknown event, none or two kinds, bounds in the wrong place, duplicate ids', () => {
    const errors = (section: string) => {
      const loaded = withInvariants(section);
      return loaded.ok ? [] : loaded.errors.map(formatLoadError);
    };
    expect(errors('  - count: io.irp.completed\n    at-most: 1\n')).toEqual([
      `hello.yaml:${helloLines + 2}:12: error: no trace event 'io.irp.completed' (did you mean 'io.irp.complete'?)`,
    ]);
    expect(errors('  - per: irp\n')[0]).toMatch(new RegExp(`^hello\\.yaml:${helloLines + 2}:\\d+: error: an invariant needs one of count, before, eventually`));
    expect(errors('  - count: io.irp.call\n    eventually: io.irp.complete\n')[0]).toContain('give one of count, before, eventually, not count and eventually');
    expect(errors('  - count: io.irp.call\n')[0]).toContain('a count needs at-most or at-least');
    expect(errors('  - eventually: io.irp.call\n    at-most: 1\n')[0]).toContain(`hello.yaml:${helloLines + 3}:14: error: 'at-most' goes with count`);
    expect(errors('  - count: io.irp.call\n    at-most: 1\n    id: x\n  - count: io.irp.call\n    at-most: 1\n    id: x\n')[0]).toContain("two invariants have the id 'x'");
    // Malformed entries get the schema's positioned error, never a crash of the compile pass.
    expect(errors('  - before: [io.irp.call]\n')).toEqual([`hello.yaml:${helloLines + 2}:13: error: 'before' must NOT have fewer than 2 items`]);
    expect(errors('  - eventually: { where: {} }\n')[0]).toContain("missing required key 'type'");
  });
});

describe('the adversaries machine setting', () => {
  it('adversaries: all switches every mode on, and the run is judged clean-or-not (expectations are not evaluated)', () => {
    const loaded = loadScenario(HELLO.replace('seed: 1\n', 'seed: 1\nmachine: { adversaries: all }\n'), { file: 'hello.yaml' });
    if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
    expect(loaded.scenario.machine.adversaries).toEqual(ADVERSARY_MODES);
    const result = runScenario(loaded.scenario, { record: false }).result;
    expect(result.expectations.map((e) => e.description)).toEqual(['adversaries: no bug check', 'adversaries: no violation']);
    expect(result.passed).toBe(true);
  });

  it('a list keeps the modes named; an unknown one is a positioned error', () => {
    const loaded = loadScenario(HELLO.replace('seed: 1\n', 'seed: 1\nmachine:\n  adversaries: [inject-cancel]\n'), { file: 'hello.yaml' });
    expect(loaded.ok && loaded.scenario.machine.adversaries).toEqual(['inject-cancel']);
    const bad = loadScenario(HELLO.replace('seed: 1\n', 'seed: 1\nmachine:\n  adversaries: [force-pend]\n'), { file: 'hello.yaml' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(formatLoadError(bad.errors[0]!)).toMatch(/^hello\.yaml:6:\d+: error: /);
  });

  it('the run option overrides the scenario: adversaries false runs with none', () => {
    const loaded = loadScenario(HELLO.replace('seed: 1\n', 'seed: 1\nmachine: { adversaries: all }\n'), { file: 'hello.yaml' });
    if (!loaded.ok) throw new Error('does not load');
    const result = runScenario(loaded.scenario, { record: false, adversaries: false }).result;
    expect(result.expectations.some((e) => e.description.startsWith('adversaries'))).toBe(false);
  });
});

describe('invariants in a TypeScript scenario', () => {
  it('defineScenario takes the loaded form; a broken one is a violation, and the fingerprint changes with it', () => {
    const at = (atMost: number) =>
      defineScenario({
        name: echoTwice.name,
        description: echoTwice.description,
        drivers: echoTwice.drivers,
        processes: echoTwice.processes.map((p) => ({ name: p.name, threads: p.threads.map((t) => ({ name: t.name, run: t.run })) })),
        invariants: [{ kind: 'count', id: 'calls', name: 'few calls', per: null, event: { type: 'io.irp.call', where: new Map([['caller', null]]) }, atMost, atLeast: null }],
      });
    expect(runScenario(at(5), { record: false }).result.violations).toEqual([]); // CREATE, two IOCTLs, CLEANUP, CLOSE
    expect(runScenario(at(4), { record: false }).result.violations.map((v) => v.check)).toEqual(['calls']);
    expect(at(3).hash).not.toBe(at(4).hash);
  });
});

