import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES, ROOT, importsOf, rel, tsFiles, type PackageName } from './sources.ts';

/** core ← io-manager ← driver-model ← scenarios: who may import whom. */
const ALLOWED: Record<PackageName, PackageName[]> = {
  core: [],
  'io-manager': ['core'],
  'driver-model': ['core', 'io-manager'],
  scenarios: ['core', 'io-manager', 'driver-model'],
};

function workspaceImports(file: string): PackageName[] {
  return importsOf(file)
    .filter((s) => s.startsWith('@irpsim/'))
    .map((s) => s.slice('@irpsim/'.length).split('/')[0] as PackageName);
}

describe('layering: a package never imports one above it', () => {
  for (const pkg of PACKAGES) {
    it(`${pkg}: sources and tests import only ${ALLOWED[pkg].join(', ') || 'nothing of ours'}`, () => {
      const dirs = [join(ROOT, 'packages', pkg, 'src'), join(ROOT, 'packages', pkg, 'test')];
      const bad: string[] = [];
      for (const file of dirs.flatMap(tsFiles)) {
        for (const used of workspaceImports(file)) {
          if (used !== pkg && !ALLOWED[pkg].includes(used)) bad.push(`${rel(file)} imports @irpsim/${used}`);
        }
        for (const s of importsOf(file)) {
          if (s.startsWith('.') && s.includes(`/packages/`)) bad.push(`${rel(file)} reaches into another package by path: ${s}`);
          if (/^\.\.\/\.\.\/(core|io-manager|driver-model|scenarios)\//.test(s)) bad.push(`${rel(file)} reaches into another package by path: ${s}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it(`${pkg}: package.json dependencies and tsconfig references mirror the layering`, () => {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const deps = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@irpsim/'))
        .map((d) => d.slice(8))
        .sort();
      expect(deps).toEqual([...ALLOWED[pkg]].sort());
      const tsconfig = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] };
      const refs = (tsconfig.references ?? []).map((r) => r.path.replace('../', '')).sort();
      expect(refs).toEqual([...ALLOWED[pkg]].sort());
    });
  }

  it('each package has one entry point with an explicit export list (no export *)', () => {
    for (const pkg of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { exports: Record<string, string> };
      expect(manifest.exports).toEqual({ '.': './src/index.ts' });
      const index = readFileSync(join(ROOT, 'packages', pkg, 'src', 'index.ts'), 'utf8');
      expect(index).not.toMatch(/export \*/);
    }
  });
});
