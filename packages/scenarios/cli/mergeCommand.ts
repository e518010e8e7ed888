import { readFileSync } from 'node:fs';
import { Coverage, type CoverageData, type LoadError } from '@irpsim/scenarios';
import { coverageText, plural, reductionText, withFailures, type ExploreJson, type FailureJson } from './exploreCommand.ts';
import { loadFailure, type JobResult } from './runJob.ts';

/** The fields every shard of one exploration shares. */
const PLAN_FIELDS = ['scenarioHash', 'strategy', 'depth', 'seed', 'runsAsked', 'maxEvents', 'all'] as const;
const OPTION_OF: Record<(typeof PLAN_FIELDS)[number], string> = {
  scenarioHash: 'scenario (hash)',
  strategy: '--strategy',
  depth: '--depth',
  seed: '--seed',
  runsAsked: '--runs',
  maxEvents: '--max-events',
  all: '--all',
};

export type Merged = { readonly ok: true; readonly merged: ExploreJson; readonly missing: readonly number[] } | { readonly ok: false; readonly errors: LoadError[] };

/**
 * Merges the JSON results of shards of one exploration (`explore --shard I/N --format
 * json`, or earlier merges): runs and failing runs add up; per check, the failure of the
 * smallest run index is kept — without `--all`, only the first failure of all; coverage
 * is the union (choice counts add, distinct traces are counted over all shards).
 */
export function mergeResults(results: readonly { readonly file: string; readonly json: unknown }[]): Merged {
  const errors: LoadError[] = [];
  const error = (file: string, message: string, hint: string | null) => errors.push({ file, line: 1, col: 1, message, hint });
  const shards: { file: string; json: ExploreJson }[] = [];
  for (const { file, json } of results) {
    if (!isShardResult(json)) error(file, 'not the JSON result of a shard', 'merge takes what `irpsim explore … --shard I/N --format json` (or merge --format json) printed');
    else shards.push({ file, json });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (shards.length === 0) return { ok: false, errors: [{ file: '<command line>', line: 1, col: 1, message: 'merge needs at least one result file', hint: 'irpsim merge A.json B.json …' }] };
  const first = shards[0]!;
  const seen = new Map<number, string>();
  for (const { file, json } of shards) {
    for (const field of PLAN_FIELDS) {
      if (json[field] !== first.json[field]) {
        error(file, `explored with ${OPTION_OF[field]} ${String(json[field])}, and ${first.file} with ${String(first.json[field])}: only shards of one exploration merge`, null);
      }
    }
    const modes = (j: ExploreJson) => (j.adversaries ?? []).join(', ') || 'none';
    if (modes(json) !== modes(first.json)) error(file, `explored with adversaries ${modes(json)}, and ${first.file} with ${modes(first.json)}: only shards of one exploration merge`, null);
    if (json.shard!.count !== first.json.shard!.count) error(file, `a shard of ${json.shard!.count}, and ${first.file} one of ${first.json.shard!.count}`, 'give every job the same N in --shard I/N');
    for (const index of json.shard!.indices) {
      const other = seen.get(index);
      if (other !== undefined) error(file, `shard ${index}/${json.shard!.count} is also in ${other}`, 'merge each shard once');
      seen.set(index, file);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const count = first.json.shard!.count;
  const indices = [...seen.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  const coverage = new Coverage();
  const failures = new Map<string, FailureJson>();
  let runs = 0;
  let cutRuns = 0;
  let failingRuns = 0;
  for (const { json } of shards) {
    runs += json.runs;
    cutRuns += json.cutRuns;
    failingRuns += typeof json.found === 'number' ? json.found : json.found ? 1 : 0;
    coverage.merge(json.coverageData!);
    for (const f of json.failures!) {
      const known = failures.get(f.check.key);
      if (known === undefined) failures.set(f.check.key, f);
      else failures.set(f.check.key, { ...(f.run < known.run ? f : known), runsFailing: known.runsFailing + f.runsFailing });
    }
  }
  let ordered = [...failures.values()].sort((a, b) => a.run - b.run);
  // Without --all an exploration reports its first failure only.
  if (!first.json.all) ordered = ordered.slice(0, 1);
  const { runsAsked, strategy, depth, seed, maxEvents, all, scenarioHash } = first.json;
  const adversaries = first.json.adversaries ?? [];
  const merged = withFailures(
    { runs, runsAsked, strategy, depth, seed, maxEvents, all, scenarioHash, adversaries, shard: { count, indices }, cutRuns, coverage: coverage.summary(), coverageData: coverage.data() },
    ordered,
    failingRuns,
  );
  return { ok: true, merged, missing };
}

/** `irpsim merge A.json B.json … [--format text|json]`: exit 1 when a shard found a failure, else 0; 2 for invalid input. */
export function mergeCommand(files: readonly string[], format: 'text' | 'json'): JobResult {
  const results: { file: string; json: unknown }[] = [];
  const errors: LoadError[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      errors.push({ file, line: 1, col: 1, message: `no such file: ${file}`, hint: null });
      continue;
    }
    try {
      results.push({ file, json: JSON.parse(text) as unknown });
    } catch (e) {
      errors.push({ file, line: 1, col: 1, message: `not JSON: ${e instanceof Error ? e.message : String(e)}`, hint: 'merge takes what explore --format json printed' });
    }
  }
  if (errors.length > 0) return loadFailure(errors, format);
  const outcome = mergeResults(results);
  if (!outcome.ok) return loadFailure(outcome.errors, format);
  const { merged, missing } = outcome;
  const failures = mergedFailures(merged);
  const exit = failures.length > 0 ? 1 : 0;
  const warning =
    missing.length > 0
      ? `irpsim merge: ${missing.length === 1 ? 'shard' : 'shards'} ${missing.join(', ')} of ${merged.shard!.count} missing: the result covers only the runs of shards ${merged.shard!.indices.join(', ')}\n`
      : '';
  if (format === 'json') return { exit, stdout: JSON.stringify(merged, null, 2) + '\n', stderr: warning };
  return { exit, stdout: mergeText(merged, failures), stderr: warning };
}

function mergedFailures(merged: ExploreJson): readonly FailureJson[] {
  return merged.failures ?? (merged.check === null || merged.check === undefined ? [] : [merged as unknown as FailureJson]);
}

function mergeText(merged: ExploreJson, failures: readonly FailureJson[]): string {
  const how = `strategy ${merged.strategy}${merged.depth !== null ? ` (depth ${merged.depth})` : ''}, seed ${merged.seed}${merged.adversaries.length > 0 ? `, adversaries ${merged.adversaries.join(', ')}` : ''}`;
  const shards = `shards ${merged.shard!.indices.join(', ')} of ${merged.shard!.count}`;
  const failingRuns = typeof merged.found === 'number' ? merged.found : failures.length;
  const lines = [
    failures.length === 0
      ? `merge of ${shards}: nothing found in ${merged.runs} schedules (${how})`
      : `merge of ${shards}: ${failingRuns === 1 ? 'a run failed' : `${failingRuns} runs failed`} in ${merged.runs} schedules (${how})`,
  ];
  for (const f of failures) {
    lines.push('');
    lines.push(`✗ ${f.check.description}: expected ${f.check.expected}, got ${f.check.actual}`);
    lines.push(`  first in run ${f.run}${f.runsFailing > 1 ? `, ${f.runsFailing} runs in all` : ''}`);
    lines.push(...reductionText({ droppedThreads: f.droppedThreads, droppedActions: f.droppedActions ?? [] }));
    lines.push(`  storySize ${f.storySize} = ${plural(f.nonDefaultChoices, 'non-default choice')} + ${plural(f.userActions, 'user action')} (Win32 calls)`);
    lines.push(`  choices: ${f.choices.length === 0 ? '(none)' : f.choices.join(' ')}`);
    lines.push(`replay: ${f.replay}`);
  }
  lines.push('');
  lines.push(...coverageText(merged.coverage, merged.runs, merged.cutRuns));
  return lines.join('\n') + '\n';
}

function isShardResult(json: unknown): json is ExploreJson {
  if (json === null || typeof json !== 'object') return false;
  const j = json as Record<string, unknown>;
  const shard = j['shard'] as Record<string, unknown> | null | undefined;
  const data = j['coverageData'] as CoverageData | undefined;
  return (
    shard !== null &&
    typeof shard === 'object' &&
    typeof shard['count'] === 'number' &&
    Array.isArray(shard['indices']) &&
    Array.isArray(j['failures']) &&
    typeof j['runs'] === 'number' &&
    typeof j['scenarioHash'] === 'string' &&
    data !== undefined &&
    typeof data === 'object' &&
    Array.isArray(data.traceHashes)
  );
}
