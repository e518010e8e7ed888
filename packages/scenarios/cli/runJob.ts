import {
  chromeJson,
  formatLoadError,
  renderChrome,
  renderHistory,
  renderJson,
  renderJsonl,
  renderMermaid,
  renderText,
  renderWindbg,
  Simulation,
  snapshotAt,
  snapshotIo,
  type IoSnapshot,
  type LoadError,
} from '@irpsim/scenarios';
import { loadInput } from './loadInput.ts';
import { diverged } from './diverged.ts';
import { replaySchedule, scheduleFor, type ReplayDivergence } from './replaySchedule.ts';

/** What the worker is asked to do. */
export interface Job {
  readonly command: 'run' | 'check' | 'replay';
  readonly arg: string;
  readonly format: 'text' | 'json' | 'jsonl' | 'history' | 'windbg' | 'mermaid' | 'chrome';
  /** `--format windbg --at SEQ`: the event whose state is shown (default: the last), and the option's column. */
  readonly at?: number;
  readonly atColumn?: number;
  readonly seed?: number;
  readonly strategy?: 'random' | 'first-come';
  /** `run --adversaries`: every adversary mode on (docs/verifier.md "Adversaries"). */
  readonly adversaries?: boolean;
  /** [explore] `replay`: the schedule token, and its column on the command line. */
  readonly schedule?: string;
  readonly scheduleColumn?: number;
}

export interface JobResult {
  readonly exit: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Loads and runs (or only checks) a scenario, rendering the output for the chosen format. */
export async function runJob(job: Job): Promise<JobResult> {
  const input = await loadInput(job.arg);
  if (!input.ok) return loadFailure(input.errors, job.format);
  if (job.command === 'check') {
    return { exit: 0, stdout: job.format === 'json' ? JSON.stringify({ errors: [] }) + '\n' : '', stderr: '' };
  }
  // [explore] `replay` runs the recorded schedule; exit 3 when the run no longer fits it.
  let divergence: ReplayDivergence | null = null;
  let simulation: Simulation;
  if (job.command === 'replay') {
    const found = scheduleFor(job.schedule ?? '', input.spec);
    if (!found.ok) return loadFailure([{ file: '<command line>', line: 1, col: job.scheduleColumn ?? 1, message: found.message, hint: found.hint }], job.format);
    ({ simulation, divergence } = replaySchedule(input.spec, found.schedule));
  } else {
    simulation = new Simulation(input.spec, {
      ...(job.seed !== undefined ? { seed: job.seed } : {}),
      ...(job.strategy !== undefined ? { strategy: job.strategy } : {}),
      ...(job.adversaries === true ? { adversaries: true } : {}),
    });
  }
  // `--format windbg`: the state is captured as event SEQ is emitted, not after its step.
  let snapshot: (() => IoSnapshot | null) | null = null;
  if (job.format === 'windbg' && job.at !== undefined) snapshot = snapshotAt(simulation, job.at);
  const result = simulation.run();
  if (divergence !== null) return diverged(divergence, simulation, input.spec, job.format);
  const exit = result.passed ? 0 : 1;
  const names = new Map([...input.spec.values].map(([k, v]) => [v, k] as const));
  switch (job.format) {
    case 'json':
      return { exit, stdout: JSON.stringify(renderJson(result, input.label), null, 2) + '\n', stderr: '' };
    case 'jsonl':
      return { exit, stdout: renderJsonl(simulation.events, { scenarioHash: result.scenarioHash, seed: result.seed }), stderr: '' };
    case 'history':
      return { exit, stdout: renderHistory(result, simulation.events, { names }), stderr: '' };
    case 'mermaid':
      return { exit, stdout: renderMermaid(result, simulation.events, { names }), stderr: '' };
    case 'chrome':
      return { exit, stdout: chromeJson(renderChrome(result, simulation.events, { names })), stderr: '' };
    case 'windbg':
      return windbg(job, simulation, snapshot, names, exit);
    default:
      return { exit, stdout: renderText(result, simulation.events, { names }), stderr: '' };
  }
}

/** `--format windbg`: the state at `--at SEQ` (default: the last event, when the run has ended). */
function windbg(job: Job, simulation: Simulation, snapshot: (() => IoSnapshot | null) | null, names: ReadonlyMap<number, string>, exit: number): JobResult {
  const events = simulation.events;
  const seq = job.at ?? events.length;
  const event = events[seq - 1];
  const state = snapshot !== null ? snapshot() : event !== undefined ? snapshotIo(simulation.io, event) : null;
  if (event === undefined || state === null) {
    const message = `--at ${seq}: the run has ${events.length} event${events.length === 1 ? '' : 's'}, numbered 1 to ${events.length}`;
    return loadFailure([{ file: '<command line>', line: 1, col: job.atColumn ?? 1, message, hint: 'the #SEQ column of --format history, or seq in --format jsonl' }], 'text');
  }
  return { exit, stdout: renderWindbg(state, event, { names, scenario: simulation.spec.name }), stderr: '' };
}

/** Exit 2: positioned errors on stderr, or as data on stdout with --format json. */
export function loadFailure(errors: readonly LoadError[], format: Job['format']): JobResult {
  if (format === 'json') return { exit: 2, stdout: JSON.stringify({ errors }, null, 2) + '\n', stderr: '' };
  return { exit: 2, stdout: '', stderr: errors.map(formatLoadError).join('\n') + '\n' };
}
