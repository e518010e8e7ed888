// One worker of an exploration (exploreWatched.ts): explores the chunks of runs it is
// given, then — the one asked to — shrinks the failures and renders the report. Off the
// main thread, so the main thread can draw the progress bar and stop stalled runs.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveExploration } = await import('./exploreWorkerLoop.ts');
try {
  await serveExploration(parentPort, workerData);
} catch (error) {
  parentPort.postMessage({ crashed: true, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}
