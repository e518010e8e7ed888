import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_YET_TESTED } from './ruleCoveragePending.ts';
import { PACKAGES, ROOT, rel, tsFiles } from './sources.ts';

const VENDORED = join(ROOT, 'docs', 'reference', 'io-semantics.md');
const UPSTREAM = join(ROOT, '..', 'shared', 'reference', 'io-semantics.md');

/** Rules that are out of scope, with the reason (the [io-manager] issue allows only these two). */
const OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  'IO-3.11': 'fast I/O is a file-system-driver path that bypasses IRPs; irpsim models IRP-based I/O only',
  'IO-7.18': 'volume queries need a file system, which irpsim does not simulate',
};

/** Every rule id of the vendored rule book, in order. */
function ruleIds(): string[] {
  return [...readFileSync(VENDORED, 'utf8').matchAll(/^\*\*(IO-\d+\.\d+)/gm)].map((m) => m[1]!);
}

/** Rule ids a test names: the ids at the start of an `it(...)` title. */
function testedIds(): Map<string, string> {
  const found = new Map<string, string>();
  const files = [...PACKAGES.map((p) => join(ROOT, 'packages', p, 'test')), join(ROOT, 'test')].flatMap(tsFiles);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bit\(\s*['"`]((?:(?:IO|VO)-[A-Z]?\d+(?:\.\d+)?[ ,]+)+)/g)) {
      for (const id of m[1]!.match(/IO-\d+\.\d+/g) ?? []) if (!found.has(id)) found.set(id, rel(file));
    }
  }
  return found;
}

describe('the rule book (docs/reference/io-semantics.md)', () => {
  it('is the vendored copy of ../shared/reference/io-semantics.md (a notice, never a failure, when they differ)', () => {
    expect(existsSync(VENDORED)).toBe(true);
    if (existsSync(UPSTREAM) && readFileSync(UPSTREAM, 'utf8') !== readFileSync(VENDORED, 'utf8')) {
      console.info('notice: ../shared/reference/io-semantics.md differs from docs/reference/io-semantics.md; bringing it up to date is an explicit commit');
    }
  });

  it('every rule has a test whose name starts with its id, or is listed as not yet tested or out of scope', () => {
    const ids = ruleIds();
    expect(ids.length).toBeGreaterThan(80);
    const tested = testedIds();
    const missing = ids.filter((id) => !tested.has(id) && !(id in OUT_OF_SCOPE) && !NOT_YET_TESTED.includes(id));
    expect(missing).toEqual([]);
  });

  it('the not-yet-tested list holds only rules of the book that still have no test', () => {
    const ids = new Set(ruleIds());
    const tested = testedIds();
    expect(NOT_YET_TESTED.filter((id) => !ids.has(id))).toEqual([]);
    expect(NOT_YET_TESTED.filter((id) => tested.has(id)).map((id) => `${id} is tested in ${tested.get(id)}: take it off the list`)).toEqual([]);
    expect(Object.keys(OUT_OF_SCOPE).filter((id) => tested.has(id) || !ids.has(id))).toEqual([]);
  });
});
