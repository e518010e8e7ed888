import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadInput } from '../cli/loadInput.ts';
import { main } from '../cli/main.ts';
import { formatLoadError, loadScenario, renderHistory, renderText, renderWindbg, runScenario, Simulation, snapshotAt, type ScenarioSpec } from '../src/index.ts';

/**
 * docs/scenario-format.md promises that every ```yaml block whose first line is
 * `# example: NAME` is a complete scenario that loads and passes, and that every output
 * it shows is what irpsim prints. Every other yaml block is either checked another way
 * (a walkthrough state, a file whose errors are shown) or listed in NOT_RUN with the
 * reason it cannot run.
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

/** A fenced block: its info string (`yaml`, `yaml planned`, `console`), body, line, and the line above the fence. */
interface Block {
  readonly info: string;
  readonly text: string;
  readonly line: number;
  readonly above: string;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const fence = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
    const before = markdown.slice(0, m.index).split('\n');
    found.push({ info: m[1]!.trim(), text: m[2]!, line: before.length + 1, above: before.at(-2) ?? '' });
  }
  return found;
}

/**
 * `<!-- file: NAME.yaml -->` above a yaml block: the whole file NAME.yaml — in §2 at that step of
 * the walkthrough, elsewhere (§6 err/*.yaml) the file a `$ npx irpsim check NAME.yaml` below reports on.
 */
const stateFile = (b: Block) => /^<!-- file: (\S+) -->$/.exec(b.above)?.[1];
/** `# bad-driver.yaml` as a block's first line: a file whose `check` output the page shows. */
const namedFile = (b: Block) => /^# ([\w-]+\.yaml)$/.exec(b.text.split('\n')[0] ?? '')?.[1];
const exampleName = (b: Block) => /^# example: ([\w-]+)$/.exec(b.text.split('\n')[0] ?? '')?.[1];

/**
 * The yaml blocks that are not run, each with the reason: fragments of §4 that use what
 * is still missing. The test fails when an entry no longer matches a block, so the list
 * cannot outlive its block.
 */
const NOT_RUN: readonly { readonly startsWith: string; readonly why: string }[] = [];

/** The lines of the loader's diagnostics for `text`, as `irpsim check FILE` prints them. */
function checkOutput(text: string, file: string): string[] {
  const r = loadScenario(text, { file });
  return r.ok ? [] : r.errors.map(formatLoadError);
}

/** What `irpsim run FILE [--format history|windbg [--at SEQ]]` prints, through the library as the CLI does (cli/runJob.ts). */
function runOutput(text: string, file: string, args: readonly string[]): string {
  const loaded = loadScenario(text, { file });
  if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
  const spec: ScenarioSpec = loaded.scenario;
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const format = option('--format') ?? 'text';
  const at = option('--at') === undefined ? undefined : Number(option('--at'));
  const simulation = new Simulation(spec);
  const snapshot = at === undefined ? null : snapshotAt(simulation, at);
  const result = simulation.run();
  const names = new Map([...spec.values].map(([k, v]) => [v, k] as const));
  switch (format) {
    case 'text':
      return renderText(result, simulation.events, { names });
    case 'history':
      return renderHistory(result, simulation.events, { names });
    case 'windbg': {
      const seq = at ?? simulation.events.length;
      return renderWindbg(snapshot!()!, simulation.events[seq - 1]!, { names, scenario: spec.name });
    }
    default:
      throw new Error(`the test does not render --format ${format}`);
  }
}

/**
 * Checks shown output against real output: lines that are only `…` mark cut output; the
 * parts between them must appear in order, each as consecutive lines. Without a leading
 * (trailing) `…` the output must start (end) there.
 */
function expectShown(shown: readonly string[], actualText: string, where: string, excerpt = false): void {
  const actual = actualText.split('\n').map((l) => l.trimEnd());
  while (actual.at(-1) === '') actual.pop();
  const parts: string[][] = [[]];
  for (const line of shown) {
    if (line.trim() === '…') parts.push([]);
    else parts.at(-1)!.push(line.trimEnd());
  }
  const anchoredStart = !excerpt && parts[0]!.length > 0;
  const anchoredEnd = !excerpt && parts.at(-1)!.length > 0;
  let from = 0;
  parts.forEach((part, i) => {
    if (part.length === 0) return;
    let at = -1;
    for (let k = from; k + part.length <= actual.length; k++) {
      if (part.every((l, j) => actual[k + j] === l)) {
        at = k;
        break;
      }
      if (i === 0 && anchoredStart) break;
    }
    if (at < 0) throw new Error(`${where}: these lines are not in irpsim's output (in this order, consecutive):\n${part.join('\n')}\n--- the output:\n${actual.join('\n')}`);
    from = at + part.length;
  });
  if (anchoredEnd) expect(from, `${where}: the output goes on after the lines shown`).toBe(actual.length);
}

describe('the examples of docs/scenario-format.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const examples = docExamples(markdown);
  const all = blocks(markdown);

  it('finds the examples, and only unplanned yaml blocks', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(new Set(examples.map((e) => e.name)).size).toBe(examples.length);
    expect(docExamples('```yaml planned\n# example: nope\nname: x\n```\n')).toEqual([]);
    expect(docExamples('```yaml\n# example: yes\nname: x\n```\n')).toEqual([{ name: 'yes', line: 2, text: '# example: yes\nname: x\n' }]);
  });

  it('runs every yaml block, or says why not', () => {
    const unaccounted: string[] = [];
    const used = new Set<number>();
    for (const b of all.filter((x) => x.info.startsWith('yaml'))) {
      if (b.info === 'yaml' && (exampleName(b) !== undefined || stateFile(b) !== undefined || namedFile(b) !== undefined)) continue;
      const reason = NOT_RUN.findIndex((n) => b.text.startsWith(n.startsWith));
      if (reason >= 0 && b.info === 'yaml planned') used.add(reason);
      else unaccounted.push(`docs/scenario-format.md:${b.line}: ${b.info} ${b.text.split('\n')[0]}`);
    }
    expect(unaccounted, 'yaml blocks neither run nor listed in NOT_RUN').toEqual([]);
    expect(NOT_RUN.filter((_, i) => !used.has(i)).map((n) => n.startsWith), 'NOT_RUN entries with no planned block').toEqual([]);
  });

  // Files whose errors the page shows: `# bad-driver.yaml` blocks (§5), and outside §2 the
  // `<!-- file: err/keys.yaml -->` blocks (§6), each before its `$ npx irpsim check FILE`.
  it('shows the errors irpsim check really prints for each file it names (§5 bad-driver.yaml, §6 err/*.yaml)', () => {
    const walkthrough = [markdown.slice(0, markdown.indexOf('## 2. ')).split('\n').length, markdown.slice(0, markdown.indexOf('## 3. ')).split('\n').length];
    const files = all.filter((b) => b.info === 'yaml' && (namedFile(b) !== undefined || (stateFile(b) !== undefined && (b.line < walkthrough[0]! || b.line > walkthrough[1]!))));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const name = namedFile(file) ?? stateFile(file)!;
      const shown = all.find((b) => b.info === 'console' && b.line > file.line && b.text.startsWith(`$ npx irpsim check ${name}\n`));
      expect(shown, `a console block with $ npx irpsim check ${name} after docs/scenario-format.md:${file.line}`).toBeDefined();
      expect(checkOutput(file.text, name), `docs/scenario-format.md:${shown!.line}`).toEqual(shown!.text.trimEnd().split('\n').slice(1));
    }
  });

  // §6's last block: a missing file, an unknown lesson, a bad option — the command line's own errors.
  it('§6 shows what irpsim prints for files, lessons and the command line', async () => {
    const block = all.find((b) => b.info === 'console' && b.text.startsWith('$ npx irpsim check nothere.yaml\n'));
    expect(block).toBeDefined();
    const lines = block!.text.trimEnd().split('\n');
    let commands = 0;
    for (let k = 0; k < lines.length; k++) {
      if (!lines[k]!.startsWith('$ npx irpsim ')) continue;
      const shown: string[] = [];
      for (let j = k + 1; j < lines.length && !lines[j]!.startsWith('$ '); j++) shown.push(lines[j]!);
      const args = lines[k]!.slice('$ npx irpsim '.length).split(' ');
      const printed: string[] = [];
      if (args.some((a) => a.startsWith('--'))) {
        // A usage error: main reports it before any worker starts.
        const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
          printed.push(String(chunk));
          return true;
        });
        try {
          expect(await main(args)).toBe(2);
        } finally {
          stderr.mockRestore();
        }
      } else {
        // FILE|LESSON: what the worker's loadInput answers (cli/runJob.ts prints its errors).
        const input = await loadInput(args[1]!);
        expect(input.ok).toBe(false);
        if (!input.ok) printed.push(input.errors.map(formatLoadError).join('\n'));
      }
      expect(printed.join('').trimEnd().split('\n'), `docs/scenario-format.md:${block!.line + k}`).toEqual(shown);
      commands++;
    }
    expect(commands).toBe(3);
  });

  // §2 walks from an empty file to a lesson: each output it shows is checked against the file at
  // that step — the last `<!-- file: … -->` or `# example:` block above it. A console block with no
  // `$` line is an excerpt of the run of the complete example the step builds: the next example.
  it('§2 shows what irpsim check and run really print at each step of the walkthrough', () => {
    const start = markdown.indexOf('## 2. From an empty file to a lesson');
    const end = markdown.indexOf('## 3. ');
    const lineOf = (offset: number) => markdown.slice(0, offset).split('\n').length;
    const section = all.filter((b) => b.line > lineOf(start) && b.line < lineOf(end));
    let current = '';
    let checked = 0;
    section.forEach((b, i) => {
      if (b.info === 'yaml' && (stateFile(b) !== undefined || exampleName(b) !== undefined)) current = b.text;
      if (b.info !== 'console') return;
      const where = `docs/scenario-format.md:${b.line}`;
      const lines = b.text.trimEnd().split('\n');
      if (!lines[0]!.startsWith('$ ')) {
        const next = section.slice(i + 1).find((x) => x.info === 'yaml' && exampleName(x) !== undefined);
        expect(next, `${where}: an excerpt needs a complete example after it`).toBeDefined();
        expectShown(lines, runOutput(next!.text, 'my-hello.yaml', []), where, true);
        checked++;
        return;
      }
      // One block may hold several commands, each followed by what it prints.
      for (let k = 0; k < lines.length; ) {
        const [, command, file, ...args] = lines[k]!.replace(/^\$ npx irpsim /, 'irpsim ').split(/\s+/);
        let stop = k + 1;
        while (stop < lines.length && !lines[stop]!.startsWith('$ ')) stop++;
        const shown = lines.slice(k + 1, stop);
        expect(file, `${where}: the walkthrough's file`).toBe('my-hello.yaml');
        if (command === 'check') expect(checkOutput(current, file!), where).toEqual(shown);
        else if (command === 'run') expectShown(shown, runOutput(current, file!, args), where);
        else throw new Error(`${where}: the test does not know 'irpsim ${command}'`);
        checked++;
        k = stop;
      }
    });
    expect(checked).toBeGreaterThanOrEqual(14);
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
