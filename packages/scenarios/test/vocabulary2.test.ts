import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, renderText } from '../src/index.ts';

/** The vocabulary of docs/scenario-format.md §4 that issue #7 added last: each check is one the run really made. */
function run(text: string) {
  const loaded = loadScenario(text, { file: 'v2.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const simulation = new Simulation(loaded.scenario);
  const result = simulation.run();
  const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: wanted ${String(e.expected)}, got ${String(e.actual)}`);
  return { result, failed, text: renderText(result, simulation.events) };
}

function errors(text: string): string[] {
  const loaded = loadScenario(text, { file: 'v2.yaml' });
  return loaded.ok ? [] : loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
}

const scenario = (actions: string, more = '') => `name: v2
description: the vocabulary added last
drivers:
  - use: hello
  - use: queue
  - use: slow
processes:
  - name: app
    threads:
      - name: main
        actions:
${actions}
${more}`;

describe('set-last-error (IO-8.4)', () => {
  it('IO-8.4 a successful call leaves the last error as SetLastError set it; a failing one replaces it', () => {
    const { failed, result } = run(
      scenario(`          - { open: '\\\\.\\Hello', as: h }
          - { set-last-error: 0xDEADF00D, expect: { error: 0xDEADF00D } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: hi }, output: { size: 8 }, expect: { returns: true, bytes: 2, error: 0xDEADF00D } }
          - { ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: hello }, output: { size: 2 }, expect: { returns: false, error: ERROR_INSUFFICIENT_BUFFER } }
          - { set-last-error: ERROR_NOT_FOUND }
          - { close: h, expect: { returns: true, error: ERROR_NOT_FOUND } }`),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.includes('GetLastError')).length).toBe(4);
  });

  it('IO-8.4 the expectation can fail: a value the call did not leave is reported', () => {
    const { failed } = run(
      scenario(`          - { set-last-error: 5 }
          - { open: '\\\\.\\Hello', as: h, expect: { error: 6 } }`),
    );
    expect(failed).toEqual([expect.stringContaining('GetLastError(): wanted ERROR_INVALID_HANDLE (6), got ERROR_ACCESS_DENIED (5)')]);
  });

  it('SetLastError returns nothing: expecting a return value is a load error', () => {
    expect(errors(scenario('          - { set-last-error: 1, expect: { returns: true } }'))).toEqual([expect.stringContaining('SetLastError returns nothing')]);
  });
});

describe('the elapsed expectation (IO-6.5, IO-9.11)', () => {
  it('IO-5.14 a synchronous IOCTL the driver completes 10 µs later takes at least 10 µs; a refused one takes less', () => {
    const { failed, result } = run(
      scenario(`          - { open: '\\\\.\\Slow', as: s }
          - { ioctl: IOCTL_SLOW_ECHO, handle: s, input: { text: ab }, output: { size: 4 }, expect: { returns: true, elapsed: { atLeast: 10us, atMost: 1ms } } }
          - { open: '\\\\.\\Nothing', expect: { error: ERROR_FILE_NOT_FOUND, elapsed: { atMost: 10us } } }`),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.endsWith('elapsed'))).toHaveLength(2);
  });

  it('a bound the call misses fails with the time it took', () => {
    const { failed } = run(
      scenario(`          - { open: '\\\\.\\Slow', as: s }
          - { ioctl: IOCTL_SLOW_ECHO, handle: s, input: { text: ab }, output: { size: 4 }, expect: { elapsed: { atMost: 1us } } }`),
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/elapsed: wanted at most 1 µs, got \d+(\.\d+)? µs/);
  });

  it('IO-9.11 closing a synchronous file object waits for the call in progress on it', () => {
    const { failed } = run(
      scenario(
        `          - { open: '\\\\.\\Slow', as: s }
          - { ioctl: IOCTL_SLOW_ECHO, handle: s, input: { text: ab }, output: { size: 4 }, expect: { returns: true } }`,
        `      - name: closer
        start: 3us
        actions:
          - { close: s, expect: { returns: true, elapsed: { atLeast: 5us }, irps: [IRP_MJ_CLEANUP, IRP_MJ_CLOSE] } }`,
      ),
    );
    expect(failed).toEqual([]);
  });

  it('times follow §3.1 and contradictory bounds are load errors', () => {
    expect(errors(scenario(`          - { sleep: 1, expect: { elapsed: { atLeast: 2ms, atMost: 1ms } } }`))).toEqual([expect.stringContaining('atLeast (2 ms) is more than atMost (1 ms)')]);
    expect(errors(scenario(`          - { sleep: 1, expect: { elapsed: { atLeast: soon } } }`))).toEqual([expect.stringContaining("'soon' is not a time")]);
  });
});

describe('the apcs expectation (IO-7.12, IO-7.14)', () => {
  const issue = `          - { nt-open: '\\Device\\Queue', options: FILE_NON_DIRECTORY_FILE, as: q }
          - { open: '\\\\.\\Queue', overlapped: true, as: qo }
          - { open: '\\\\.\\Queue', as: control }
          - { nt-read: q, buffer: { size: 8 }, offset: 0, apc: { label: r, context: 456 }, iosb: io1, expect: { status: STATUS_PENDING } }
          - { read-ex: qo, output: { size: 8 }, overlapped: { as: ov }, completion: done, expect: { returns: true } }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }`;

  it('IO-7.12 the routines run at the next alertable wait of the issuing thread, in completion order, with their arguments', () => {
    // The queue driver completes newest first: the ReadFileEx, then the NtReadFile.
    const { failed } = run(
      scenario(`${issue}
          - { sleep: 1, expect: { returns: 0, apcs: [] } }
          - sleep: 0
            alertable: true
            expect:
              returns: WAIT_IO_COMPLETION
              apcs:
                - { label: done, error: 0, bytes: 7, overlapped: ov }
                - { label: r, context: 456, iosb: io1, status: STATUS_SUCCESS, information: 7 }
          - { sleep: 0, alertable: true, expect: { returns: 0, apcs: [] } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-7.12 a wrong order, label or argument fails, showing what ran', () => {
    const { failed } = run(
      scenario(`${issue}
          - { sleep: 1 }
          - { sleep: 0, alertable: true, expect: { apcs: [r, done] } }`),
    );
    expect(failed).toEqual([
      expect.stringContaining('APCs that ran: wanted "r", "done", got completion routine "done" (error ERROR_SUCCESS (0), bytes 7, overlapped 0x'),
    ]);
    const wrongContext = run(
      scenario(`${issue}
          - { sleep: 1 }
          - { sleep: 0, alertable: true, expect: { apcs: [done, { label: r, context: 457 }] } }`),
    );
    expect(wrongContext.failed).toHaveLength(1);
  });

  it('IO-7.14 a user APC queued to a thread in a non-alertable wait runs at its next alertable wait, with the read’s APC routine', () => {
    const { failed } = run(`name: v2
description: IO-7.14 with FILE_SYNCHRONOUS_IO_NONALERT
drivers:
  - use: queue
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Queue', as: control }
          - spawn: reader
            as: t
            actions:
              - { nt-open: '\\Device\\Queue', as: q }
              - { nt-read: q, buffer: { size: 8 }, offset: 0, apc: { label: r }, expect: { status: STATUS_SUCCESS, elapsed: { atLeast: 2us } } }
              - { sleep: 0, alertable: true, expect: { returns: WAIT_IO_COMPLETION, apcs: [poke, r] } }
          - { sleep: 0, note: 'the reader blocks in its read' }
          - { queue-apc: t, label: poke, actions: [] }
          - { sleep: 0 }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control, expect: { returns: true } }
          - { wait: t, expect: { returns: WAIT_OBJECT_0 } }
`);
    expect(failed).toEqual([]);
  });

  it('apcs names must exist', () => {
    expect(errors(scenario(`          - { sleep: 0, alertable: true, expect: { apcs: [{ label: r, iosb: nowhere }] } }`))).toEqual([expect.stringContaining("'nowhere'")]);
  });
});

describe('nt-post and query-notification-modes (IO-7.16, IO-7.17)', () => {
  it('IO-7.17 NtSetIoCompletion posts any status and Information, and the port delivers them exactly, in FIFO order', () => {
    const { failed, text } = run(
      scenario(`          - { create-port: port }
          - { alloc: ov, size: 20 }
          - { nt-post: port, key: 1, overlapped: ov, status: STATUS_UNSUCCESSFUL, information: 42, expect: { returns: STATUS_SUCCESS, status: STATUS_SUCCESS } }
          - dequeue: port
            timeout: 0
            expect: { returns: false, error: ERROR_GEN_FAILURE, bytes: 42, key: 1, overlapped: ov }
          - { nt-post: port, key: 2, context: 0x1234, information: 3 }
          - { nt-post: port, key: 3, status: STATUS_BUFFER_OVERFLOW }
          - { post: port, key: 4, bytes: 5 }
          - dequeue: port
            count: 8
            timeout: 0
            expect:
              returns: true
              entries:
                - { key: 2, bytes: 3, overlapped: 0x1234, status: STATUS_SUCCESS }
                - { key: 3, bytes: 0, overlapped: null, status: STATUS_BUFFER_OVERFLOW }
                - { key: 4, bytes: 5, status: STATUS_SUCCESS }
          - { dequeue: port, timeout: 0, expect: { returns: false, error: WAIT_TIMEOUT, overlapped: null } }`),
    );
    expect(failed).toEqual([]);
    expect(text).toContain('NtSetIoCompletion');
  });

  it('IO-7.17 nt-post needs a port handle with the right type', () => {
    const { failed } = run(
      scenario(`          - { create-event: ~, as: ev }
          - { nt-post: ev, status: STATUS_SUCCESS, expect: { status: STATUS_OBJECT_TYPE_MISMATCH, error: 0 } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-7.16 modes are sticky and OR-ed; the query returns them with the IOSB {STATUS_SUCCESS, 4}', () => {
    const { failed } = run(
      scenario(`          - { open: '\\\\.\\Queue', overlapped: true, as: h }
          - { query-notification-modes: h, expect: { status: STATUS_SUCCESS, modes: 0 } }
          - { set-notification-modes: h, modes: FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, expect: { returns: true } }
          - { set-notification-modes: h, modes: FILE_SKIP_SET_EVENT_ON_HANDLE, expect: { returns: true } }
          - { set-notification-modes: h, modes: 0, expect: { returns: true } }
          - { query-notification-modes: h, iosb: io, expect: { returns: STATUS_SUCCESS, modes: 3, iosb: { status: STATUS_SUCCESS, information: 4 } } }
          - { read-memory: io, expect: { bytes: { hex: '00000000 04000000' } } }
          - { query-notification-modes: h, length: 2, expect: { status: STATUS_INFO_LENGTH_MISMATCH, iosb: unchanged } }
          - { open: '\\\\.\\Queue', as: s }
          - { set-notification-modes: s, modes: 1, expect: { returns: false, error: ERROR_INVALID_PARAMETER } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-7.16 a wrong modes value fails the expectation', () => {
    const { failed } = run(
      scenario(`          - { open: '\\\\.\\Queue', overlapped: true, as: h }
          - { set-notification-modes: h, modes: 1 }
          - { query-notification-modes: h, expect: { modes: 3 } }`),
    );
    expect(failed).toEqual([expect.stringContaining('Flags: wanted 0x3, got 0x1')]);
  });
});

describe('the iosb expectation on inspect and cancel-synchronous-io (IO-2.5, IO-6.5)', () => {
  it('IO-2.5 inspect reads an IO_STATUS_BLOCK later: not written while the request pends, {STATUS_SUCCESS, 7} after', () => {
    const { failed } = run(
      scenario(`          - { nt-open: '\\Device\\Queue', options: FILE_NON_DIRECTORY_FILE, as: q }
          - { open: '\\\\.\\Queue', overlapped: true, as: qo }
          - { open: '\\\\.\\Queue', as: control }
          - { nt-read: q, buffer: { size: 8 }, offset: 0, iosb: io1, expect: { status: STATUS_PENDING, iosb: unchanged } }
          - { read: qo, output: { size: 8 }, overlapped: { as: ov }, expect: { error: ERROR_IO_PENDING } }
          - { inspect: io1, expect: { iosb: unchanged } }
          - { inspect: ov, expect: { iosb: { status: STATUS_PENDING } } }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }
          - { sleep: 1 }
          - { inspect: io1, expect: { iosb: { status: STATUS_SUCCESS, information: 7 } } }
          - { inspect: ov, expect: { iosb: { status: STATUS_SUCCESS, information: 7 }, completed: true } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-2.5 a wrong IOSB fails with what was there', () => {
    const { failed } = run(
      scenario(`          - { open: '\\\\.\\Queue', overlapped: true, as: qo }
          - { read: qo, output: { size: 8 }, overlapped: { as: ov } }
          - { inspect: ov, expect: { iosb: { status: STATUS_SUCCESS } } }`),
    );
    expect(failed).toEqual([expect.stringMatching(/IO_STATUS_BLOCK: wanted \{STATUS_SUCCESS \(0x00000000\), \*\}, got \{STATUS_PENDING \(0x00000103\), \d+\}/)]);
  });

  it('IO-6.5 CancelSynchronousIo: {STATUS_SUCCESS, 0} when it cancelled the blocked call, {STATUS_NOT_FOUND, 0} and ERROR_NOT_FOUND when there was none', () => {
    const { failed } = run(
      scenario(`          - spawn: reader
            as: t
            actions:
              - { open: '\\\\.\\Queue', as: q }
              - { read: q, output: { size: 8 }, expect: { returns: false, error: ERROR_OPERATION_ABORTED } }
              - { sleep: 5 }
          - { sleep: 1 }
          - { cancel-synchronous-io: t, expect: { returns: true, iosb: { status: STATUS_SUCCESS, information: 0 } } }
          - { sleep: 1 }
          - { cancel-synchronous-io: t, expect: { returns: false, error: ERROR_NOT_FOUND, status: STATUS_NOT_FOUND, iosb: { status: STATUS_NOT_FOUND, information: 0 } } }
          - { wait: t }`),
    );
    expect(failed).toEqual([]);
  });
});

describe('driverSaw on opens and the remaining driverSaw keys (IO-9.3, IO-10.1, IO-3.2)', () => {
  it('IO-9.3, IO-10.1 the CREATE reaches the driver in the caller’s thread, from user mode, with the trailing name', () => {
    const { failed, result } = run(
      scenario(`          - open: '\\\\.\\Hello'
            as: h
            expect:
              driverSaw: { major: IRP_MJ_CREATE, device: '\\Device\\Hello', fileName: '', thread: app/main, process: app, systemThread: false, previousMode: UserMode, requestorMode: UserMode, calls: 1 }
          - nt-open: '\\Device\\Hello\\some\\name'
            as: n
            expect: { status: STATUS_SUCCESS, driverSaw: { major: IRP_MJ_CREATE, fileName: '\\some\\name', previousMode: UserMode } }`),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.includes('the driver saw')).length).toBe(12);
  });

  it('IO-9.3 a wrong file name or thread fails, showing what the driver saw', () => {
    const { failed } = run(
      scenario(`          - { nt-open: '\\Device\\Hello\\x', as: n, expect: { driverSaw: { fileName: '\\y', thread: app/other } } }
          - { open: '\\\\.\\Nothing', expect: { driverSaw: { major: IRP_MJ_CREATE } } }`),
    );
    expect(failed).toEqual([
      expect.stringContaining('the driver saw fileName: wanted "\\\\y", got "\\\\x"'),
      expect.stringContaining('the driver saw thread: wanted "app/other", got "app/main"'),
      expect.stringContaining('the driver saw: wanted an IRP, got no IRP reached a driver'),
    ]);
  });

  it('IO-3.2 systemBuffer { text } is the system buffer as the dispatch routine received it, before it answered', () => {
    const { failed } = run(`name: v2
description: the system buffer at dispatch
drivers:
  - use: methods
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Methods', as: m }
          - ioctl: IOCTL_METHODS_BUFFERED
            handle: m
            input: { text: abc }
            output: { size: 16 }
            expect: { returns: true, output: { text: ABC }, driverSaw: { systemBuffer: { length: 16, text: abc }, calls: 1 } }
          - ioctl: IOCTL_METHODS_BUFFERED
            handle: m
            input: { text: abc }
            output: { size: 16 }
            expect: { driverSaw: { systemBuffer: { hex: '41' } } }
`);
    expect(failed).toEqual([expect.stringContaining('SystemBuffer bytes: wanted 41, got "a"'.replace('41', '"A"'))]);
  });

  it('IO-5.2 calls counts the dispatch routines the IRP reached down a filter stack', () => {
    const { failed } = run(`name: v2
description: an IRP through a filter
drivers:
  - use: slow
  - use: watch-filter
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Slow', as: s }
          - ioctl: IOCTL_SLOW_ECHO
            handle: s
            input: { text: ab }
            output: { size: 4 }
            expect: { returns: true, driverSaw: { calls: 2, stackCount: 2, thread: app/main, previousMode: UserMode, systemThread: false } }
`);
    expect(failed).toEqual([]);
  });
});

describe('buffer forms { handle } and { u32 } (IO-10.2)', () => {
  const events = (actions: string) => `name: v2
description: handles passed in an IOCTL's input
drivers:
  - use: event-signal
  - use: hello
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\EventSignal', as: dev }
          - { create-event: Tick, manual: true, as: tick }
          - { create-semaphore: ~, as: sem }
${actions}
`;

  it('IO-10.2 { handle: ev } passes the handle value; the driver references the event and signals it', () => {
    const { failed } = run(
      events(`          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { handle: tick }, expect: { returns: true, driverSaw: { inputLength: 4 } } }
          - { wait: tick, timeout: INFINITE, expect: { returns: WAIT_OBJECT_0 } }
          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { handle: sem }, expect: { returns: false, status: STATUS_OBJECT_TYPE_MISMATCH } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-10.2 { u32 } lays out little-endian words, handles among them, as the driver receives them', () => {
    const { failed } = run(
      events(`          - { open: '\\\\.\\Hello', as: h }
          - ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { u32: [0x04030201, 'ECHO_WORD + 1', 0xFFFFFFFF] }
            output: { size: 12 }
            expect: { returns: true, bytes: 12, output: { hex: '01020304 06000000 ffffffff' }, driverSaw: { systemBuffer: { length: 12, hex: '01020304 06000000' } } }
          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { u32: [{ handle: tick }] }, expect: { returns: true } }
          - { wait: tick, timeout: INFINITE, expect: { returns: WAIT_OBJECT_0 } }`).replace('processes:', 'values:\n  ECHO_WORD: 5\nprocesses:'),
    );
    expect(failed).toEqual([]);
  });

  it('the forms take only their own keys, and name handles that exist', () => {
    expect(errors(events(`          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { handle: tock } }`))).toEqual([expect.stringContaining("no handle named 'tock'")]);
    expect(errors(events(`          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { handle: tick, size: 8 } }`))).toEqual([expect.stringContaining("'size' does not apply to a handle")]);
    expect(errors(events(`          - { ioctl: IOCTL_EVENT_REGISTER, handle: dev, input: { handle: tick, u32: [1] } }`))).toEqual([expect.stringContaining('give handle or u32, not both')]);
  });
});

describe('mark and the run-level log and driverCalls', () => {
  const stack = (actions: string, expectations: string) => `name: v2
description: a filter that logs, and the order of lines
drivers:
  - name: store
    device: '\\Device\\Store'
    link: '\\DosDevices\\Store'
    dispatch:
      write: [{ copy: { from: input, to: store } }, { complete: STATUS_SUCCESS }]
      read: [{ copy: { from: store, to: output } }, { complete: STATUS_SUCCESS }]
  - name: spy
    attach: '\\Device\\Store'
    dispatch:
      read:
        - { log: 'read of \${length} bytes' }
        - forward: { completion: { then: [{ log: 'read done: \${status}' }] } }
processes:
  - name: app
    threads:
      - name: main
        actions:
${actions}
expect:
${expectations}
`;
  const actions = `          - { open: '\\\\.\\Store', as: h }
          - { write: h, input: { text: kept } }
          - { mark: before }
          - { read: h, output: { size: 8 } }
          - { mark: 'after ${'$'}{1 + 1}' }`;

  it('IO-5.5 log orders the driver lines and the marks; driverCalls counts each driver’s dispatch calls', () => {
    const { failed, result, text } = run(
      stack(
        actions,
        `  log: [before, 'read of 8 bytes', 'read done: STATUS_SUCCESS', after 2]
  driverCalls: { spy: { IRP_MJ_CREATE: 1, IRP_MJ_READ: 1, IRP_MJ_WRITE: 1, IRP_MJ_CLOSE: 1 }, store: { IRP_MJ_READ: 1, IRP_MJ_DEVICE_CONTROL: 0 } }`,
      ),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.startsWith('run: ') && /log|called/.test(e.description))).toHaveLength(7);
    expect(text).toContain('after 2');
  });

  it('a line out of order or a wrong count fails', () => {
    const { failed } = run(stack(actions, `  log: ['read of 8 bytes', before]\n  driverCalls: { store: { IRP_MJ_READ: 2 } }`));
    expect(failed).toEqual([expect.stringContaining("run: log: wanted read of 8 bytes,before, got no 'before' after the lines before it"), 'run: store called with IRP_MJ_READ: wanted 2, got 1']);
  });

  it('driverCalls names drivers of the scenario', () => {
    expect(errors(stack(actions, '  driverCalls: { stor: { IRP_MJ_READ: 1 } }'))).toEqual([expect.stringContaining("no driver named 'stor'")]);
    expect(errors(stack(`          - { mark: 1, expect: { returns: true } }`, '  log: []'))).not.toEqual([]);
  });
});

describe('the run-level values expectation (IO-2.1)', () => {
  const file = (expected: string) => `name: v2
description: control codes as computed
drivers:
  - use: hello
values:
  IOCTL_ECHO_READ: { ctlCode: { deviceType: FILE_DEVICE_UNKNOWN, function: 0x800, method: METHOD_BUFFERED, access: FILE_READ_ACCESS } }
  TWICE: IOCTL_ECHO_READ * 2
processes:
  - name: app
    threads:
      - name: main
        actions:
          - { sleep: 0 }
expect:
  values: ${expected}
`;

  it('IO-2.1 CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_READ_ACCESS) is 0x00226000; driver and built-in names too', () => {
    const { failed, result } = run(file('{ IOCTL_ECHO_READ: 0x00226000, TWICE: 0x0044C000, IOCTL_HELLO_ECHO: 0x00222000, STATUS_PENDING: 0x103 }'));
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.startsWith('run: value '))).toHaveLength(4);
  });

  it('IO-2.1 a wrong number fails with the computed one; an unknown name is a load error', () => {
    expect(run(file('{ IOCTL_ECHO_READ: 0x00222000 }')).failed).toEqual(['run: value IOCTL_ECHO_READ: wanted 0x00222000, got 0x00226000']);
    expect(errors(file('{ IOCTL_ECHO_REED: 1 }'))).toEqual([expect.stringContaining("IOCTL_ECHO_REED")]);
  });
});
