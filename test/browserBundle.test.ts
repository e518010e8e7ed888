import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { fnv1a64 } from '@irpsim/core';
import { loadScenario, renderJsonl, runScenario } from '@irpsim/scenarios';
import { describe, expect, it } from 'vitest';
import { ROOT } from './sources.ts';

/**
 * The library packages bundle for the browser platform (a Node import would fail the
 * build), and the bundle runs a lesson in a bare JavaScript realm with no Node globals —
 * no process, Buffer, TextEncoder, URL or timers — giving the same trace as Node.
 */
describe('browser bundle', () => {
  it('bundles for the browser and runs hello-ioctl in a bare vm context with the same trace hash as Node', async () => {
    const bundle = await build({
      entryPoints: [join(ROOT, 'packages/scenarios/src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'irpsim',
      write: false,
      logLevel: 'silent',
      target: 'es2022',
    });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/\brequire\(["']node:/);

    const text = readFileSync(join(ROOT, 'packages/scenarios/lessons/hello-ioctl.yaml'), 'utf8');
    const context = createContext({ lessonText: text });
    for (const name of ['process', 'Buffer', 'TextEncoder', 'setTimeout', 'require', 'URL', 'structuredClone']) {
      expect(runInContext(`typeof ${name}`, context)).toBe('undefined');
    }
    runInContext(code, context);
    const browserJsonl = runInContext(
      `(() => {
        const loaded = irpsim.loadScenario(lessonText, { file: 'hello-ioctl.yaml' });
        if (!loaded.ok) throw new Error('load failed');
        const { result, events } = irpsim.runScenario(loaded.scenario);
        if (!result.passed) throw new Error('the lesson failed in the bundle');
        return irpsim.renderJsonl(events, { scenarioHash: result.scenarioHash, seed: result.seed });
      })()`,
      context,
    ) as string;

    const loaded = loadScenario(text, { file: 'hello-ioctl.yaml' });
    if (!loaded.ok) throw new Error('load failed');
    const { result, events } = runScenario(loaded.scenario);
    const nodeJsonl = renderJsonl(events, { scenarioHash: result.scenarioHash, seed: result.seed });
    expect(fnv1a64(browserJsonl)).toBe(fnv1a64(nodeJsonl));
    expect(browserJsonl).toBe(nodeJsonl);
  });
});
