import { explore, type CoverageData, type CoverageSummary, type ExploreFailure, type ExploreOptions, type ExploreReport, type Shard } from '@irpsim/scenarios';
import { loadInput } from './loadInput.ts';
import { loadFailure, type JobResult } from './runJob.ts';
import { shellQuote } from './shellQuote.ts';

export interface ExploreRequest {
  readonly arg: string;
  readonly format: 'text' | 'json';
  readonly options: Omit<ExploreOptions, 'onProgress'>;
}

/**
 * `irpsim explore` in this thread: exit 0 when nothing was found, 1 when a run failed, 2
 * for invalid input or when the scenario has no real choice (nothing to explore).
 * `onProgress` is told after every run, while exploring and while shrinking. The CLI runs
 * it in worker threads (exploreWatched.ts) with the same result.
 */
export async function exploreCommand(request: ExploreRequest, onProgress?: ExploreOptions['onProgress']): Promise<JobResult> {
  const input = await loadInput(request.arg);
  if (!input.ok) return loadFailure(input.errors, request.format);
  return renderExplore(explore(input.spec, { ...request.options, ...(onProgress !== undefined ? { onProgress } : {}) }), request);
}

/** One failure in the JSON output (docs/cli.md). */
export interface FailureJson {
  readonly check: { readonly key: string; readonly description: string; readonly expected: string; readonly actual: string };
  readonly schedule: string;
  readonly storySize: number;
  readonly nonDefaultChoices: number;
  readonly userActions: number;
  readonly choices: readonly number[];
  readonly droppedThreads: readonly string[];
  readonly droppedActions: readonly string[];
  readonly replay: string;
  readonly run: number;
  readonly runsFailing: number;
}

/** What `explore --format json` prints; with a shard also what `merge` needs. */
export interface ExploreJson {
  readonly found: boolean | number;
  readonly runs: number;
  readonly runsAsked: number;
  readonly strategy: 'random' | 'pct';
  readonly depth: number | null;
  readonly seed: number;
  readonly maxEvents: number | null;
  readonly all: boolean;
  readonly scenarioHash: string;
  /** The adversary modes every run had on (empty: none). */
  readonly adversaries: readonly string[];
  /** The shards this result covers: one for `--shard I/N`, several after `merge`; null unsharded. */
  readonly shard: { readonly count: number; readonly indices: readonly number[] } | null;
  readonly cutRuns: number;
  readonly coverage: CoverageSummary;
  readonly failures?: readonly FailureJson[];
  /** Sharded results only: coverage as data that merges exactly. */
  readonly coverageData?: CoverageData;
  // Without `all`: the first failure's fields (FailureJson without runsFailing), or null.
  readonly check?: FailureJson['check'] | null;
  readonly schedule?: string | null;
  readonly storySize?: number | null;
  readonly nonDefaultChoices?: number;
  readonly userActions?: number;
  readonly choices?: readonly number[] | null;
  readonly droppedThreads?: readonly string[];
  readonly droppedActions?: readonly string[];
  readonly replay?: string | null;
  readonly run?: number;
}

/** The report as the CLI prints it, with explore's exit code. */
export function renderExplore(report: ExploreReport, request: ExploreRequest): JobResult {
  if (report.nothingToExplore) {
    const message = `nothing to explore: the run has no real choice, so every schedule is the same run${report.failures.length > 0 ? ' (and it fails: irpsim run shows it)' : ''}`;
    return loadFailure([{ file: request.arg, line: 1, col: 1, message, hint: 'explore needs runnable work that competes: two threads, a DPC and a thread, a timer …' }], request.format);
  }
  const exit = report.failures.length > 0 ? 1 : 0;
  const replay = (f: ExploreFailure) => `npx irpsim replay ${shellQuote(request.arg)} --schedule ${f.schedule}`;
  if (request.format === 'json') return { exit, stdout: JSON.stringify(exploreJson(report, replay), null, 2) + '\n', stderr: '' };
  return { exit, stdout: exploreText(report, request.arg, replay), stderr: '' };
}

/** `{ found, runs, check, schedule, storySize, choices, replay }` and the rest (docs/cli.md). */
function exploreJson(report: ExploreReport, replay: (f: ExploreFailure) => string): ExploreJson {
  const one = (f: ExploreFailure): FailureJson => ({
    check: { key: f.check.key, description: f.check.description, expected: f.check.expected, actual: f.check.actual },
    schedule: f.schedule,
    storySize: f.storySize,
    nonDefaultChoices: f.nonDefaultChoices,
    userActions: f.userActions,
    choices: f.choices,
    droppedThreads: f.droppedThreads,
    droppedActions: f.droppedActions,
    replay: replay(f),
    run: f.run,
    runsFailing: f.runsFailing,
  });
  const shard = report.shard === null ? null : { count: report.shard.count, indices: [report.shard.index] };
  return withFailures(
    {
      runs: report.runs,
      runsAsked: report.runsAsked,
      strategy: report.strategy,
      depth: report.depth,
      seed: report.seed,
      maxEvents: report.maxEvents,
      all: report.all,
      scenarioHash: report.scenarioHash,
      adversaries: report.adversaries,
      shard,
      cutRuns: report.cutRuns,
      coverage: report.coverage,
      ...(shard !== null ? { coverageData: report.coverageData } : {}),
    },
    report.failures.map(one),
    report.failingRuns,
  );
}

/**
 * The failure fields: with `all`, `found` counts the failing runs and `failures` lists one
 * per check; without, the first failure's fields sit at the top (null when none). A
 * sharded result always has `failures` too, for `merge`.
 */
export function withFailures(common: Omit<ExploreJson, 'found'>, failures: readonly FailureJson[], failingRuns: number): ExploreJson {
  const listed: { failures?: readonly FailureJson[] } = common.all || common.shard !== null ? { failures } : {};
  if (common.all) return { found: failingRuns, ...common, ...listed };
  const first = failures[0];
  if (first === undefined) return { found: false, ...common, check: null, schedule: null, storySize: null, choices: null, replay: null, ...listed };
  const { runsFailing: _, ...fields } = first;
  return { found: true, ...common, ...fields, ...listed };
}

function exploreText(report: ExploreReport, arg: string, replay: (f: ExploreFailure) => string): string {
  const lines: string[] = [];
  const how = `strategy ${report.strategy}${report.depth !== null ? ` (depth ${report.depth})` : ''}, seed ${report.seed}${report.adversaries.length > 0 ? `, adversaries ${report.adversaries.join(', ')}` : ''}`;
  const slice = report.shard === null ? '' : ` (shard ${report.shard.index}/${report.shard.count}: runs ${sliceText(report.shard, report.runsAsked)})`;
  if (report.failures.length === 0) {
    lines.push(`explore ${arg}${slice}: nothing found in ${report.runs} schedules (${how})`);
  } else {
    lines.push(`explore ${arg}${slice}: ${report.failingRuns === 1 ? 'a run failed' : `${report.failingRuns} runs failed`} in ${report.runs} schedules (${how})`);
    for (const f of report.failures) {
      lines.push('');
      lines.push(`✗ ${f.check.description}: expected ${f.check.expected}, got ${f.check.actual}`);
      lines.push(`  first in run ${f.run}${f.runsFailing > 1 ? `, ${f.runsFailing} runs in all` : ''}; shrunk from ${f.foundChoices} choices in ${f.shrinkTries} tries`);
      lines.push(...reductionText(f));
      lines.push(`  storySize ${f.storySize} = ${plural(f.nonDefaultChoices, 'non-default choice')} + ${plural(f.userActions, 'user action')} (Win32 calls)`);
      lines.push(`  choices: ${f.choices.length === 0 ? '(none)' : f.choices.join(' ')}`);
      lines.push('');
      lines.push(f.story.trimEnd());
      lines.push('');
      lines.push(`replay: ${replay(f)}`);
    }
  }
  lines.push('');
  lines.push(...coverageText(report.coverage, report.runs, report.cutRuns));
  return lines.join('\n') + '\n';
}

/** What scenario shrinking removed, for the text report (explore and merge). */
export function reductionText(f: Pick<FailureJson, 'droppedThreads' | 'droppedActions'>): string[] {
  const lines: string[] = [];
  if (f.droppedThreads.length > 0) lines.push(`  scenario shrunk: without ${f.droppedThreads.join(', ')}`);
  if (f.droppedActions.length > 0) {
    lines.push(`  scenario shrunk: without ${plural(f.droppedActions.length, 'action')}:`);
    for (const a of f.droppedActions) lines.push(`    ${a}`);
  }
  return lines;
}

/** The coverage lines of the text report (explore and merge). */
export function coverageText(c: CoverageSummary, runs: number, cutRuns: number): string[] {
  const lines = [
    `coverage: ${plural(runs, 'run')} · choices per run ${c.choicesPerRun.min}–${c.choicesPerRun.max} (mean ${c.choicesPerRun.mean}) · ${plural(c.distinctTraces, 'distinct trace')} (${c.distinctTracesPer1000} per 1,000 schedules)${cutRuns > 0 ? ` · ${plural(cutRuns, 'run')} stopped by --max-events` : ''}`,
  ];
  const kinds = Object.entries(c.choiceKinds);
  lines.push(`  choice kinds: ${kinds.length === 0 ? 'none' : kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  lines.push(`  IRPs (first driver, major function, final status): ${c.irpOutcomes.length === 0 ? 'none' : ''}`);
  for (const o of c.irpOutcomes) lines.push(`    ${o}`);
  return lines;
}

/** `1, 3, 5, … 99` */
function sliceText(shard: Shard, runs: number): string {
  const first = [0, 1, 2].map((k) => shard.index + k * shard.count).filter((i) => i <= runs);
  const last = shard.index + Math.floor((runs - shard.index) / shard.count) * shard.count;
  if (first.length === 0) return 'none';
  return last > first[first.length - 1]! ? `${first.join(', ')}, … ${last}` : first.join(', ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
