import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const PACKAGES = ['core', 'io-manager', 'driver-model', 'scenarios'] as const;
export type PackageName = (typeof PACKAGES)[number];

/** Every .ts file under a directory. */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'dist') out.push(...tsFiles(path));
    } else if (/\.(ts|mts|mjs)$/.test(entry)) {
      out.push(path);
    }
  }
  return out;
}

/** The module specifiers a file imports (static, dynamic, re-exports). */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\s)import\s+['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

/** Source text without comments (so rules are not tripped by prose). */
export function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export const rel = (file: string): string => relative(ROOT, file);
