import { Worker } from 'node:worker_threads';
import type { Job, JobResult } from './runJob.ts';

export type WatchedResult = JobResult | { readonly timedOut: true } | { readonly crashed: true; readonly message: string };

/** Runs a job in a worker thread and stops it after `seconds` of wall-clock time. */
export function runWatched(job: Job, seconds: number): Promise<WatchedResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: job });
    let settled = false;
    const finish = (result: WatchedResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ timedOut: true }), seconds * 1000);
    worker.on('message', (message: WatchedResult) => finish(message));
    worker.on('error', (error) => finish({ crashed: true, message: `${error.name}: ${error.message}` }));
    worker.on('exit', (code) => finish({ crashed: true, message: `the worker stopped with exit code ${code}` }));
  });
}
