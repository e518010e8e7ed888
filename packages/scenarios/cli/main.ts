import { catalogue } from '@irpsim/driver-model';
import { IRPSIM_VERSION, SCHEMA_VERSION } from '@irpsim/scenarios';
import { parseArgs, UsageError, type Args } from './args.ts';
import { listLessons } from './lessons.ts';
import type { Job } from './runJob.ts';
import { runWatched } from './watchdog.ts';
import { shellQuote } from './shellQuote.ts';
import { exploreCli, mergeCli, replayCli } from './exploreCli.ts';

const OPTIONS = {
  seed: true,
  strategy: true,
  format: true,
  at: true,
  timeout: true,
  drivers: false,
  help: false,
  version: false,
  // [explore]
  runs: true,
  depth: true,
  'max-events': true,
  all: false,
  adversaries: false,
  schedule: true,
  workers: true,
  shard: true,
} as const;

const COMMON_FORMATS = ['text', 'json', 'jsonl'];
const RUN_FORMATS = ['history', 'mermaid', 'chrome', 'windbg'];

const USAGE = `irpsim ${IRPSIM_VERSION} — a deterministic simulator of Windows user-mode / kernel-mode I/O

usage:
  irpsim run FILE|LESSON [--seed N] [--strategy random|first-come] [--adversaries] [--format text|json|jsonl|history|mermaid|chrome|windbg [--at SEQ]] [--timeout S]
  irpsim list [--drivers] [--format json]
  irpsim check FILE [--format json]
  irpsim explore FILE|LESSON --runs N [--strategy random|pct] [--depth D] [--seed S] [--max-events K] [--all] [--workers W] [--shard I/N] [--format text|json] [--timeout S]
  irpsim replay FILE|LESSON --schedule TOKEN [--format text|json|jsonl] [--timeout S]
  irpsim merge RESULT.json… [--format text|json]   (the JSON results of explore --shard I/N)

FILE is a .yaml/.yml/.ts scenario (or any path with a /); otherwise LESSON names a built-in lesson.
exit codes: 0 passed · 1 an expectation failed · 2 invalid input or usage · 3 a replay diverged · 4 the run could not finish
explore, merge: 0 nothing found · 1 a run failed · 2 invalid input, or nothing to explore
docs/cli.md has the whole contract.
`;

/** The command line. Returns the exit code; never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let format = 'text';
  try {
    const args = parseArgs(argv, OPTIONS);
    format = stringOption(args, 'format', [...COMMON_FORMATS, ...RUN_FORMATS], 'text');
    // The renderers over one trace exist for `run` only; --at goes with --format windbg.
    if (args.command !== 'run' && RUN_FORMATS.includes(format)) {
      throw new UsageError(`--format ${format} is for 'irpsim run'`, args.columns.get('format') ?? 1);
    }
    if (args.options.has('at') && format !== 'windbg') throw new UsageError('--at SEQ goes with --format windbg', args.columns.get('at') ?? 1);
    if (args.options.has('version')) {
      process.stdout.write(`${IRPSIM_VERSION}\n`);
      return 0;
    }
    if (args.options.has('help') || args.command === null || args.command === 'help') {
      process.stdout.write(USAGE);
      return args.command === null && !args.options.has('help') ? 2 : 0;
    }
    switch (args.command) {
      case 'run':
        return await run(args, format as Job['format']);
      case 'check':
        return await check(args, format as Job['format']);
      case 'list':
        return list(args, format);
      case 'explore':
        return await exploreCli(args, format);
      case 'replay':
        return await replayCli(args, format as Job['format']);
      case 'merge':
        return mergeCli(args, format);
      default:
        throw new UsageError(`unknown command '${args.command}' (commands: run, list, check, explore, replay, merge)`, 1);
    }
  } catch (error) {
    if (error instanceof UsageError) return usageError(error, format);
    process.stderr.write(`irpsim: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 4;
  }
}

async function run(args: Args, format: Job['format']): Promise<number> {
  const arg = onePositional(args, 'run FILE|LESSON');
  const seed = args.options.has('seed') ? integerOption(args, 'seed', 0, 0xffffffff) : undefined;
  const strategy = args.options.has('strategy') ? (stringOption(args, 'strategy', ['random', 'first-come'], 'random') as Job['strategy']) : undefined;
  const timeout = args.options.has('timeout') ? numberOption(args, 'timeout') : 60;
  const at = args.options.has('at') ? integerOption(args, 'at', 1, 0xffffffff) : undefined;
  const job: Job = {
    command: 'run',
    arg,
    format,
    ...(seed !== undefined ? { seed } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(args.options.has('adversaries') ? { adversaries: true } : {}),
    ...(at !== undefined ? { at, atColumn: args.columns.get('at') ?? 1 } : {}),
  };
  const outcome = await runWatched(job, timeout);
  if ('timedOut' in outcome || 'crashed' in outcome) {
    const why =
      'timedOut' in outcome
        ? `the run did not finish within ${timeout} s of wall-clock time: a driver or thread written in TypeScript may be looping without reaching a scheduling point`
        : `irpsim failed while running the scenario: ${outcome.message}`;
    return couldNotFinish(arg, why, seed, strategy, timeout, format, job.adversaries === true);
  }
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  return outcome.exit;
}

async function check(args: Args, format: Job['format']): Promise<number> {
  const arg = onePositional(args, 'check FILE');
  const outcome = await runWatched({ command: 'check', arg, format }, numberOption(args, 'timeout', 60));
  if ('timedOut' in outcome || 'crashed' in outcome) {
    return couldNotFinish(arg, 'timedOut' in outcome ? 'loading the scenario did not finish in time' : outcome.message, undefined, undefined, 60, format);
  }
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  return outcome.exit;
}

function list(args: Args, format: string): number {
  const rows = args.options.has('drivers')
    ? [...catalogue.values()].map((d) => ({ name: d.name, description: d.description }))
    : listLessons().map((l) => ({ name: l.name, description: l.description }));
  if (format === 'json') {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else {
    // Exactly two spaces between name and description, so a script can split on them.
    process.stdout.write(rows.map((r) => `${r.name}  ${r.description}`).join('\n') + (rows.length > 0 ? '\n' : ''));
  }
  return 0;
}

/** Exit 4: the run could not finish. The report gives the seed and the command to reproduce it. */
function couldNotFinish(arg: string, why: string, seed: number | undefined, strategy: string | undefined, timeout: number, format: string, adversaries = false): number {
  const reproduce = ['npx irpsim run', shellQuote(arg), ...(seed !== undefined ? [`--seed ${seed}`] : []), ...(strategy !== undefined ? [`--strategy ${strategy}`] : []), ...(adversaries ? ['--adversaries'] : []), `--timeout ${timeout * 2}`].join(' ');
  const seedText = seed === undefined ? "the scenario's pinned seed" : `seed ${seed}`;
  process.stderr.write(`irpsim: ${why}\n  scenario: ${arg} (${seedText}${strategy !== undefined ? `, strategy ${strategy}` : ''})\n  reproduce: ${reproduce}\n`);
  if (format === 'json') {
    process.stdout.write(
      JSON.stringify({ schemaVersion: SCHEMA_VERSION, irpsimVersion: IRPSIM_VERSION, scenario: arg, seed: seed ?? null, error: { message: why, reproduce } }, null, 2) + '\n',
    );
  }
  return 4;
}

function usageError(error: UsageError, format: string): number {
  const entry = { file: '<command line>', line: 1, col: error.col, message: error.message, hint: 'irpsim --help shows the usage' };
  if (format === 'json') process.stdout.write(JSON.stringify({ errors: [entry] }, null, 2) + '\n');
  else process.stderr.write(`<command line>:1:${error.col}: error: ${error.message} (${entry.hint})\n`);
  return 2;
}

export function onePositional(args: Args, usage: string): string {
  if (args.positional.length !== 1) {
    // Point at the first extra argument, or just past the command when one is missing.
    const col = args.positional.length > 1 ? args.positionalColumns[1]! : 1;
    throw new UsageError(args.positional.length > 1 ? `one argument expected, found ${args.positional.length}: irpsim ${usage}` : `expected: irpsim ${usage}`, col);
  }
  return args.positional[0]!;
}

/** The column of an option's value, for errors about it. */
const columnOf = (args: Args, key: string): number => args.columns.get(key) ?? 1;

export function stringOption(args: Args, key: string, allowed: readonly string[], fallback: string): string {
  const value = args.options.get(key);
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) throw new UsageError(`--${key} must be one of ${allowed.join(', ')}`, columnOf(args, key));
  return value;
}

export function integerOption(args: Args, key: string, min: number, max: number): number {
  const text = String(args.options.get(key));
  const value = /^\s*(0x[0-9a-f]+|[0-9]+)\s*$/i.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${key} must be an integer from ${min} to ${max}, not '${text}'`, columnOf(args, key));
  return value;
}

export function numberOption(args: Args, key: string, fallback?: number): number {
  if (!args.options.has(key) && fallback !== undefined) return fallback;
  const value = Number(args.options.get(key));
  if (!(value > 0)) throw new UsageError(`--${key} must be a positive number of seconds`, columnOf(args, key));
  return value;
}

export { shellQuote } from './shellQuote.ts';
