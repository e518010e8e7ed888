import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario, runScenario } from '../src/index.ts';

/** A scenario of the queue driver whose main thread runs `actions` (YAML lines, indented for the list). */
const scenario = (actions: string) => `name: io-actions
description: read, write, ports and cancellation actions
drivers:
  - use: queue
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Queue', overlapped: true, as: q }
          - { open: '\\\\.\\Queue', as: control }
${actions}`;

const errorsOf = (actions: string): string[] => {
  const r = loadScenario(scenario(actions), { file: 's.yaml' });
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatLoadError);
};

/** Runs the scenario; returns the failed expectations as `description: expected …, got …`. */
const failuresOf = (actions: string): string[] => {
  const r = loadScenario(scenario(actions), { file: 's.yaml' });
  if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
  const { result } = runScenario(r.scenario);
  return result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: expected ${e.expected}, got ${e.actual}`);
};

describe('the read, write, port and cancel actions', () => {
  it('report unknown OVERLAPPED, handle and port names at their position, with a did-you-mean', () => {
    expect(
      errorsOf(`          - { read: q, output: { size: 8 }, overlapped: { as: first } }
          - { inspect: frist }
          - { overlapped-result: first, handle: qq }
          - { dequeue: prt }
          - { cancel-io-ex: q, overlapped: firts }
          - create-port: port
`),
    ).toEqual([
      "s.yaml:13:24: error: no OVERLAPPED named 'frist' in this process (did you mean 'first'?)",
      "s.yaml:14:49: error: no handle named 'qq' in this process: name one with 'as:' on an action that returns a handle (did you mean 'q'?)",
      "s.yaml:15:24: error: no handle named 'prt' in this process: name one with 'as:' on an action that returns a handle (did you mean 'port'?)",
      "s.yaml:16:44: error: no OVERLAPPED named 'firts' in this process (did you mean 'first'?)",
    ]);
  });

  it('refuse what the API cannot do: read-ex without an OVERLAPPED, overlapped-result without its handle', () => {
    expect(errorsOf(`          - { read-ex: q, output: { size: 8 } }\n          - { read: q, output: { size: 8 }, overlapped: { as: ov } }\n          - { overlapped-result: ov }\n`)).toEqual([
      's.yaml:12:13: error: read-ex needs `overlapped:` (true, or { as: NAME, offset }) (ReadFileEx and WriteFileEx fail with ERROR_INVALID_PARAMETER without one)',
      's.yaml:14:13: error: overlapped-result needs `handle:` (the handle the request was sent on)',
    ]);
  });

  it('dequeue … overlapped: once fails on a packet whose OVERLAPPED was dequeued before', () => {
    const failures = failuresOf(`          - create-port: port
          - { read: q, output: { size: 8 }, overlapped: { as: ov } }
          - { post: port, bytes: 1, overlapped: ov }
          - { post: port, bytes: 2, overlapped: ov }
          - { dequeue: port, timeout: 0, expect: { returns: true, bytes: 1, overlapped: once } }
          - { dequeue: port, timeout: 0, expect: { returns: true, bytes: 2, overlapped: once } }
          - { cancel-io-ex: q, overlapped: ov, expect: { returns: true } }
`);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/#8 dequeue port: \*lpOverlapped: expected an OVERLAPPED not dequeued before, got ov \(0x[0-9A-F]+\), dequeued before$/);
  });

  it('dequeue with count is GetQueuedCompletionStatusEx: the entries in the order the packets were queued', () => {
    const actions = (second: string) => `          - create-port: port
          - { associate: q, port: port, key: 3 }
          - { read: q, output: { size: 8 }, overlapped: { as: a } }
          - { read: q, output: { size: 8 }, overlapped: { as: b } }
          - { post: port, bytes: 5, key: 9 }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }
          - { sleep: 1 }
          - dequeue: port
            count: 8
            timeout: 0
            expect: { returns: true, entries: [{ key: 9, bytes: 5, overlapped: null }, { key: 3, bytes: 7, overlapped: ${second}, status: STATUS_SUCCESS }, { key: 3, bytes: 7 }] }
          - { dequeue: port, count: 2, timeout: 0, alertable: true, expect: { returns: false, error: WAIT_TIMEOUT } }
`;
    // The queue driver completes newest first: b's packet comes before a's.
    expect(failuresOf(actions('b'))).toEqual([]);
    expect(failuresOf(actions('a'))).toEqual([expect.stringMatching(/^app\/main #10 dequeue port: entry 1\.lpOverlapped: expected a \(0x[0-9A-F]+\), got b \(0x[0-9A-F]+\)$/)]);
  });

  it('signalled reads the events without consuming them: the service resets the caller\'s event, completion sets it and not the file\'s', () => {
    const actions = (fileSignalled: boolean) => `          - { create-event: ~, manual: true, signalled: true, as: ev }
          - read: q
            output: { size: 8 }
            overlapped: { as: ov, event: ev }
            expect: { returns: false, error: ERROR_IO_PENDING, signalled: { ev: false, q: false } }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }
          - { overlapped-result: ov, handle: q, bWait: true, expect: { returns: true, bytes: 7 } }
          - { inspect: ov, expect: { signalled: { ev: true, q: ${fileSignalled} } } }
          - { inspect: ov, expect: { signalled: { ev: true } } }
`;
    expect(failuresOf(actions(false))).toEqual([]);
    expect(failuresOf(actions(true))).toEqual(['app/main #7 inspect ov: q: expected signalled, got not signalled']);
  });

  it('driverSaw records the IRP as the top driver received it, and says what differs', () => {
    const read = (saw: string) => `          - { read: q, output: { size: 8 }, overlapped: { offset: 16 }, expect: { returns: false, driverSaw: ${saw} } }
          - { cancel-io: q }
`;
    expect(failuresOf(read('{ major: IRP_MJ_READ, length: 8, byteOffset: 16, systemBuffer: { length: 8 }, mdl: null, userBuffer: caller, requestorMode: UserMode, stackCount: 1 }'))).toEqual([]);
    expect(failuresOf(read('{ byteOffset: 0, systemBuffer: null, ioControlCode: 0x222000, type3InputBuffer: caller }'))).toEqual([
      'app/main #3 read q: the driver saw ioControlCode: expected 0x222000, got nothing (not this kind of request)',
      'app/main #3 read q: the driver saw byteOffset: expected 0, got 16',
      expect.stringMatching(/^app\/main #3 read q: the driver saw SystemBuffer: expected NULL, got 8 bytes at 0x[0-9A-F]+$/),
      expect.stringMatching(/^app\/main #3 read q: the driver saw Type3InputBuffer: expected the caller's buffer 0x[0-9A-F]+, got nothing \(not an IOCTL\)$/),
    ]);
    // A request refused before any IRP exists: no driver saw anything.
    expect(failuresOf(`          - { read: q, output: { address: 0x81000000, length: 8 }, overlapped: true, expect: { returns: false, driverSaw: { length: 8 } } }
`)).toEqual([
      'app/main #3 read q: the driver saw: expected an IRP, got no IRP reached a driver',
    ]);
  });

  it('read, inspect and overlapped-result see a pended request complete: Internal, InternalHigh and the count', () => {
    expect(
      failuresOf(`          - { create-event: ~, manual: true, as: ev }
          - read: q
            output: { size: 16, fill: 0xEE }
            overlapped: { as: ov, event: ev, offset: 32 }
            expect: { returns: false, error: ERROR_IO_PENDING, overlapped: { internal: STATUS_PENDING, internalHigh: 0 } }
          - { inspect: ov, expect: { completed: false } }
          - { overlapped-result: ov, handle: q, expect: { returns: false, error: ERROR_IO_INCOMPLETE } }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control, expect: { returns: true } }
          - { overlapped-result: ov, handle: q, bWait: true, expect: { returns: true, bytes: 7 } }
          - { inspect: ov, expect: { completed: true, overlapped: { internal: STATUS_SUCCESS, internalHigh: 7 } } }
`),
    ).toEqual([]);
    // The same with a wrong count: the check can fail.
    expect(failuresOf(`          - { read: q, output: { size: 16 }, overlapped: { as: ov, offset: 0 } }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }
          - { overlapped-result: ov, handle: q, bWait: true, expect: { returns: true, bytes: 8 } }
`)).toEqual(['app/main #5 overlapped-result ov: *lpNumberOfBytesTransferred: expected 8, got 7']);
  });
});
