import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLoadError, loadScenario, runScenario, type ScenarioResult } from '../src/index.ts';

/** Inline (YAML) drivers, end to end: loaded from a scenario file, run, and their errors. */

const load = (text: string) => loadScenario(text, { file: 's.yaml' });
const errorsOf = (text: string): string[] => {
  const r = load(text);
  if (r.ok) throw new Error('expected errors, the file loaded');
  return r.errors.map(formatLoadError);
};
const run = (text: string): { result: ScenarioResult; prints: string[] } => {
  const r = load(text);
  if (!r.ok) throw new Error(r.errors.map(formatLoadError).join('\n'));
  const { result, events } = runScenario(r.scenario);
  return { result, prints: events.flatMap((e) => (e.type === 'io.dbgprint' ? [(e as { message: string }).message] : [])) };
};
const failed = (result: ScenarioResult) => result.expectations.filter((e) => !e.passed).map((e) => e.description);

/** The notifier of docs/scenario-format.md §5: IOCTLs pend until a fire completes them from a timer. */
const notifyDriver = (fire = `        - timer:
            after: 10us
            then: [{ complete-queued: waiters, write: { hex: '01 00 00 00' }, status: STATUS_SUCCESS }]
`) => `drivers:
  - name: notify
    device: '\\Device\\Notify'
    link: '\\DosDevices\\Notify'
    flags: [DO_BUFFERED_IO]
    values:
      IOCTL_NOTIFY_WAIT: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
      IOCTL_NOTIFY_FIRE: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
      cleanup:
        - { complete-queued: waiters, all: true, sameFile: true, status: STATUS_CANCELLED }
        - { complete: STATUS_SUCCESS }
      IOCTL_NOTIFY_WAIT:
        - { require: { outputLength: { atLeast: 4 } }, else: STATUS_BUFFER_TOO_SMALL }
        - { pend: waiters }
      IOCTL_NOTIFY_FIRE:
${fire}        - { complete: STATUS_SUCCESS }
      default: [{ complete: STATUS_INVALID_DEVICE_REQUEST }]
`;

const notifyScenario = (fire?: string) => `name: notify-inline
description: An inverted call served by an inline driver
${notifyDriver(fire)}processes:
  - name: app
    threads:
      - name: waiter
        actions:
          - open: '\\\\.\\Notify'
            as: w
          - ioctl: IOCTL_NOTIFY_WAIT
            handle: w
            output: { size: 2 }
            expect: { returns: false, error: ERROR_INSUFFICIENT_BUFFER }
          - ioctl: IOCTL_NOTIFY_WAIT
            handle: w
            output: { size: 4 }
            expect: { returns: true, bytes: 4, output: { hex: '01 00 00 00' } }
          - ioctl: 0x222FFC
            handle: w
            expect: { returns: false, error: ERROR_INVALID_FUNCTION }
      - name: firer
        start: 1us
        actions:
          - open: '\\\\.\\Notify'
            as: f
          - ioctl: IOCTL_NOTIFY_FIRE
            handle: f
            expect: { returns: true }
`;

describe('inline drivers run as drivers', () => {
  it('IO-6.4 require, pend, timer and complete-queued: the waiter gets the fire’s bytes 10 µs later; without the timer it never does', () => {
    const good = run(notifyScenario());
    expect(failed(good.result)).toEqual([]);
    expect(good.result.passed).toBe(true);
    expect(good.prints).toContain('outputLength 2 is less than 4: fails the request with STATUS_BUFFER_TOO_SMALL');
    // One driver action removed: the waiting IOCTL stays pending and the lesson fails.
    const broken = run(notifyScenario(''));
    expect(broken.result.passed).toBe(false);
    expect(broken.result.outcome).not.toBe('completed');
  });

  it('IO-6.4 pend is cancel-safe: CancelIoEx completes the queued IOCTL with STATUS_CANCELLED; CLEANUP completes the file object’s others', () => {
    const r = run(`name: cancel-inline
description: Cancelling and cleaning up requests an inline driver queued
${notifyDriver()}processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\Notify'
            overlapped: true
            as: h
          - ioctl: IOCTL_NOTIFY_WAIT
            handle: h
            output: { size: 4 }
            overlapped: { as: ov1 }
            expect: { returns: false, error: ERROR_IO_PENDING }
          - ioctl: IOCTL_NOTIFY_WAIT
            handle: h
            output: { size: 4 }
            overlapped: { as: ov2 }
            expect: { returns: false, error: ERROR_IO_PENDING }
          - cancel-io-ex: h
            overlapped: ov1
            expect: { returns: true }
          - overlapped-result: ov1
            handle: h
            bWait: true
            expect: { returns: false, error: ERROR_OPERATION_ABORTED }
          - close: h
            expect: { returns: true, irps: [IRP_MJ_CLEANUP, IRP_MJ_CLOSE] }
          - inspect: ov2
            expect: { overlapped: { internal: STATUS_CANCELLED, internalHigh: 0 } }
`);
    expect(failed(r.result)).toEqual([]);
    expect(r.prints.some((p) => /^IRP \d+ cancelled while in queue waiters: completes it with STATUS_CANCELLED$/.test(p))).toBe(true);
    expect(r.prints.some((p) => /^completes IRP \d+ from queue waiters: STATUS_CANCELLED, Information = 0$/.test(p))).toBe(true);
  });

  it('IO-4.1 copy to and from the store on a DO_DIRECT_IO device; IO-5.13 a filter forwards with a completion routine that logs what it saw', () => {
    const r = run(`name: store-inline
description: A write kept by one driver, read back through a filter
drivers:
  - name: store
    device: '\\Device\\Store'
    link: '\\DosDevices\\Store'
    flags: [DO_DIRECT_IO]
    dispatch:
      write: [{ copy: { from: input, to: store } }, { complete: STATUS_SUCCESS }]
      read:
        - { require: { length: { atLeast: 1, atMost: 64 } }, else: STATUS_INVALID_PARAMETER }
        - { copy: { from: store, to: output } }
        - { complete: STATUS_SUCCESS }
  - name: spy
    attach: '\\Device\\Store'
    dispatch:
      read:
        - { log: 'read of \${length} bytes, IRP \${irp}' }
        - forward: { completion: { then: [{ log: 'read done: \${status}, \${information} bytes' }] } }
processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\Store'
            as: h
          - write: h
            input: { text: 'kept' }
            expect: { returns: true, bytes: 4, driverSaw: { stackCount: 2, mdl: { length: 4 } } }
          - read: h
            output: { size: 8, fill: 0x2E }
            expect: { returns: true, bytes: 4, output: { text: 'kept....' } }
          - read: h
            output: { size: 100 }
            expect: { returns: false, error: ERROR_INVALID_PARAMETER }
`);
    expect(failed(r.result)).toEqual([]);
    expect(r.prints.filter((p) => p.startsWith('read'))).toEqual([
      expect.stringMatching(/^read of 8 bytes, IRP \d+$/),
      'read done: STATUS_SUCCESS, 4 bytes',
      expect.stringMatching(/^read of 100 bytes, IRP \d+$/),
      'read done: STATUS_INVALID_PARAMETER, 0 bytes',
    ]);
  });

  it('signal a named event from a DPC; write, information, log and return (IO-5.14: a return that differs is bug check 0xC9/0x224)', () => {
    const text = (ret: string) => `name: signal-inline
description: A named event set from a DPC
drivers:
  - name: bell
    device: '\\Device\\Bell'
    link: '\\DosDevices\\Bell'
    events: { BellRang: notification }
    values:
      IOCTL_RING: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
      IOCTL_RING:
        - { log: 'ring \${ioControlCode} with \${input}' }
        - dpc: { then: [{ signal: BellRang }, { log: 'DPC rang' }] }
        - { write: { text: 'ding' }, offset: 2 }
        - { information: 3 }
        - { complete: STATUS_SUCCESS }
${ret}processes:
  - name: app
    threads:
      - name: main
        actions:
          - open-event: BellRang
            as: ev
            expect: { handle: valid }
          - open: '\\\\.\\Bell'
            as: h
          - wait: ev
            timeout: 0
            expect: { returns: WAIT_TIMEOUT }
          - ioctl: IOCTL_RING
            handle: h
            input: { text: 'hi' }
            output: { size: 8, fill: 0x2E }
            expect: { returns: true, bytes: 3, output: { hex: '68 69 64 2E 2E 2E 2E 2E' } }
          - wait: ev
            expect: { returns: WAIT_OBJECT_0 }
`;
    const r = run(text(''));
    expect(failed(r.result)).toEqual([]);
    expect(r.prints).toEqual(expect.arrayContaining(['ring 0x222400 with \'hi\'', 'DPC rang']));
    const twin = run(text("        - { return: STATUS_UNSUCCESSFUL }\n").replace("- { complete: STATUS_SUCCESS }\n        - { return", '- { complete: STATUS_SUCCESS }\n        - { return'));
    expect(twin.result.outcome).toBe('bugcheck');
    expect(twin.result.bugcheck?.params[0]).toBe(0x224);
  });
});

const withDriver = (driver: string) => `name: t
description: A test
drivers:
${driver}processes:
  - name: app
    threads:
      - name: main
        actions: []
`;

describe('a bad inline driver gives positioned errors', () => {
  it('unknown actions and keys, with did-you-mean', () => {
    expect(
      errorsOf(
        withDriver(`  - name: bad
    device: '\\Device\\Bad'
    dispatch:
      read:
        - { complet: STATUS_SUCCESS }
        - ech
        - { complete: STATUS_SUCESS }
        - { pend: q, status: STATUS_PENDING }
      IOCTL_NOPE: [{ complete: STATUS_SUCCESS }]
`),
      ),
    ).toEqual([
      "s.yaml:8:13: error: unknown driver action 'complet' (did you mean 'complete'?)",
      "s.yaml:9:11: error: 'ech' is not one of echo, forward (did you mean 'echo'?)",
      "s.yaml:10:23: error: unknown value 'STATUS_SUCESS' (did you mean 'STATUS_SUCCESS'?)",
      "s.yaml:11:22: error: unknown key 'status' (expected one of: pend)",
      "s.yaml:12:7: error: unknown value 'IOCTL_NOPE' (a dispatch key is a major function (IRP_MJ_READ or read, …), an IOCTL code, or default)",
    ]);
  });

  it('names that must exist: queues, events, a device below, fields a log can show', () => {
    expect(
      errorsOf(
        withDriver(`  - name: bad
    device: 'Device\\Bad'
    link: '\\DosDevices\\Bad'
    events: { Ready: notification }
    dispatch:
      IRP_MJ_DEVICE_CONTROL:
        - { pend: waiters }
        - timer: { after: 1us, then: [{ complete-queued: waiter }, { complete: STATUS_SUCCESS }] }
        - { signal: Reddy }
        - forward
        - { log: 'in \${inputLen}' }
        - { require: { length: { atMost: 8 } } }
      IRP_MJ_FLUSH_BUFFERS: [{ complete: STATUS_SUCCESS }]
`),
      ),
    ).toEqual([
      "s.yaml:5:13: error: 'Device\\Bad' is not a device name (write \\Device\\Name, in single quotes)",
      "s.yaml:11:58: error: no queue named 'waiter' in this driver: a queue is named by the pend that fills it (did you mean 'waiters'?)",
      "s.yaml:11:70: error: 'complete' needs a request to act on: a timer’s or DPC’s routine has no request of its own (here only complete-queued, timer, dpc, signal, log may run)",
      "s.yaml:12:21: error: no event named 'Reddy' in this driver (did you mean 'Ready'?)",
      "s.yaml:13:11: error: forward passes the request to the device below, and this driver has none (only a filter has one: add attach: '\\Device\\Name')",
      "s.yaml:14:18: error: a log line cannot show '${inputLen}' (did you mean '${inputLength}'?)",
      "s.yaml:15:24: error: IRP_MJ_DEVICE_CONTROL requests have no length (inputLength and outputLength are an IOCTL’s (a write’s Length is its inputLength, a read’s its outputLength); length is a read’s or a write’s)",
      "s.yaml:16:7: error: an inline driver does not handle IRP_MJ_FLUSH_BUFFERS (it handles IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE and IRP_MJ_DEVICE_CONTROL (and IOCTL codes))",
    ]);
  });

  it('driver values join the file’s names: a process uses them, and a clash is reported', () => {
    const errors = errorsOf(`name: t
description: A test
drivers:
  - name: one
    device: '\\Device\\One'
    values:
      IOCTL_ONE: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch: { IOCTL_ONE: [echo, { complete: STATUS_SUCCESS }] }
values:
  IOCTL_ONE: 5
processes:
  - name: app
    threads:
      - name: main
        actions:
          - open: '\\\\.\\One'
            as: h
          - ioctl: IOCTL_ON
            handle: h
`);
    expect(errors).toEqual([
      "s.yaml:10:3: error: 'IOCTL_ONE' is already defined by the driver 'one' (0x222004) (use the driver's value, or choose another name)",
      "s.yaml:18:20: error: unknown value 'IOCTL_ON' (did you mean 'IOCTL_ONE'?)",
    ]);
  });
});

describe('docs/scenario-format.md §5', () => {
  it('shows the errors irpsim check really prints for its bad-driver.yaml', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'scenario-format.md'), 'utf8');
    const file = /^```yaml\n(# bad-driver\.yaml\n[\s\S]*?)^```$/m.exec(doc)?.[1];
    const shown = /^\$ npx irpsim check bad-driver\.yaml\n([\s\S]*?)^```$/m.exec(doc)?.[1];
    expect(file).toBeDefined();
    const r = loadScenario(file!, { file: 'bad-driver.yaml' });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map(formatLoadError)).toEqual(shown!.trimEnd().split('\n'));
  });
});

describe('a law of the inline-driver loader', () => {
  // Values a careless edit may leave in a driver line: wrong types, wrong verbs, other names.
  const PIECES = ['', '0', '-1', '[]', '{}', 'null', 'echo', 'forward', 'STATUS_PENDING', "'\\Device\\Notify'", '{ pend: other }', '[{ complete-queued: waiters, sameFile: true }]', '{ after: -5, then: 3 }', 'IOCTL_NOTIFY_FIRE'];
  const text = notifyScenario();
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith('drivers:'));
  const last = lines.findIndex((l) => l.startsWith('processes:'));

  it('any edit of a driver line loads or gives positioned errors, and what loads runs to an outcome', () => {
    fc.assert(
      fc.property(fc.integer({ min: first + 1, max: last - 1 }), fc.constantFrom(...PIECES), fc.boolean(), (at, piece, asValue) => {
        const edited = [...lines];
        const line = edited[at]!;
        const colon = line.indexOf(': ');
        edited[at] = asValue && colon >= 0 ? `${line.slice(0, colon + 2)}${piece}` : `${line.match(/^\s*-?\s*/)![0]}${piece}`;
        const r = loadScenario(edited.join('\n'), { file: 's.yaml' });
        if (!r.ok) {
          for (const e of r.errors) {
            expect(e.message).not.toContain('could not load');
            expect(e.line).toBeGreaterThanOrEqual(1);
          }
          return;
        }
        const { result } = runScenario(r.scenario);
        expect(['completed', 'bugcheck', 'deadlock', 'budget-exhausted']).toContain(result.outcome);
      }),
      { numRuns: 120, seed: 5 },
    );
  });
});
