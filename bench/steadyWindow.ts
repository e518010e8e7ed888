import type { Engine } from '@irpsim/core';
import { collectGarbage } from './stats.ts';

/** What a bench run's threads have done so far, read between steps. */
export interface RunProgress {
  /** Threads that hold their handle. */
  opened(): number;
  /** Requests made so far. */
  requests(): number;
  /** Threads that made all their calls. */
  finished(): number;
  /** Called when the timed window opens and when it closes: the runner reads its counters. */
  atStart?(): void;
  atEnd?(): void;
}

/** Wall-clock marks (performance.now(), ms) of a run's phases, and the steps inside the window. */
export interface RunPhases {
  readonly opensDone: number;
  readonly start: number;
  readonly end: number;
  readonly finished: number;
  readonly steps: number;
}

/**
 * Drives a bench run with `engine.step()` — what `engine.run()` does — through its phases:
 * boot and every thread's open; the first `warmupRequests` requests; a full collection
 * (the set-up's objects are still young: promoted now rather than inside the window); the
 * timed window, until the first thread has made all its calls; the rest (closes, exits).
 */
export function steadyWindow(engine: Engine, threads: number, warmupRequests: number, progress: RunProgress): RunPhases {
  while (progress.opened() < threads && engine.step()) {
    /* boot and opens */
  }
  const opensDone = performance.now();
  while (progress.requests() < warmupRequests && engine.step()) {
    /* the first requests */
  }
  collectGarbage();
  progress.atStart?.();
  const start = performance.now();
  let steps = 0;
  // The end is checked once per 8 steps (an IRP's worth at depth 3): a call per step would
  // charge the harness's own work to the engine. The window may run up to 7 steps past
  // the first finished thread; the requests counted are the window's, whatever its length.
  for (;;) {
    let i = 0;
    while (i < 8 && engine.step()) i++;
    steps += i;
    if (i < 8 || progress.finished() !== 0) break;
  }
  const end = performance.now();
  progress.atEnd?.();
  while (engine.step()) {
    /* the rest of the requests, closes, exits */
  }
  return { opensDone, start, end, finished: performance.now(), steps };
}
