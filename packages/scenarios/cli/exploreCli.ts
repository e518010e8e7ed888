// [explore] the `explore` and `replay` commands: options → requests.
import type { Args } from './args.ts';
import { UsageError } from './args.ts';
import { exploreWatched } from './exploreWatched.ts';
import { mergeCommand } from './mergeCommand.ts';
import { integerOption, numberOption, onePositional, stringOption } from './main.ts';
import type { Job } from './runJob.ts';
import { shellQuote } from './shellQuote.ts';
import { runWatched } from './watchdog.ts';

/** `irpsim explore FILE|LESSON --runs N …`. */
export async function exploreCli(args: Args, format: string): Promise<number> {
  const arg = onePositional(args, 'explore FILE|LESSON --runs N');
  if (format !== 'text' && format !== 'json') throw new UsageError(`explore prints text or json, not ${format}`, args.columns.get('format') ?? 1);
  if (args.options.has('schedule')) throw new UsageError('--schedule is an option of replay, not of explore', args.columns.get('schedule') ?? 1);
  const runs = args.options.has('runs') ? integerOption(args, 'runs', 1, 100_000_000) : 100;
  const strategy = stringOption(args, 'strategy', ['random', 'pct'], 'random') as 'random' | 'pct';
  if (args.options.has('depth') && strategy !== 'pct') throw new UsageError('--depth is a parameter of --strategy pct', args.columns.get('depth') ?? 1);
  const depth = args.options.has('depth') ? integerOption(args, 'depth', 1, 100) : 2;
  const seed = args.options.has('seed') ? integerOption(args, 'seed', 0, 0xffffffff) : 1;
  const maxEvents = args.options.has('max-events') ? integerOption(args, 'max-events', 1, Number.MAX_SAFE_INTEGER) : undefined;
  const timeout = numberOption(args, 'timeout', 60);
  const workers = args.options.has('workers') ? integerOption(args, 'workers', 1, 256) : 1;
  const shard = args.options.has('shard') ? shardOption(args, runs) : undefined;
  // --adversaries: every mode on; without it, the scenario's own `machine.adversaries` (if any).
  const adversaries = args.options.has('adversaries') ? { adversaries: true } : {};
  const options = { runs, strategy, depth, seed, all: args.options.has('all'), ...adversaries, ...(maxEvents !== undefined ? { maxEvents } : {}), ...(shard !== undefined ? { shard } : {}) };
  const result = await exploreWatched({ arg, format: format as 'text' | 'json', options }, timeout, process.stderr.isTTY === true, workers);
  if ('stalled' in result || 'crashed' in result) {
    const why =
      'crashed' in result
        ? `irpsim failed while exploring: ${result.message}`
        : result.phase === 'load'
          ? `loading the scenario took more than ${timeout} s of wall-clock time`
          : `a run took more than ${timeout} s of wall-clock time (${result.phase === 'explore' ? `in run ${result.run}` : 'while shrinking'}): a driver or thread written in TypeScript may be looping without reaching a scheduling point`;
    process.stderr.write(`irpsim: ${why}\n  scenario: ${arg}\n`);
    return 4;
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exit;
}

/** `--shard I/N`: shard I (1 … N) of N; a shard must have at least one of the runs. */
function shardOption(args: Args, runs: number): { index: number; count: number } {
  const text = String(args.options.get('shard'));
  const match = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  const col = args.columns.get('shard') ?? 1;
  if (match === null || !(count >= 1 && count <= 1_000_000 && index >= 1 && index <= count)) throw new UsageError(`--shard must be I/N, shard I of N (1 ≤ I ≤ N ≤ 1000000), not '${text}'`, col);
  if (index > runs) throw new UsageError(`shard ${index}/${count} has no runs: with --runs ${runs}, shards take runs I, I + N, …`, col);
  return { index, count };
}

/** `irpsim replay FILE|LESSON --schedule TOKEN`: exits like `run`, or 3 when the replay diverges. */
export async function replayCli(args: Args, format: Job['format']): Promise<number> {
  const arg = onePositional(args, 'replay FILE|LESSON --schedule TOKEN');
  const schedule = args.options.get('schedule');
  if (typeof schedule !== 'string') throw new UsageError('replay needs --schedule TOKEN (explore prints it)', 1);
  for (const key of ['seed', 'strategy', 'runs', 'depth', 'max-events', 'all', 'adversaries', 'workers', 'shard']) {
    if (args.options.has(key)) throw new UsageError(`--${key} cannot be used with replay: the schedule fixes every choice`, args.columns.get(key) ?? 1);
  }
  const timeout = numberOption(args, 'timeout', 60);
  const outcome = await runWatched({ command: 'replay', arg, format, schedule, scheduleColumn: args.columns.get('schedule') ?? 1 }, timeout);
  if ('timedOut' in outcome || 'crashed' in outcome) {
    const why = 'timedOut' in outcome ? `the replay did not finish within ${timeout} s of wall-clock time` : `irpsim failed while replaying: ${outcome.message}`;
    process.stderr.write(`irpsim: ${why}\n  reproduce: npx irpsim replay ${shellQuote(arg)} --schedule ${schedule} --timeout ${timeout * 2}\n`);
    return 4;
  }
  process.stdout.write(outcome.stdout);
  process.stderr.write(outcome.stderr);
  return outcome.exit;
}

/** `irpsim merge A.json B.json … [--format text|json]`. */
export function mergeCli(args: Args, format: string): number {
  if (format !== 'text' && format !== 'json') throw new UsageError(`merge prints text or json, not ${format}`, args.columns.get('format') ?? 1);
  if (args.positional.length === 0) throw new UsageError('expected: irpsim merge RESULT.json… (the JSON results of explore --shard I/N --format json)', 1);
  for (const key of args.options.keys()) {
    if (key !== 'format') throw new UsageError(`--${key} cannot be used with merge: the results carry their exploration's options`, args.columns.get(key) ?? 1);
  }
  const result = mergeCommand(args.positional, format as 'text' | 'json');
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exit;
}
