import { explore, type ExploreFailure, type ExploreOptions, type ExploreReport } from '@irpsim/scenarios';
import { loadInput } from './loadInput.ts';
import { loadFailure, type JobResult } from './runJob.ts';
import { shellQuote } from './shellQuote.ts';

export interface ExploreRequest {
  readonly arg: string;
  readonly format: 'text' | 'json';
  readonly options: Omit<ExploreOptions, 'onProgress'>;
}

/**
 * `irpsim explore`: exit 0 when nothing was found, 1 when a run failed, 2 for invalid
 * input or when the scenario has no real choice (nothing to explore). `onProgress` is
 * told after every run, while exploring and while shrinking.
 */
export async function exploreCommand(request: ExploreRequest, onProgress?: ExploreOptions['onProgress']): Promise<JobResult> {
  const input = await loadInput(request.arg);
  if (!input.ok) return loadFailure(input.errors, request.format);
  const report = explore(input.spec, { ...request.options, ...(onProgress !== undefined ? { onProgress } : {}) });
  if (report.nothingToExplore) {
    const message = `nothing to explore: the run has no real choice, so every schedule is the same run${report.failures.length > 0 ? ' (and it fails: irpsim run shows it)' : ''}`;
    return loadFailure([{ file: request.arg, line: 1, col: 1, message, hint: 'explore needs runnable work that competes: two threads, a DPC and a thread, a timer …' }], request.format);
  }
  const exit = report.failures.length > 0 ? 1 : 0;
  const replay = (f: ExploreFailure) => `npx irpsim replay ${shellQuote(request.arg)} --schedule ${f.schedule}`;
  if (request.format === 'json') return { exit, stdout: JSON.stringify(exploreJson(report, replay, request.options.all === true), null, 2) + '\n', stderr: '' };
  return { exit, stdout: exploreText(report, request.arg, replay), stderr: '' };
}

/** `{ found, runs, check, schedule, storySize, choices, replay }` (docs/cli.md). */
function exploreJson(report: ExploreReport, replay: (f: ExploreFailure) => string, all: boolean): object {
  const one = (f: ExploreFailure) => ({
    check: { description: f.check.description, expected: f.check.expected, actual: f.check.actual },
    schedule: f.schedule,
    storySize: f.storySize,
    nonDefaultChoices: f.nonDefaultChoices,
    userActions: f.userActions,
    choices: f.choices,
    replay: replay(f),
    run: f.run,
    runsFailing: f.runsFailing,
  });
  const common = { runs: report.runs, strategy: report.strategy, depth: report.depth, seed: report.seed, scenarioHash: report.scenarioHash, cutRuns: report.cutRuns, coverage: report.coverage };
  if (all) return { found: report.failingRuns, ...common, failures: report.failures.map(one) };
  const first = report.failures[0];
  if (first === undefined) return { found: false, ...common, check: null, schedule: null, storySize: null, choices: null, replay: null };
  const { check, schedule, storySize, nonDefaultChoices, userActions, choices, replay: command, run } = one(first);
  return { found: true, ...common, check, schedule, storySize, nonDefaultChoices, userActions, choices, replay: command, run };
}

function exploreText(report: ExploreReport, arg: string, replay: (f: ExploreFailure) => string): string {
  const lines: string[] = [];
  const how = `strategy ${report.strategy}${report.depth !== null ? ` (depth ${report.depth})` : ''}, seed ${report.seed}`;
  if (report.failures.length === 0) {
    lines.push(`explore ${arg}: nothing found in ${report.runs} schedules (${how})`);
  } else {
    lines.push(`explore ${arg}: ${report.failingRuns === 1 ? 'a run failed' : `${report.failingRuns} runs failed`} in ${report.runs} schedules (${how})`);
    for (const f of report.failures) {
      lines.push('');
      lines.push(`✗ ${f.check.description}: expected ${f.check.expected}, got ${f.check.actual}`);
      lines.push(`  first in run ${f.run}${f.runsFailing > 1 ? `, ${f.runsFailing} runs in all` : ''}; shrunk from ${f.foundChoices} choices in ${f.shrinkTries} tries`);
      lines.push(`  storySize ${f.storySize} = ${plural(f.nonDefaultChoices, 'non-default choice')} + ${plural(f.userActions, 'user action')} (Win32 calls)`);
      lines.push(`  choices: ${f.choices.length === 0 ? '(none)' : f.choices.join(' ')}`);
      lines.push('');
      lines.push(f.story.trimEnd());
      lines.push('');
      lines.push(`replay: ${replay(f)}`);
    }
  }
  const c = report.coverage;
  lines.push('');
  lines.push(`coverage: ${plural(report.runs, 'run')} · choices per run ${c.choicesPerRun.min}–${c.choicesPerRun.max} (mean ${c.choicesPerRun.mean}) · ${plural(c.distinctTraces, 'distinct trace')} (${c.distinctTracesPer1000} per 1,000 schedules)${report.cutRuns > 0 ? ` · ${plural(report.cutRuns, 'run')} stopped by --max-events` : ''}`);
  const kinds = Object.entries(c.choiceKinds);
  lines.push(`  choice kinds: ${kinds.length === 0 ? 'none' : kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  lines.push(`  IRPs (first driver, major function, final status): ${c.irpOutcomes.length === 0 ? 'none' : ''}`);
  for (const o of c.irpOutcomes) lines.push(`    ${o}`);
  return lines.join('\n') + '\n';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
