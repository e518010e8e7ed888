import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario } from '../src/index.ts';

const load = (text: string) => loadScenario(text, { file: 's.yaml' });
const errorsOf = (text: string) => {
  const r = load(text);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatLoadError);
};

const VALID = `name: ok
description: A valid scenario
drivers:
  - use: hello
processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\Hello'
            as: h
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: hi }
            output: { size: 4 }
          - close: h
`;

describe('scenario loader', () => {
  it('loads a valid scenario', () => {
    const r = load(VALID);
    expect(r.ok).toBe(true);
  });

  it('the hash ignores comments and formatting but not content', () => {
    const a = load(VALID);
    const b = load(VALID.replace('description: A valid scenario', '# a comment\ndescription:    "A valid scenario"'));
    const c = load(VALID.replace('text: hi', 'text: ho'));
    if (!a.ok || !b.ok || !c.ok) throw new Error('load failed');
    expect(b.scenario.hash).toBe(a.scenario.hash);
    expect(c.scenario.hash).not.toBe(a.scenario.hash);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(errorsOf('name: x\ndescription: [unclosed\n')).toEqual([expect.stringMatching(/^s\.yaml:\d+:\d+: error: /)]);
  });

  it('reports an empty file', () => {
    expect(errorsOf('')).toEqual(['s.yaml:1:1: error: the file is empty (a scenario needs at least name, description and processes)']);
  });

  it('reports missing keys at the map that lacks them', () => {
    expect(errorsOf('name: x\n')).toEqual([
      "s.yaml:1:1: error: missing required key 'description'",
      "s.yaml:1:1: error: missing required key 'processes'",
    ]);
  });

  it('reports unknown keys with a did-you-mean, anywhere', () => {
    const errors = errorsOf(VALID.replace('            as: h', '            as: h\n            acess: 0'));
    expect(errors).toEqual(["s.yaml:12:13: error: unknown key 'acess' (did you mean 'access'?)"]);
  });

  it('reports wrong types and enum values', () => {
    const errors = errorsOf(VALID.replace('name: ok', 'name: ok\nseed: ten\nmachine: { verifier: enhancd }'));
    expect(errors).toEqual([
      "s.yaml:2:7: error: expected integer, found the text 'ten'",
      "s.yaml:3:22: error: 'enhancd' is not one of off, standard, enhanced (did you mean 'enhanced'?)",
    ]);
  });

  it('IO-3.10 reports a kernel-ioctl outside a kernel: true thread (no action is planned any more)', () => {
    const errors = errorsOf(VALID.replace('          - close: h', "          - { kernel-ioctl: IOCTL_HELLO_ECHO, device: '\\Device\\Hello' }"));
    expect(errors).toEqual(["s.yaml:16:29: error: kernel-ioctl runs in a system thread: declare its thread with 'kernel: true' in the process 'System'"]);
  });

  it('reports unknown drivers, values and handles, all at once', () => {
    const errors = errorsOf(
      VALID.replace('use: hello', 'use: helo').replace('handle: h', 'handle: g').replace('IOCTL_HELLO_ECHO', 'IOCTL_HELLO_ECHO | NOPE'),
    );
    expect(errors).toEqual([
      "s.yaml:4:10: error: no driver 'helo' in the catalogue (did you mean 'hello'?)",
      expect.stringMatching(/^s\.yaml:12:20: error: unknown value 'IOCTL_HELLO_ECHO'/),
      "s.yaml:13:21: error: no handle named 'g' in this process: name one with 'as:' on an action that returns a handle (did you mean 'h'?)",
    ]);
  });

  it('never throws, always returns positioned errors, and never hangs (fuzzed text and mutated scenarios)', () => {
    const mutated = fc
      .tuple(fc.nat(VALID.length), fc.nat(20), fc.string({ maxLength: 12 }))
      .map(([at, cut, insert]) => VALID.slice(0, at) + insert + VALID.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), (text) => {
        const r = load(text);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.col).toBeGreaterThanOrEqual(1);
            expect(e.message).not.toMatch(/irpsim could not load this file/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
