import { renderCrashAnalysis } from './renderCrashAnalysis.ts';
import type { TraceEvent } from '@irpsim/core';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import { narrate } from './narrate.ts';
import { renderReport } from '../report/renderReport.ts';

export interface TextOptions {
  /** Numbers to show by name (IOCTL codes of the scenario and its drivers). */
  readonly names?: ReadonlyMap<number, string>;
  /** Show scheduling choices too. */
  readonly choices?: boolean;
}

/** Simulated nanoseconds as microseconds, aligned: `    4.210 µs`. */
export function formatTime(ns: number): string {
  return `${(ns / 1000).toFixed(3).padStart(10)} µs`;
}

/**
 * The narrated trace a student follows: one line per meaningful event, indented under
 * the call it belongs to (Win32 call → system service → IoCallDriver → dispatch), then
 * the verdict.
 */
export function renderText(result: ScenarioResult, events: readonly TraceEvent[], options: TextOptions = {}): string {
  const names = options.names ?? new Map<number, string>();
  const out: string[] = [];
  out.push(`${result.scenario} — ${result.description}`);
  out.push(`seed ${result.seed} · strategy ${result.strategy} · scenario ${result.scenarioHash}`);
  out.push('');
  const depth = new Map<string, number>();
  const width = Math.max(12, ...events.map((e) => e.actor.length));
  let lastActor = '';
  for (const e of events) {
    if (e.type === 'sched.choice') {
      if (options.choices === true) out.push(`${formatTime(e.t)}  ${'scheduler'.padEnd(width)}  choice: ${e.pick + 1} of ${e.options} (${e.kind})`);
      continue;
    }
    const line = narrate(e, names);
    if (line === null) continue;
    let d = depth.get(e.actor) ?? 0;
    if (line.close === true) d = Math.max(0, d - 1);
    const who = e.actor === lastActor ? ''.padEnd(width) : e.actor.padEnd(width);
    lastActor = e.actor;
    out.push(`${formatTime(e.t)}  ${who}  ${'  '.repeat(d)}${line.text}`);
    if (line.open === true) d++;
    depth.set(e.actor, d);
  }
  out.push('');
  if (result.report !== null) out.push(...renderReport(result.report), ''); // [scenarios] the lesson's report table
  out.push(...renderVerdict(result));
  return out.join('\n') + '\n';
}

/** The verdict block that ends every narration. */
export function renderVerdict(result: ScenarioResult): string[] {
  const lines: string[] = [];
  const failed = result.expectations.filter((e) => !e.passed);
  lines.push(`Verdict: ${result.passed ? 'PASSED' : 'FAILED'} — outcome ${result.outcome}: ${result.reason}`);
  if (result.bugcheck !== null) {
    lines.push(`  bug check ${result.bugcheck.name}${result.bugcheck.driver !== undefined ? ` (driver ${result.bugcheck.driver})` : ''}`);
    lines.push(...renderCrashAnalysis(result.bugcheck));
  }
  for (const v of result.violations) lines.push(`  violation ${v.check}: ${v.message}`);
  for (const e of failed) lines.push(`  ✗ ${e.description}: expected ${show(e.expected)}, got ${show(e.actual)}`);
  const s = result.stats;
  lines.push(
    `  ${result.expectations.length - failed.length} of ${result.expectations.length} expectations held · ${s.irps} IRP${s.irps === 1 ? '' : 's'} · ${s.events} events · ${s.steps} steps · ${s.choices} choices · ${(s.simTimeNs / 1000).toFixed(3)} µs simulated`,
  );
  return lines;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
