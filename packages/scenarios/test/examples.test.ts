import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulation, renderText } from '../src/index.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const lesson = (name: string) => readFileSync(join(ROOT, 'packages/scenarios/lessons', `${name}.yaml`), 'utf8');
const nodeImport = /\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(\s*["']node:/;

/** The narration Node gives for a lesson, to compare the examples' output with. */
function narration(name: string): { text: string; passed: boolean } {
  const simulation = createSimulation(lesson(name), { file: `${name}.yaml` });
  const result = simulation.run();
  return { text: renderText(result, simulation.events), passed: result.passed };
}

describe('examples/ (docs/api.md)', () => {
  const out = mkdtempSync(join(tmpdir(), 'irpsim-browser-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('examples/browser builds with Vite; no bundle imports a Node module; the worker bundle runs a lesson in a bare realm as Node does', async () => {
    await build({
      root: join(ROOT, 'examples/browser'),
      configFile: false,
      logLevel: 'silent',
      build: { outDir: out, emptyOutDir: true, minify: false, reportCompressedSize: false },
    });
    const assets = readdirSync(join(out, 'assets'));
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/<script type="module"[^>]*src="\/assets\/index-[\w-]+\.js"/);
    const worker = assets.find((f) => /^worker-[\w-]+\.js$/.test(f));
    expect(worker, assets.join(', ')).toBeDefined();
    for (const file of assets.filter((f) => f.endsWith('.js'))) expect(readFileSync(join(out, 'assets', file), 'utf8'), file).not.toMatch(nodeImport);
    const page = readFileSync(join(out, 'assets', assets.find((f) => f.startsWith('index-'))!), 'utf8');
    expect(page).toContain('name: ioctl-methods'); // the lessons are bundled as text

    // The worker in a realm with no Node globals and no timers, as in a browser worker.
    const posted: { type: string; passed?: boolean; text?: string }[] = [];
    const scope: { onmessage: ((e: { data: unknown }) => void) | null; postMessage(m: unknown): void } = { onmessage: null, postMessage: (m) => posted.push(m as never) };
    const context = createContext({ self: scope });
    for (const name of ['process', 'Buffer', 'require', 'setTimeout']) expect(runInContext(`typeof ${name}`, context)).toBe('undefined');
    runInContext(readFileSync(join(out, 'assets', worker!), 'utf8'), context);
    expect(scope.onmessage).toBeTypeOf('function');
    scope.onmessage!({ data: { type: 'run', file: 'ioctl-methods.yaml', yaml: lesson('ioctl-methods') } });
    const done = posted.find((m) => m.type === 'done');
    expect(done?.passed).toBe(true);
    expect(done?.text).toBe(narration('ioctl-methods').text);
    scope.onmessage!({ data: { type: 'run', file: 'bad.yaml', yaml: 'name: bad\n' } });
    expect(posted.at(-1)).toEqual({ type: 'invalid', errors: expect.stringMatching(/^bad\.yaml:1:1: error: /) });
  });

  it('examples/node/runLesson.ts runs a lesson with tsx: the narration, then what stepping saw; exit 0', () => {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/node/runLesson.ts'), 'hello-ioctl'], { cwd: ROOT, encoding: 'utf8' });
    const { text } = narration('hello-ioctl');
    expect(stdout.startsWith(text)).toBe(true);
    expect(stdout.slice(text.length)).toMatch(/^\nstepped \d+ steps · at most 1 IRP in flight · \d+ state changes recorded\n$/);
  });
});
