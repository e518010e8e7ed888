// Helpers of the explore tests (explore.test.ts, explore-cli.test.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explore, loadScenario, type ScenarioSpec } from '@irpsim/scenarios';
import { renderExplore, type ExploreJson } from '../cli/exploreCommand.ts';
import { loadInput } from '../cli/loadInput.ts';
import { main } from '../cli/main.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const BIN = join(ROOT, 'packages/scenarios/cli/irpsim.mjs');
export const LOST_UPDATE = 'packages/scenarios/test/fixtures/lost-update.ts';
export const fixture = (name: string) => join(ROOT, 'packages/scenarios/test/fixtures', name);
export const LESSONS = join(ROOT, 'packages/scenarios/lessons');

/** A real launch of the command: only for what needs a process (exit codes, the worker pool). */
export function irpsim(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The command line in this process, its output captured: for commands that start no
 * worker (usage errors, merge).
 */
export async function inProcess(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

export function lesson(name: string): ScenarioSpec {
  const loaded = loadScenario(readFileSync(join(LESSONS, `${name}.yaml`), 'utf8'), { file: `${name}.yaml` });
  if (!loaded.ok) throw new Error(`lesson ${name} does not load: ${loaded.errors[0]?.message}`);
  return loaded.scenario;
}

/** Splits the one-line replay command explore prints (its path quoted only when it needs it). */
export function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
}

export const json = (stdout: string) => JSON.parse(stdout) as ExploreJson;

/**
 * A TypeScript fixture as the CLI loads it (its hash covers the source as tsx compiled
 * it, so tokens made from it replay through the CLI), loaded once.
 */
const loaded = new Map<string, ScenarioSpec>();
export async function cliSpec(file: string): Promise<ScenarioSpec> {
  let spec = loaded.get(file);
  if (spec === undefined) {
    const input = await loadInput(file);
    if (!input.ok) throw new Error(input.errors[0]!.message);
    spec = input.spec;
    loaded.set(file, spec);
  }
  return spec;
}

/** `explore FILE --format json` in this process, from the scenario loaded once. */
export async function exploreJson(file: string, options: Parameters<typeof explore>[1]): Promise<ExploreJson> {
  const request = { arg: file, format: 'json' as const, options: options ?? {} };
  return json(renderExplore(explore(await cliSpec(file), options), request).stdout);
}
