import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type LoadResult } from '../src/index.ts';

/**
 * The loader's contract under garbage: whatever the text, loadScenario returns (it never
 * throws, and never falls back to its "this is a bug in irpsim" catch-all), every error is
 * positioned inside the text as file:line:col, and each input loads in bounded time.
 */
const LESSONS = join(import.meta.dirname, '..', 'lessons');
const lessons = readdirSync(LESSONS)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: f, text: readFileSync(join(LESSONS, f), 'utf8') }))
  // and the complete scenarios of docs/scenario-format.md (`# example: NAME` blocks)
  .concat(
    [...readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'scenario-format.md'), 'utf8').matchAll(/^```yaml\n(# example: ([\w-]+)\n[\s\S]*?)^```$/gm)].map((m) => ({
      file: `${m[2]!}.yaml`,
      text: m[1]!,
    })),
  );

/** Runs per property; IRPSIM_FUZZ_RUNS=5000 for a deeper search. */
const RUNS = Number(process.env['IRPSIM_FUZZ_RUNS'] ?? 150);

/** Generous: a lesson loads in a few ms; the bound catches a hang, not a slow machine. */
const BOUND_MS = 2000;

function checkLoad(text: string, file: string): LoadResult {
  const start = performance.now();
  let result: LoadResult;
  try {
    result = loadScenario(text, { file });
  } catch (error) {
    throw new Error(`loadScenario threw on:\n${text}\n${String(error)}`);
  }
  const elapsed = performance.now() - start;
  expect(elapsed, `loading took ${elapsed.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
  if (result.ok) return result;
  const lines = text.split('\n');
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    const where = `${e.file}:${e.line}:${e.col}: ${e.message}`;
    expect(e.file, where).toBe(file);
    expect(e.message.length, where).toBeGreaterThan(0);
    expect(e.message, `the loader crashed inside: ${where}\n--- input ---\n${text}`).not.toMatch(/^irpsim could not load this file/);
    expect(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines.length, where).toBe(true);
    expect(Number.isInteger(e.col) && e.col >= 1 && e.col <= (lines[e.line - 1]?.length ?? 0) + 1, where).toBe(true);
  }
  return result;
}

/** A scalar, list or map of another type, to put where a value was. */
const retyped = fc.constantFrom('42', '-1', '0x7FFFFFFF', '1.5', "''", 'null', '~', 'true', '[]', '{}', '[1, [2]]', '{ a: 1 }', "'\\\\.\\Nope'", '"\\x"', '&a 1', '*nope', '!!binary aGk=', '? x', '|\n  block', '4294967296', 'INFINITE', '${i}', 'GENERIC_READ |');

type Mutation =
  | { kind: 'delete' | 'duplicate' | 'dedent' | 'indent' | 'tab'; line: number }
  | { kind: 'retype'; line: number; value: string }
  | { kind: 'rename'; line: number; suffix: string }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'inject'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'duplicate', 'dedent', 'indent', 'tab'), line: fc.nat() }),
  fc.record({ kind: fc.constant('retype'), line: fc.nat(), value: retyped }),
  fc.record({ kind: fc.constant('rename'), line: fc.nat(), suffix: fc.constantFrom('s', 'x', '_', '2', '-') }),
  fc.record({ kind: fc.constant('swap'), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('inject'), at: fc.nat(), text: fc.constantFrom(':', '- ', '[', '{', '}', '"', "'", '&x', '*x', '#', '\t', '\n  - ', ': :', '---\n', '...', '%YAML 1.2\n', '\u0000', '\uFEFF') }),
) as fc.Arbitrary<Mutation>;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const n = lines.length;
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'inject': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'swap': {
      const a = m.line % n;
      const b = m.other % n;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
    default:
      break;
  }
  const i = m.line % n;
  const line = lines[i]!;
  switch (m.kind) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, line);
      break;
    case 'dedent':
      lines[i] = line.replace(/^ {1,2}/, '');
      break;
    case 'indent':
      lines[i] = ` ${line}`;
      break;
    case 'tab':
      lines[i] = `\t${line}`;
      break;
    case 'retype': {
      // `key: value` → `key: OTHER` (the value, or a list item's first key's value).
      const k = /^(\s*(?:- )?[A-Za-z_][\w-]*:)(.*)$/.exec(line);
      lines[i] = k === null ? `${line.replace(/^(\s*- ).*$/, '$1')}${m.value}` : `${k[1]} ${m.value}`;
      break;
    }
    case 'rename':
      lines[i] = line.replace(/^(\s*(?:- )?[A-Za-z_][\w-]*)(:)/, `$1${m.suffix}$2`);
      break;
  }
  return lines.join('\n');
}

describe('loader fuzzing (fast-check): never throws, errors positioned, bounded time', () => {
  // The first load compiles the schema validator: not what the time bound is about.
  beforeAll(() => void loadScenario(lessons[0]!.text, { file: lessons[0]!.file }));

  it('every lesson and documented example loads as it is (the base of the mutations)', () => {
    for (const l of lessons) expect(checkLoad(l.text, l.file).ok, l.file).toBe(true);
  });

  it('mutated lessons: deleted, duplicated, retyped and renamed keys, swapped lines, truncation, bad indentation, injected syntax', () => {
    fc.assert(
      fc.property(fc.constantFrom(...lessons), fc.array(mutation, { minLength: 1, maxLength: 4 }), (lesson, mutations) => {
        const text = mutations.reduce(mutate, lesson.text);
        checkLoad(text, lesson.file);
      }),
      { numRuns: RUNS, seed: Number(process.env['IRPSIM_FUZZ_SEED'] ?? 20261204) },
    );
  });

  it('arbitrary text and YAML-ish fragments', () => {
    const token = fc.constantFrom('name:', 'description:', 'processes:', 'threads:', 'actions:', '- ', '  ', '\n', ':', '[', ']', '{', '}', ',', '&a', '*a', '"', "'", '#', '|', '>', '? ', '!tag', '0x1F', 'open:', 'ioctl:', 'report:', 'columns:', 'repeat:', '\t', '\\');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.array(token, { maxLength: 60 }).map((t) => t.join(''))), (text) => {
        checkLoad(text, 'fuzz.yaml');
      }),
      { numRuns: RUNS, seed: Number(process.env['IRPSIM_FUZZ_SEED'] ?? 7) },
    );
  });

  it('an alias bomb and deep nesting end quickly, with a positioned error', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(checkLoad(bomb, 'bomb.yaml').ok).toBe(false);
    expect(checkLoad(`${'['.repeat(2000)}${']'.repeat(2000)}`, 'deep.yaml').ok).toBe(false);
    expect(checkLoad(`name: x\ndescription: y\nprocesses:\n${'  '.repeat(1)}- name: app\n    threads:\n      - name: main\n        actions:\n${'          - repeat: 2\n            actions:\n'.repeat(1)}              - ${'{ a: '.repeat(300)}1${' }'.repeat(300)}\n`, 'nest.yaml').ok).toBe(false);
  });
});
