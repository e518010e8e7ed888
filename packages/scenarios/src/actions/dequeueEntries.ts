import type { Path } from '../format/SourceMap.ts';
import type { ActionData, CompileEnv, Step, ThreadRuntime } from './ActionEnv.ts';
import { checkCommon, compileCommonExpect } from './expectCommon.ts';
import { showHex, showStatus } from './format.ts';
import { handleOf } from './handles.ts';
import { overlappedOf, requireOverlapped, showOverlapped } from './overlapped.ts';
import { valueSchema } from './schemaParts.ts';

/** OVERLAPPED_ENTRY (32-bit): lpCompletionKey @0, lpOverlapped @4, Internal @8, dwNumberOfBytesTransferred @12. */
const ENTRY_SIZE = 16;

/** `expect: { entries: [{ key, bytes, overlapped, status }] }`: the entries removed, in order. */
export const entriesSchema = {
  type: 'array',
  description: 'GetQueuedCompletionStatusEx: the OVERLAPPED_ENTRY records removed, in order (each key optional)',
  items: {
    type: 'object',
    properties: { key: valueSchema, bytes: valueSchema, overlapped: { type: ['string', 'null', 'integer'] }, status: valueSchema },
    additionalProperties: false,
  },
} as const;

interface EntryExpect {
  readonly key: number | null;
  readonly bytes: number | null;
  /** An OVERLAPPED name, an address, null (NULL), or undefined (not checked). */
  readonly overlapped: string | number | null | undefined;
  readonly status: number | null;
}

/**
 * `dequeue: port` with `count` (and `alertable`) — GetQueuedCompletionStatusEx (IO-7.17):
 * up to `count` packets at once; `entries` checks them.
 */
export function compileDequeueEx(action: ActionData, path: Path, env: CompileEnv, what: string, timeout: number): Step {
  const port = action['dequeue'] as string;
  const count = action['count'] === undefined ? 1 : env.value(action['count'] as number | string, [...path, 'count']);
  if (count < 1 || count > 64) env.error([...path, 'count'], `count ${count} is out of range: GetQueuedCompletionStatusEx takes 1 to 64 entries here`);
  const alertable = action['alertable'] === true;
  const e = (action['expect'] ?? {}) as Record<string, unknown>;
  for (const k of ['bytes', 'key', 'overlapped'] as const) {
    if (e[k] !== undefined) env.error([...path, 'expect', k], `with count, the packets come as entries: expect entries: [{ key, bytes, overlapped, status }]`);
  }
  const common = compileCommonExpect(action, path, env);
  const entries = e['entries'] === undefined ? null : (e['entries'] as Record<string, unknown>[]).map((x, i): EntryExpect => {
    const at = [...path, 'expect', 'entries', i];
    const ov = x['overlapped'] as string | number | null | undefined;
    if (typeof ov === 'string') requireOverlapped(ov, [...at, 'overlapped'], env);
    return {
      key: x['key'] === undefined ? null : env.value(x['key'] as number | string, [...at, 'key']),
      bytes: x['bytes'] === undefined ? null : env.value(x['bytes'] as number | string, [...at, 'bytes']),
      overlapped: ov,
      status: x['status'] === undefined ? null : env.value(x['status'] as number | string, [...at, 'status']),
    };
  });
  return function* (t) {
    const array = t.u.scratch(ENTRY_SIZE * count + 4);
    t.u.write(array, new Uint8Array(ENTRY_SIZE * count + 4));
    const removedOut = array + ENTRY_SIZE * count;
    const ok = yield* t.u.GetQueuedCompletionStatusEx(handleOf(t, port), array, count, removedOut, timeout, alertable);
    checkCommon(t, what, common, ok);
    if (entries !== null) checkEntries(t, what, entries, array, ok ? t.u.readU32(removedOut) : 0);
  };
}

function checkEntries(t: ThreadRuntime, what: string, expected: readonly EntryExpect[], array: number, removed: number): void {
  t.check(`${what}: *ulNumEntriesRemoved`, String(expected.length), String(removed), removed === expected.length);
  expected.slice(0, removed).forEach((x, i) => {
    const at = array + ENTRY_SIZE * i;
    const label = `${what}: entry ${i}`;
    const [key, overlapped, status, bytes] = [t.u.readU32(at), t.u.readU32(at + 4), t.u.readU32(at + 8), t.u.readU32(at + 12)];
    if (x.key !== null) t.check(`${label}.lpCompletionKey`, showHex(x.key), showHex(key), key === x.key >>> 0);
    if (x.bytes !== null) t.check(`${label}.dwNumberOfBytesTransferred`, String(x.bytes), String(bytes), bytes === x.bytes >>> 0);
    if (x.status !== null) t.check(`${label}.Internal`, showStatus(x.status), showStatus(status), status === x.status >>> 0);
    if (x.overlapped !== undefined) {
      const wanted = x.overlapped === null ? 0 : typeof x.overlapped === 'number' ? x.overlapped >>> 0 : overlappedOf(t, x.overlapped);
      t.check(`${label}.lpOverlapped`, wanted === 0 ? 'NULL' : showOverlapped(t, wanted), showOverlapped(t, overlapped), overlapped === wanted);
    }
  });
}
