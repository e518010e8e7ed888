import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES, ROOT, rel, tsFiles } from './sources.ts';

const CATALOGUE = join(ROOT, 'docs', 'verifier.md');

/** One row of the catalogue table in docs/verifier.md. */
interface Row {
  readonly id: string;
  readonly fatal: string;
  readonly level: string;
  /** The test file the row names as its trigger. */
  readonly test: string;
}

/**
 * A check id in one spelling: hex numbers without leading zeros, lower case
 * (`0xC9/0x01` and `0xc9/0x1` are one id); word ids as they are.
 */
function canonical(id: string): string {
  if (!id.startsWith('0x')) return id;
  return id
    .split('/')
    .map((part) => `0x${Number.parseInt(part, 16).toString(16)}`)
    .join('/');
}

/** The rows of the table under "## Catalogue": the first column is the id in backticks. */
function rows(): Row[] {
  const text = readFileSync(CATALOGUE, 'utf8');
  const start = text.indexOf('\n## Catalogue');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const out: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const id = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (id === undefined) continue;
    const test = /`([^`]+\.test\.ts)`/.exec(cells[6] ?? '')?.[1] ?? '';
    out.push({ id, fatal: cells[3] ?? '', level: cells[4] ?? '', test });
  }
  return out;
}

/** Every `it(...)` title of the repository's tests, with its file. */
function titles(): { file: string; title: string }[] {
  const files = [...PACKAGES.map((p) => join(ROOT, 'packages', p, 'test')), join(ROOT, 'test')].flatMap(tsFiles);
  const out: { file: string; title: string }[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) out.push({ file: rel(file), title: m[2]! });
  }
  return out;
}

/** The check ids a title names: hex codes (`0x44`, `0xC9/0x23D`) and word ids of the catalogue. */
function cited(title: string, known: ReadonlySet<string>): string[] {
  const ids = [...title.matchAll(/0x[0-9A-Fa-f]+(?:\/0x[0-9A-Fa-f]+)?/g)].map((m) => canonical(m[0]));
  for (const m of title.matchAll(/[a-z]+(?:-[a-z]+)+/g)) if (known.has(m[0])) ids.push(m[0]);
  return ids;
}

describe('the verifier catalogue (docs/verifier.md)', () => {
  const table = rows();
  const ids = new Set(table.map((r) => canonical(r.id)));
  const all = titles();

  it('lists at least 40 checks, each once, each with fatal yes/no and a level', () => {
    expect(table.length).toBeGreaterThanOrEqual(40);
    expect(table.map((r) => canonical(r.id)).filter((id, i, list) => list.indexOf(id) !== i)).toEqual([]);
    expect(table.filter((r) => !/^(yes|no)$/.test(r.fatal)).map((r) => r.id)).toEqual([]);
    expect(table.filter((r) => !/^(every level|standard|enhanced)/.test(r.level)).map((r) => r.id)).toEqual([]);
  });

  it('every row has a triggering test: the file it names has a test whose name cites the id', () => {
    const missing = table.filter((row) => {
      if (row.test === '' || !existsSync(join(ROOT, row.test))) return true;
      return !all.some((t) => t.file === row.test && cited(t.title, ids).includes(canonical(row.id)));
    });
    expect(missing.map((r) => `${r.id} (${r.test || 'no test named'})`)).toEqual([]);
  });

  it('every check id a test cites has a row: bug-check/subcode pairs anywhere in a name, a code or word id that starts it', () => {
    // Lesson names also open test names (`inverted-call: …`): they are not check ids.
    const lessons = new Set(readdirSync(join(ROOT, 'packages', 'scenarios', 'lessons')).map((f) => f.replace(/\.(yaml|ts)$/, '')));
    const unknown = new Set<string>();
    for (const { file, title } of all) {
      const pairs = [...title.matchAll(/0x[0-9A-Fa-f]+\/0x[0-9A-Fa-f]+/g)].map((m) => canonical(m[0]));
      const lead = /^(0x[0-9A-Fa-f]{1,3}(?:\/0x[0-9A-Fa-f]+)?)\b|^([a-z]+(?:-[a-z]+)+):/.exec(title);
      const first = lead === null || (lead[2] !== undefined && lessons.has(lead[2])) ? [] : [canonical(lead[1] ?? lead[2]!)];
      for (const id of [...pairs, ...first]) if (!ids.has(id)) unknown.add(`${id} in ${file}: ${title.slice(0, 60)}`);
    }
    expect([...unknown]).toEqual([]);
  });
});
