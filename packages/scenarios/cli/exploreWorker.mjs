// Runs an exploration off the main thread, so the main thread can draw the progress bar
// and stop an exploration whose runs stall (a TypeScript driver looping forever).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { exploreCommand } = await import('./exploreCommand.ts');
try {
  const result = await exploreCommand(workerData, (phase, done, total) => parentPort.postMessage({ progress: { phase, done, total } }));
  parentPort.postMessage({ result });
} catch (error) {
  parentPort.postMessage({ crashed: true, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}
