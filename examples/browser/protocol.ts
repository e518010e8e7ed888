import type { Report } from '@irpsim/scenarios';

/** What the page asks the worker: run this scenario text. */
export interface RunRequest {
  readonly type: 'run';
  readonly file: string;
  readonly yaml: string;
  readonly seed?: number;
}

/** What the worker answers: progress while stepping, then the narration or the load errors. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly seq: number; readonly timeNs: number; readonly irpsInFlight: number }
  | { readonly type: 'done'; readonly passed: boolean; readonly text: string; readonly report: Report | null }
  | { readonly type: 'invalid'; readonly errors: string };
