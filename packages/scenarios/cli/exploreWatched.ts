import { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { mergeSlices, type ExploreSlice } from '@irpsim/scenarios';
import type { ExploreRequest } from './exploreCommand.ts';
import type { FromWorker, ToWorker } from './exploreWorkerLoop.ts';
import type { JobResult } from './runJob.ts';

export type WatchedExploration =
  | JobResult
  | { readonly stalled: true; readonly phase: 'load' | 'explore' | 'shrink'; readonly run: number; readonly done: number }
  | { readonly crashed: true; readonly message: string };

/** Chunks per worker, about: small enough to balance, large enough to keep messages few. */
const CHUNKS_PER_WORKER = 16;
const MAX_CHUNK = 1000;
/** Loading a scenario (compiling a TypeScript one) may take longer than a run: at least this. */
const LOAD_SECONDS = 30;

interface Slot {
  readonly worker: Worker;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The chunk it explores (its first position and runs done in it), or null. */
  chunk: { id: number; from: number; done: number } | null;
  phase: 'load' | 'explore' | 'shrink' | 'idle';
  /** Terminated on purpose: no longer needed. */
  stopped: boolean;
}

/**
 * Runs an exploration in `workers` worker threads. The main thread cuts the slice of runs
 * (all of them, or a shard's) into chunks in run order and hands them out as workers
 * free up; without `all`, it stops handing out chunks after the first chunk with a
 * failure, waits for the chunks before it, and merges chunks up to it: exactly the runs
 * one thread would have explored, so the report does not depend on the worker count.
 * One worker then shrinks and renders. Every finished run resets that worker's watchdog of
 * `seconds`: a run that takes longer stops the exploration. With `bar`, a progress bar on
 * stderr follows the runs, then the shrinking.
 */
export function exploreWatched(request: ExploreRequest, seconds: number, bar: boolean, workers = 1): Promise<WatchedExploration> {
  return new Promise((resolve) => {
    const shard = request.options.shard;
    const runAt = (position: number) => (shard === undefined ? position + 1 : shard.index + position * shard.count);
    const progress = bar ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true, hideCursor: true, format: '{phase} [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic) : null;
    const slots: Slot[] = [];
    const slices = new Map<number, ExploreSlice>();
    let settled = false;
    let length = -1;
    let chunkSize = 1;
    let chunks = 0;
    let next = 0;
    /** The first chunk after which nothing more is needed (a failure without `all`, or no choice at all). */
    let last = Infinity;
    let runsDone = 0;
    let finisher: Slot | null = null;
    let barPhase: 'explore' | 'shrink' | null = null;

    const finish = (result: WatchedExploration) => {
      if (settled) return;
      settled = true;
      for (const slot of slots) {
        clearTimeout(slot.timer);
        void slot.worker.terminate();
      }
      progress?.stop();
      resolve(result);
    };
    const arm = (slot: Slot) => {
      clearTimeout(slot.timer);
      if (slot.phase === 'idle') return;
      slot.timer = setTimeout(() => {
        const run = slot.chunk === null ? 0 : runAt(slot.chunk.from + slot.chunk.done);
        finish({ stalled: true, phase: slot.phase === 'idle' ? 'explore' : slot.phase, run, done: runsDone });
      }, (slot.phase === 'load' ? Math.max(seconds, LOAD_SECONDS) : seconds) * 1000);
    };
    const showBar = (phase: 'explore' | 'shrink', done: number, total: number) => {
      if (progress === null) return;
      if (barPhase !== phase) {
        if (barPhase !== null) progress.stop();
        progress.start(total, Math.min(done, total), { phase: phase === 'explore' ? 'exploring schedules' : 'shrinking (tries)' });
        barPhase = phase;
      } else progress.update(Math.min(done, total));
    };
    const dispatch = (slot: Slot) => {
      if (next < chunks && next <= last) {
        const id = next++;
        const from = id * chunkSize;
        slot.chunk = { id, from, done: 0 };
        slot.phase = 'explore';
        slot.worker.postMessage({ chunk: { id, from, to: Math.min(length, from + chunkSize) } } satisfies ToWorker);
      } else {
        slot.chunk = null;
        slot.phase = 'idle';
      }
      arm(slot);
      maybeFinish();
    };
    const maybeFinish = () => {
      if (finisher !== null || length < 0) return;
      const end = Math.min(last, chunks - 1);
      for (let id = 0; id <= end; id++) if (!slices.has(id)) return;
      const merged = mergeSlices([...slices].filter(([id]) => id <= end).sort(([a], [b]) => a - b).map(([, s]) => s));
      // An idle worker if there is one (the others may still be in a chunk nobody needs).
      const slot = slots.find((s) => s.phase === 'idle') ?? slots[0]!;
      finisher = slot;
      // The others are done or in a chunk nobody needs.
      for (const other of slots) {
        if (other === slot) continue;
        other.stopped = true;
        other.phase = 'idle';
        clearTimeout(other.timer);
        void other.worker.terminate();
      }
      slot.phase = 'shrink';
      arm(slot);
      slot.worker.postMessage({ finish: merged } satisfies ToWorker);
    };

    const count = Math.max(1, Math.floor(workers));
    for (let w = 0; w < count; w++) {
      const worker = new Worker(new URL('./exploreWorker.mjs', import.meta.url), { workerData: request });
      const slot: Slot = { worker, timer: undefined, chunk: null, phase: 'load', stopped: false };
      slots.push(slot);
      arm(slot);
      worker.on('message', (message: FromWorker) => {
        if (settled || slot.stopped) return;
        if ('ready' in message) {
          if (length < 0) {
            length = message.ready;
            chunkSize = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(length / (count * CHUNKS_PER_WORKER))));
            chunks = Math.ceil(length / chunkSize);
          }
          dispatch(slot);
        } else if ('progress' in message) {
          const p = message.progress;
          if (p.phase === 'explore') {
            runsDone++;
            if (slot.chunk !== null) slot.chunk.done = p.done;
            showBar('explore', runsDone, length);
          } else showBar('shrink', p.done, p.total);
          arm(slot);
        } else if ('slice' in message) {
          slices.set(message.id, message.slice);
          if (slot === finisher) return; // a chunk it had begun before finishing: not needed
          if (message.slice.anyChoice === false || (!request.options.all && message.slice.failures.length > 0)) last = Math.min(last, message.id);
          dispatch(slot);
        } else if ('result' in message) finish(message.result);
        else finish({ crashed: true, message: message.message });
      });
      worker.on('error', (error) => slot.stopped || finish({ crashed: true, message: `${error.name}: ${error.message}` }));
      worker.on('exit', (code) => slot.stopped || finish({ crashed: true, message: `the worker stopped with exit code ${code}` }));
    }
  });
}
