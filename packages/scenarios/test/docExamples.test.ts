import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario, runScenario } from '../src/index.ts';

/**
 * docs/scenario-format.md promises that every ```yaml block whose first line is
 * `# example: NAME` is a complete scenario that loads and passes (blocks fenced
 * ```yaml planned show syntax that does not work yet, and are skipped).
 */
const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'scenario-format.md');

export function docExamples(markdown: string): { name: string; line: number; text: string }[] {
  const examples: { name: string; line: number; text: string }[] = [];
  const fence = /^```yaml[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const body = m[1]!;
    const name = /^# example: ([A-Za-z0-9_-]+)[ \t]*$/m.exec(body.split('\n')[0] ?? '')?.[1];
    if (name === undefined) continue;
    examples.push({ name, line: markdown.slice(0, m.index).split('\n').length + 1, text: body });
  }
  return examples;
}

describe('the examples of docs/scenario-format.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const examples = docExamples(markdown);

  it('finds the examples, and only unplanned yaml blocks', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(new Set(examples.map((e) => e.name)).size).toBe(examples.length);
    expect(docExamples('```yaml planned\n# example: nope\nname: x\n```\n')).toEqual([]);
    expect(docExamples('```yaml\n# example: yes\nname: x\n```\n')).toEqual([{ name: 'yes', line: 2, text: '# example: yes\nname: x\n' }]);
  });

  for (const example of examples) {
    it(`${example.name} (docs/scenario-format.md:${example.line}) loads without diagnostics and passes`, () => {
      const loaded = loadScenario(example.text, { file: `scenario-format.md#${example.name}` });
      if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
      const { result } = runScenario(loaded.scenario);
      expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
      expect(result.passed).toBe(true);
    });
  }
});
