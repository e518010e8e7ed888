import type { MessagePort } from 'node:worker_threads';
import { exploreSlice, finishExploration, planExploration, sliceLength, type ExploreSlice } from '@irpsim/scenarios';
import { renderExplore, type ExploreRequest } from './exploreCommand.ts';
import { loadInput } from './loadInput.ts';
import { loadFailure, type JobResult } from './runJob.ts';

/** From the main thread: explore positions [from, to) of the plan's slice, or finish with the merged slices. */
export type ToWorker = { readonly chunk: { readonly id: number; readonly from: number; readonly to: number } } | { readonly finish: ExploreSlice };

/** To the main thread. */
export type FromWorker =
  | { readonly ready: number }
  | { readonly progress: { readonly phase: 'explore' | 'shrink'; readonly done: number; readonly total: number } }
  | { readonly slice: ExploreSlice; readonly id: number }
  | { readonly result: JobResult }
  | { readonly crashed: true; readonly message: string };

/**
 * A worker's side of an exploration: load the scenario, say how many runs the slice has
 * (`ready`), then answer each chunk with its explored slice (a `progress` after every
 * run) and a `finish` with the rendered report.
 */
export async function serveExploration(port: MessagePort, request: ExploreRequest): Promise<void> {
  const post = (message: FromWorker) => port.postMessage(message);
  const input = await loadInput(request.arg);
  if (!input.ok) {
    post({ result: loadFailure(input.errors, request.format) });
    return;
  }
  const spec = input.spec;
  const plan = planExploration(spec, request.options);
  post({ ready: sliceLength(plan) });
  port.on('message', (message: ToWorker) => {
    try {
      if ('chunk' in message) {
        const { id, from, to } = message.chunk;
        let done = 0;
        const slice = exploreSlice(spec, plan, from, to, () => post({ progress: { phase: 'explore', done: ++done, total: to - from } }));
        post({ slice, id });
      } else {
        const report = finishExploration(spec, plan, message.finish, { ...request.options, onProgress: (phase, done, total) => post({ progress: { phase, done, total } }) });
        post({ result: renderExplore(report, request) });
      }
    } catch (error) {
      post({ crashed: true, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  });
}
