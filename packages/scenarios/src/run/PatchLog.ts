import type { Patch } from 'immer';

/** Where a snapshot writes its patches: both lists, or nothing when patches were not asked for. */
export type PatchLog = { readonly forward: Patch[]; readonly inverse: Patch[] } | null;

/** Logs a `replace` of `path` + `key` from `from` to `to`, and its inverse. */
export function logReplace(log: PatchLog, path: readonly (string | number)[], key: string | number, from: unknown, to: unknown): void {
  if (log === null) return;
  log.forward.push({ op: 'replace', path: [...path, key], value: to });
  log.inverse.push({ op: 'replace', path: [...path, key], value: from });
}

/** Logs a `replace` of `path` + `key` when `now` differs from `before`; 1 when it does, else 0 (to `|` several). */
export function logChange(log: PatchLog, path: readonly (string | number)[], key: string | number, before: unknown, now: unknown): number {
  if (before === now) return 0;
  logReplace(log, path, key, before, now);
  return 1;
}
