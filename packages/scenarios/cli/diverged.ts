import { renderText, type ScenarioSpec, type Simulation } from '@irpsim/scenarios';
import type { ReplayDivergence } from './replaySchedule.ts';
import type { Job, JobResult } from './runJob.ts';

/**
 * Exit 3: the replay no longer fits its schedule. Text: the run as it went, then the first
 * choice that did not fit on stderr; JSON: `{ divergence: { index, kind, options, recorded, message } }`.
 */
export function diverged(divergence: ReplayDivergence, simulation: Simulation, spec: ScenarioSpec, format: Job['format']): JobResult {
  const { index, kind, options, recorded, message } = divergence;
  const why = `irpsim: the replay diverged from its schedule: ${message}; from there on it took the default choices, so the run above is not the recorded one\n`;
  if (format === 'json') {
    return { exit: 3, stdout: JSON.stringify({ divergence: { index, kind, options, recorded: recorded ?? null, message } }, null, 2) + '\n', stderr: why };
  }
  const names = new Map([...spec.values].map(([k, v]) => [v, k] as const));
  const stdout = format === 'text' ? renderText(simulation.result(), simulation.events, { names }) : '';
  return { exit: 3, stdout, stderr: why };
}
