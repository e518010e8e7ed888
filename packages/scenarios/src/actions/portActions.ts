import { INVALID_HANDLE_VALUE } from '@irpsim/io-manager';
import type { ActionDef, ThreadRuntime } from './ActionEnv.ts';
import { checkCommon, checkHandle, compileCommonExpect } from './expectCommon.ts';
import { showHex } from './format.ts';
import { handleOf, remember, requireHandle } from './handles.ts';
import { overlappedOf, requireOverlapped, showOverlapped } from './overlapped.ts';
import { compileDequeueEx, entriesSchema } from './dequeueEntries.ts';
import { checkCount, compileCount } from './readWriteActions.ts';
import { handleExpect, nameSchema, timeoutSchema, valueSchema } from './schemaParts.ts';
import { millisecondsOf } from './waitActions.ts';

/** `create-port: port` — CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, concurrency): a new port, named `port`. */
const createPort: ActionDef = {
  description: 'CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, concurrency): a new completion port; the value names its handle.',
  value: { ...nameSchema, description: 'The name of the port handle, for associate, dequeue and post' },
  properties: { concurrency: valueSchema },
  expect: handleExpect,
  names: (a) => ({ handles: typeof a['create-port'] === 'string' ? [a['create-port']] : [] }),
  compile(action, path, env, what) {
    const name = action['create-port'] as string;
    const concurrency = action['concurrency'] === undefined ? 0 : env.value(action['concurrency'] as number | string, [...path, 'concurrency']);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const port = yield* t.u.CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, concurrency);
      remember(t, name, port);
      checkHandle(t, what, action, port, 0);
      checkCommon(t, what, common, port !== 0);
    };
  },
};

/** `associate: h` + `port` + `key` — CreateIoCompletionPort(h, port, key, 0): the file's completions go to the port. */
const associate: ActionDef = {
  description: 'CreateIoCompletionPort(handle, port, key, 0): completions of requests on the (overlapped) handle become packets on the port with this key.',
  value: { ...nameSchema, description: 'A file handle named with `as`' },
  properties: { port: nameSchema, key: valueSchema },
  expect: {},
  compile(action, path, env, what) {
    const file = action['associate'] as string;
    requireHandle(file, [...path, 'associate'], env);
    const port = action['port'] as string | undefined;
    if (port === undefined) env.error(path, 'associate needs `port:` (a port named by create-port)', null);
    else requireHandle(port, [...path, 'port'], env);
    const key = action['key'] === undefined ? 0 : env.value(action['key'] as number | string, [...path, 'key']);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const result = yield* t.u.CreateIoCompletionPort(handleOf(t, file), port === undefined ? 0 : handleOf(t, port), key, 0);
      checkCommon(t, what, common, result !== 0);
    };
  },
};

/** Which OVERLAPPED pointers a process has dequeued: `overlapped: once` checks a packet is not seen twice. */
const dequeued = new WeakMap<ReadonlyMap<string, number>, Set<number>>();

/** `dequeue: port` — GetQueuedCompletionStatus. */
const dequeue: ActionDef = {
  description: 'GetQueuedCompletionStatus: one packet (its byte count, key and OVERLAPPED), waiting up to `timeout` (INFINITE); with `count` (and `alertable`), GetQueuedCompletionStatusEx.',
  value: { ...nameSchema, description: 'A port named by create-port' },
  properties: {
    timeout: timeoutSchema,
    count: { ...valueSchema, description: 'GetQueuedCompletionStatusEx: take up to this many packets at once (expect entries)' },
    alertable: { type: 'boolean', description: 'GetQueuedCompletionStatusEx: an alertable wait' },
  },
  expect: {
    entries: entriesSchema,
    bytes: { type: ['integer', 'string'], description: '*lpNumberOfBytesTransferred' },
    key: { ...valueSchema, description: '*lpCompletionKey' },
    overlapped: {
      type: ['string', 'null', 'integer'],
      description: '*lpOverlapped: an OVERLAPPED name, null, an address, or "once": an OVERLAPPED no earlier dequeue of this process returned',
    },
  },
  compile(action, path, env, what) {
    const port = action['dequeue'] as string;
    requireHandle(port, [...path, 'dequeue'], env);
    const timeout = action['timeout'] === undefined ? 0xffffffff : millisecondsOf(action['timeout'] as number | string, [...path, 'timeout'], env, 'GetQueuedCompletionStatus');
    if (action['count'] !== undefined || action['alertable'] !== undefined) return compileDequeueEx(action, path, env, what, timeout);
    if ((action['expect'] as Record<string, unknown> | undefined)?.['entries'] !== undefined) env.error([...path, 'expect', 'entries'], 'entries come with count: (GetQueuedCompletionStatusEx)', 'add count: N, or expect bytes, key and overlapped');
    const common = compileCommonExpect(action, path, env);
    const e = (action['expect'] ?? {}) as Record<string, unknown>;
    const count = compileCount(e, path, env);
    const key = e['key'] === undefined ? null : env.value(e['key'] as number | string, [...path, 'expect', 'key']);
    const ov = e['overlapped'];
    if (typeof ov === 'string' && ov !== 'once') requireOverlapped(ov, [...path, 'expect', 'overlapped'], env);
    return function* (t) {
      const out = t.u.scratch(12);
      t.u.write(out, new Uint8Array(12));
      const ok = yield* t.u.GetQueuedCompletionStatus(handleOf(t, port), out, out + 4, out + 8, timeout);
      checkCommon(t, what, common, ok);
      checkCount(t, what, '*lpNumberOfBytesTransferred', count, out, 0);
      if (key !== null) {
        const actual = t.u.readU32(out + 4);
        t.check(`${what}: *lpCompletionKey`, showHex(key), showHex(actual), actual === key >>> 0);
      }
      if (ov !== undefined) checkDequeuedOverlapped(t, what, ov, t.u.readU32(out + 8));
    };
  },
};

function checkDequeuedOverlapped(t: ThreadRuntime, what: string, expected: unknown, actual: number): void {
  const label = `${what}: *lpOverlapped`;
  if (expected === 'once') {
    let seen = dequeued.get(t.handles);
    if (seen === undefined) dequeued.set(t.handles, (seen = new Set()));
    const fresh = actual !== 0 && !seen.has(actual);
    seen.add(actual);
    t.check(label, 'an OVERLAPPED not dequeued before', actual === 0 ? 'NULL' : `${showOverlapped(t, actual)}${fresh ? '' : ', dequeued before'}`, fresh);
    return;
  }
  const wanted = expected === null ? 0 : typeof expected === 'number' ? expected >>> 0 : overlappedOf(t, expected as string);
  t.check(label, wanted === 0 ? 'NULL' : typeof expected === 'string' ? `${expected} (${showHex(wanted)})` : showHex(wanted), showOverlapped(t, actual), actual === wanted);
}

/** `post: port` — PostQueuedCompletionStatus: a packet of the program's own making. */
const post: ActionDef = {
  description: 'PostQueuedCompletionStatus: queue a packet with the given byte count, key and OVERLAPPED (a name, or null).',
  value: { ...nameSchema, description: 'A port named by create-port' },
  properties: { bytes: valueSchema, key: valueSchema, overlapped: { type: ['string', 'null', 'integer'] } },
  expect: {},
  compile(action, path, env, what) {
    const port = action['post'] as string;
    requireHandle(port, [...path, 'post'], env);
    const bytes = action['bytes'] === undefined ? 0 : env.value(action['bytes'] as number | string, [...path, 'bytes']);
    const key = action['key'] === undefined ? 0 : env.value(action['key'] as number | string, [...path, 'key']);
    const ov = action['overlapped'];
    if (typeof ov === 'string') requireOverlapped(ov, [...path, 'overlapped'], env);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      const pointer = typeof ov === 'string' ? overlappedOf(t, ov) : typeof ov === 'number' ? ov >>> 0 : 0;
      checkCommon(t, what, common, yield* t.u.PostQueuedCompletionStatus(handleOf(t, port), bytes, key, pointer));
    };
  },
};

/** `set-notification-modes: h` + `modes` — SetFileCompletionNotificationModes (IO-7.9, IO-7.16). */
const setNotificationModes: ActionDef = {
  description: 'SetFileCompletionNotificationModes: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (1), FILE_SKIP_SET_EVENT_ON_HANDLE (2).',
  value: { ...nameSchema, description: 'A file handle named with `as`' },
  properties: { modes: valueSchema },
  expect: {},
  compile(action, path, env, what) {
    const handle = action['set-notification-modes'] as string;
    requireHandle(handle, [...path, 'set-notification-modes'], env);
    if (action['modes'] === undefined) env.error(path, 'set-notification-modes needs `modes:` (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, FILE_SKIP_SET_EVENT_ON_HANDLE)', null);
    const modes = action['modes'] === undefined ? 0 : env.value(action['modes'] as number | string, [...path, 'modes']);
    const common = compileCommonExpect(action, path, env);
    return function* (t) {
      checkCommon(t, what, common, yield* t.u.SetFileCompletionNotificationModes(handleOf(t, handle), modes));
    };
  },
};

export const PORT_ACTIONS = {
  'create-port': createPort,
  associate,
  dequeue,
  post,
  'set-notification-modes': setNotificationModes,
} as const;

