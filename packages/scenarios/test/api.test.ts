import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as core from '@irpsim/core';
import * as driverModel from '@irpsim/driver-model';
import * as ioManager from '@irpsim/io-manager';
import { transformSync } from 'esbuild';
import * as immer from 'immer';
import { describe, expect, it } from 'vitest';
import * as scenarios from '../src/index.ts';
import { IRP_PAGE_SIZE, applyPatches, createSimulation, irpOf, irpsOf, parseSnapshot, parseTrace, renderJsonl, runScenario, serializeSnapshot, serializeTrace, ScenarioLoadError, type Snapshot } from '../src/index.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const lesson = (name: string) => fs.readFileSync(join(ROOT, 'packages/scenarios/lessons', `${name}.yaml`), 'utf8');

/** The ```ts blocks of a page whose first line is `// example: NAME`. */
export function tsExamples(markdown: string): { name: string; line: number; code: string }[] {
  const out: { name: string; line: number; code: string }[] = [];
  const fence = /^```ts[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const name = /^\/\/ example: ([A-Za-z0-9_-]+)\s*$/.exec(m[1]!.split('\n')[0] ?? '')?.[1];
    if (name !== undefined) out.push({ name, line: markdown.slice(0, m.index).split('\n').length + 1, code: m[1]! });
  }
  return out;
}

/**
 * Runs a TypeScript example as the page shows it: esbuild strips the types and turns its
 * imports into require calls, answered with the packages themselves (relative file paths
 * resolve from the repository root, where the page says to run them).
 */
function runExample(code: string): void {
  const modules: Record<string, unknown> = {
    '@irpsim/scenarios': scenarios,
    '@irpsim/core': core,
    '@irpsim/io-manager': ioManager,
    '@irpsim/driver-model': driverModel,
    immer,
    'node:fs': { ...fs, readFileSync: (path: string, ...rest: [BufferEncoding]) => fs.readFileSync(isAbsolute(path) ? path : join(ROOT, path), ...rest) },
  };
  const js = transformSync(code, { loader: 'ts', format: 'cjs', target: 'es2022' }).code;
  const require = (name: string): unknown => {
    if (!(name in modules)) throw new Error(`the example imports ${name}, which the test does not provide`);
    return modules[name];
  };
  new Function('require', 'assert', js)(require, assert);
}

describe('docs/api.md: every example runs', () => {
  const markdown = fs.readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const examples = tsExamples(markdown);

  it('finds the examples: every ts block is one', () => {
    expect(examples.map((e) => e.name)).toEqual(['create', 'step', 'subscribe', 'inspect', 'snapshot', 'serialise', 'report']);
    expect(markdown.match(/^```ts/gm)?.length).toBe(examples.length);
  });

  for (const example of examples) {
    it(`${example.name} (docs/api.md:${example.line})`, () => runExample(example.code));
  }

  it('an example that fails its assertion fails the test', () => {
    expect(() => runExample("// example: x\nimport { createSimulation } from '@irpsim/scenarios';\nassert.equal(typeof createSimulation, 'string');\n")).toThrow();
  });
});

describe('the library API: laws over whole runs', () => {
  it('observing never changes a run: stepping, subscribing and snapshotting give the same trace as run()', () => {
    for (const name of ['ioctl-methods', 'completion-routines']) {
      const plain = runScenario(createSimulation(lesson(name)).spec);
      const seen: core.TraceEvent[] = [];
      const late: core.TraceEvent[] = [];
      const observed = createSimulation(lesson(name), { patches: true, listener: (e) => seen.push(e) });
      observed.subscribe((e) => late.push(e));
      while (observed.step()) observed.snapshot();
      const header = { scenarioHash: plain.result.scenarioHash, seed: plain.result.seed };
      expect(renderJsonl(observed.events, header)).toBe(renderJsonl(plain.events, header));
      expect(serializeTrace(seen)).toBe(serializeTrace(observed.events));
      expect(serializeTrace(late)).toBe(serializeTrace(observed.events.slice(observed.events.length - late.length))); // from the first step on
      expect(observed.result()).toEqual(plain.result);
    }
  });

  it('patches: applying each snapshot’s patches to the one before gives it, inverse patches undo them, unchanged records are shared', () => {
    const simulation = createSimulation(lesson('completion-routines'), { patches: true });
    let previous: Snapshot = simulation.snapshot();
    expect(previous.patches).toBeNull();
    let shared = 0;
    while (simulation.step()) {
      const next = simulation.snapshot();
      expect(next.state).toEqual(simulation.inspect());
      expect(applyPatches(previous.state, next.patches!)).toEqual(next.state);
      expect(applyPatches(next.state, next.inversePatches!)).toEqual(previous.state);
      expect(Object.isFrozen(next.state.irps)).toBe(true);
      for (const irp of irpsOf(next.state)) {
        expect(Object.isFrozen(irp)).toBe(true);
        const before = irpOf(previous.state, irp.id);
        const touched = next.patches!.some((p) => p.path[0] === 'irps' && (p.path.length <= 2 || p.path[2] === irp.id % IRP_PAGE_SIZE));
        if (!touched && before !== undefined) {
          expect(irp).toBe(before);
          shared++;
        }
      }
      previous = next;
    }
    expect(shared).toBeGreaterThan(0);
  });

  it('without the patches option a snapshot carries none, and the state equals inspect()', () => {
    const simulation = createSimulation(lesson('hello-ioctl'));
    simulation.runTo(30);
    const snapshot = simulation.snapshot();
    expect(snapshot.patches).toBeNull();
    expect(snapshot.state).toEqual(simulation.inspect());
    expect(snapshot.state.seq).toBe(simulation.seq);
  });

  it('runTo(seq) stops at the first step that emitted event seq', () => {
    const all = createSimulation(lesson('ioctl-methods'));
    all.run();
    for (const seq of [1, 57, 150]) {
      const simulation = createSimulation(lesson('ioctl-methods'));
      expect(simulation.runTo(seq)).toBe(true);
      const at = simulation.seq;
      expect(at).toBeGreaterThanOrEqual(seq);
      expect(simulation.events.slice(0, at)).toEqual(all.events.slice(0, at));
    }
    const short = createSimulation(lesson('hello-ioctl'));
    expect(short.runTo(1_000_000)).toBe(false);
    expect(short.done).toBe(true);
  });

  it('serialised traces and snapshots read back equal, for every lesson', () => {
    for (const file of fs.readdirSync(join(ROOT, 'packages/scenarios/lessons')).filter((f) => f.endsWith('.yaml'))) {
      const simulation = createSimulation(fs.readFileSync(join(ROOT, 'packages/scenarios/lessons', file), 'utf8'), { file });
      const result = simulation.run();
      expect(parseTrace(serializeTrace(simulation.events))).toEqual(simulation.events);
      expect(parseTrace(renderJsonl(simulation.events, result))).toEqual(simulation.events);
      const snapshot = simulation.snapshot();
      expect(parseSnapshot(serializeSnapshot(snapshot))).toEqual(snapshot);
    }
  });

  it('bad YAML throws a ScenarioLoadError with every positioned problem; loadScenario gives them as data', () => {
    const text = 'name: Bad Name\ndescription: x\nprocesses:\n  - name: app\n    threads: []\n';
    const loaded = scenarios.loadScenario(text, { file: 'bad.yaml' });
    expect(loaded.ok).toBe(false);
    let thrown: unknown = null;
    try {
      createSimulation(text, { file: 'bad.yaml' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScenarioLoadError);
    expect((thrown as ScenarioLoadError).errors).toEqual(loaded.ok ? [] : loaded.errors);
    expect((thrown as Error).message.split('\n')).toEqual((loaded.ok ? [] : loaded.errors).map(scenarios.formatLoadError));
  });
});
