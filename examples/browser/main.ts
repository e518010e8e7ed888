/**
 * The page: picks a lesson (bundled as text by Vite), sends it to the worker, shows the
 * progress and then the narration. The engine never runs on the page's thread.
 */
import type { RunRequest, WorkerMessage } from './protocol.ts';

// Every lesson of the repository, as text (Vite inlines them at build time).
const lessons = import.meta.glob<string>('../../packages/scenarios/lessons/*.yaml', { query: '?raw', import: 'default', eager: true });

const select = document.querySelector<HTMLSelectElement>('#lesson')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;
const status = document.querySelector<HTMLSpanElement>('#status')!;
const output = document.querySelector<HTMLPreElement>('#output')!;

for (const path of Object.keys(lessons).sort()) {
  const name = path.slice(path.lastIndexOf('/') + 1, -'.yaml'.length);
  select.add(new Option(name, path, false, name === 'ioctl-methods'));
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  if (message.type === 'progress') {
    status.textContent = `event ${message.seq} · ${(message.timeNs / 1000).toFixed(3)} µs · ${message.irpsInFlight} IRPs in flight`;
  } else if (message.type === 'invalid') {
    status.textContent = 'the scenario does not load';
    output.textContent = message.errors;
    button.disabled = false;
  } else {
    status.textContent = message.passed ? 'PASSED' : 'FAILED';
    output.textContent = message.text;
    button.disabled = false;
  }
};

button.onclick = () => {
  const path = select.value;
  const request: RunRequest = { type: 'run', file: path.slice(path.lastIndexOf('/') + 1), yaml: lessons[path]! };
  button.disabled = true;
  status.textContent = 'running…';
  worker.postMessage(request);
};
