// Runs one job off the main thread, so the main thread's watchdog can stop a run that
// never yields (a TypeScript driver looping forever).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runJob } = await import('./runJob.ts');
try {
  parentPort.postMessage(await runJob(workerData));
} catch (error) {
  parentPort.postMessage({ crashed: true, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}
