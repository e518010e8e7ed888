import { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import type { ExploreRequest } from './exploreCommand.ts';
import type { JobResult } from './runJob.ts';

export type WatchedExploration = JobResult | { readonly stalled: true; readonly phase: string; readonly done: number } | { readonly crashed: true; readonly message: string };

interface Progress {
  readonly phase: 'explore' | 'shrink';
  readonly done: number;
  readonly total: number;
}

/**
 * Runs an exploration in a worker thread. Every finished run resets a watchdog of
 * `seconds`: a run that takes longer stops the exploration. With `bar`, a progress bar
 * on stderr follows the runs, then the shrinking.
 */
export function exploreWatched(request: ExploreRequest, seconds: number, bar: boolean): Promise<WatchedExploration> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./exploreWorker.mjs', import.meta.url), { workerData: request });
    const progress = bar ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true, hideCursor: true, format: '{phase} [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic) : null;
    let phase: Progress['phase'] | null = null;
    let last: Progress = { phase: 'explore', done: 0, total: 0 };
    let settled = false;
    let timer: ReturnType<typeof setTimeout>;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ stalled: true, phase: last.phase, done: last.done }), seconds * 1000);
    };
    const finish = (result: WatchedExploration) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      progress?.stop();
      void worker.terminate();
      resolve(result);
    };
    arm();
    worker.on('message', (message: { progress?: Progress; result?: JobResult; crashed?: true; message?: string }) => {
      if (message.progress !== undefined) {
        last = message.progress;
        arm();
        if (progress !== null) {
          const label = last.phase === 'explore' ? 'exploring schedules' : 'shrinking (tries)';
          if (phase !== last.phase) {
            if (phase !== null) progress.stop();
            progress.start(last.total, last.done, { phase: label });
            phase = last.phase;
          } else progress.update(last.done);
        }
      } else if (message.result !== undefined) finish(message.result);
      else finish({ crashed: true, message: message.message ?? 'the exploration failed' });
    });
    worker.on('error', (error) => finish({ crashed: true, message: `${error.name}: ${error.message}` }));
    worker.on('exit', (code) => finish({ crashed: true, message: `the worker stopped with exit code ${code}` }));
  });
}
