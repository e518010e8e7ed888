import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES, ROOT, codeOf, importsOf, rel, tsFiles } from './sources.ts';

/**
 * Library sources stay deterministic and browser-safe: no Node built-ins, no wall clock,
 * no ambient randomness, no timers or microtask queue (design.md §3). The CLI in
 * packages/scenarios/cli, the benchmarks and the tests are exempt.
 */
const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\b/, 'Date.now'],
  [/\bnew Date\b/, 'new Date'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\b(setTimeout|setInterval|clearTimeout|clearInterval)\b/, 'timers'],
  [/\bqueueMicrotask\b/, 'queueMicrotask'],
  [/\bsetImmediate\b/, 'setImmediate'],
  [/\bgetRandomValues\b/, 'crypto.getRandomValues'],
  [/(?<!['"\w.])process\.(env|argv|exit|stdout|stderr|hrtime)\b/, 'process'],
  [/\brequire\(/, 'require'],
];

const NODE_BUILTINS = /^(node:|fs$|path$|os$|url$|crypto$|worker_threads$|child_process$|util$|events$|stream$|buffer$)/;

describe('library sources are deterministic and browser-safe', () => {
  const files = PACKAGES.flatMap((p) => tsFiles(join(ROOT, 'packages', p, 'src')));

  it('there are library sources to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('no library source imports a Node built-in', () => {
    const bad = files.flatMap((f) => importsOf(f).filter((s) => NODE_BUILTINS.test(s)).map((s) => `${rel(f)}: ${s}`));
    expect(bad).toEqual([]);
  });

  for (const [pattern, what] of FORBIDDEN) {
    it(`no library source uses ${what}`, () => {
      const bad = files.filter((f) => pattern.test(codeOf(f))).map(rel);
      expect(bad).toEqual([]);
    });
  }
});
