/**
 * The Web Worker: runs a scenario with the library API, off the page's thread. It steps
 * the simulation itself so it can report progress (the state's IRPs in flight) while the
 * run goes on, then posts the narration. Nothing here needs a DOM or a Node module.
 */
import { createSimulation, irpsOf, renderText, ScenarioLoadError } from '@irpsim/scenarios';
import type { RunRequest, WorkerMessage } from './protocol.ts';

/** Steps between two progress messages. */
const SLICE = 200;

interface WorkerScope {
  onmessage: ((event: { data: RunRequest }) => void) | null;
  postMessage(message: WorkerMessage): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const request = event.data;
  if (request.type !== 'run') return;
  let simulation;
  try {
    simulation = createSimulation(request.yaml, { file: request.file, ...(request.seed !== undefined ? { seed: request.seed } : {}) });
  } catch (error) {
    scope.postMessage({ type: 'invalid', errors: error instanceof ScenarioLoadError ? error.message : String(error) });
    return;
  }
  let steps = 0;
  while (simulation.step()) {
    if (++steps % SLICE === 0) {
      const state = simulation.inspect();
      scope.postMessage({ type: 'progress', seq: state.seq, timeNs: state.time, irpsInFlight: irpsOf(state).length });
    }
  }
  const result = simulation.result();
  scope.postMessage({ type: 'done', passed: result.passed, text: renderText(result, simulation.events), report: result.report });
};
