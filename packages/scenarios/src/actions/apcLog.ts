import type { Thread } from '@irpsim/core';

/** One APC or completion routine of the program that ran, with what it was given. */
export interface ApcRun {
  /** `APC routine` (an NT APC routine), `completion routine` (ReadFileEx / WriteFileEx), `user APC` (QueueUserAPC). */
  readonly kind: 'APC routine' | 'completion routine' | 'user APC';
  readonly label: string;
  /** Its arguments: `context`, `iosb`, `status`, `information` (APC routine); `error`, `bytes`, `overlapped` (completion routine). */
  readonly args: Readonly<Record<string, number>>;
}

/** The recordings open on each thread: a wait with `apcs` opens one while it runs. */
const open = new WeakMap<Thread, ApcRun[][]>();

/** Called by the scenario's routines as they start: every recording open on `thread` gets the run. */
export function apcRan(thread: Thread, run: ApcRun): void {
  for (const log of open.get(thread) ?? []) log.push(run);
}

/** Starts recording the routines that run in `thread`; `stop()` ends it and returns them, in order. */
export function watchApcs(thread: Thread): { stop(): readonly ApcRun[] } {
  const log: ApcRun[] = [];
  let logs = open.get(thread);
  if (logs === undefined) open.set(thread, (logs = []));
  logs.push(log);
  return {
    stop() {
      const i = logs.indexOf(log);
      if (i >= 0) logs.splice(i, 1);
      return log;
    },
  };
}
