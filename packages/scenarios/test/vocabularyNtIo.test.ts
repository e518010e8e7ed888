import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario, renderText } from '../src/index.ts';

function run(text: string) {
  const loaded = loadScenario(text, { file: 'nt-io.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const simulation = new Simulation(loaded.scenario);
  const result = simulation.run();
  const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: wanted ${String(e.expected)}, got ${String(e.actual)}`);
  return { result, failed, text: renderText(result, simulation.events) };
}

const scenario = (actions: string) => `name: nt-io
description: the NT I/O calls
drivers:
  - use: hello
  - use: queue
processes:
  - name: app
    threads:
      - name: main
        actions:
${actions}
`;

describe('nt-ioctl, nt-read, nt-write (docs/scenario-format.md §4.2)', () => {
  it('IO-3.2 nt-ioctl returns the NTSTATUS and fills the caller IO_STATUS_BLOCK; the last error is left alone', () => {
    const { failed, result } = run(
      scenario(`          - { nt-open: '\\Device\\Hello', as: h }
          - { open: '\\\\.\\Nothing', expect: { error: ERROR_FILE_NOT_FOUND } }
          - nt-ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: hi }
            output: { size: 8 }
            iosb: io
            expect: { returns: STATUS_SUCCESS, status: STATUS_SUCCESS, iosb: { status: STATUS_SUCCESS, information: 2 }, output: { text: hi }, error: ERROR_FILE_NOT_FOUND, irps: [IRP_MJ_DEVICE_CONTROL] }
          - { read-memory: io, expect: { bytes: { hex: '00000000 02000000' } } }
          - nt-ioctl: IOCTL_HELLO_ECHO
            handle: h
            input: { text: hello }
            output: { size: 2 }
            expect: { status: STATUS_BUFFER_TOO_SMALL, iosb: unchanged }`),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.length).toBeGreaterThanOrEqual(10);
  });

  it('IO-4.6 a NULL buffer with a length fails the probe: the IOSB is not written, the event not reset, no IRP', () => {
    const { failed } = run(
      scenario(`          - { nt-open: '\\Device\\Queue', options: FILE_NON_DIRECTORY_FILE, as: q }
          - { create-event: ~, manual: true, signalled: true, as: ev }
          - { nt-read: q, buffer: null, length: 16, offset: 0, event: ev, expect: { status: STATUS_ACCESS_VIOLATION, iosb: unchanged, signalled: { ev: true }, irps: [] } }
          - { nt-read: q, buffer: { size: 16 }, expect: { status: STATUS_INVALID_PARAMETER, iosb: unchanged, irps: [] } }`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-7.12, IO-8.2 an APC routine runs with its ApcContext and the IOSB at the next alertable wait', () => {
    const { failed, text } = run(
      scenario(`          - { nt-open: '\\Device\\Queue', options: FILE_NON_DIRECTORY_FILE, as: q }
          - { open: '\\\\.\\Queue', as: control }
          - nt-read: q
            buffer: { size: 8 }
            offset: 0
            apc: { label: r, context: 456 }
            iosb: io1
            expect: { status: STATUS_PENDING, iosb: unchanged }
          - { ioctl: IOCTL_QUEUE_COMPLETE_ALL, handle: control }
          - { sleep: 1, expect: { returns: 0 } }
          - { sleep: 0, alertable: true, expect: { returns: WAIT_IO_COMPLETION } }
          - { read-memory: io1, expect: { bytes: { hex: '00000000 07000000' } } }
          - nt-write: q                # the queue driver has no IRP_MJ_WRITE: refused, not pended
            buffer: { text: abc }
            offset: 0
            apc: { label: w }
            expect: { status: STATUS_INVALID_DEVICE_REQUEST, iosb: unchanged }
          - { sleep: 0, alertable: true, expect: { returns: 0 } }`),
    );
    expect(failed).toEqual([]);
    expect(text).toContain('APC routine "r" runs: ApcContext = 0x1C8, IO_STATUS_BLOCK = {STATUS_SUCCESS (0x00000000), 7}');
    // IO-8.2: a request that fails without pending writes no IOSB and queues no APC.
    expect(text).not.toContain('APC routine "w"');
  });

  it('a wrong IOSB expectation fails, showing what was written', () => {
    const { failed } = run(
      scenario(`          - { nt-open: '\\Device\\Hello', as: h }
          - { nt-ioctl: IOCTL_HELLO_ECHO, handle: h, input: { text: hi }, output: { size: 8 }, expect: { iosb: { information: 3 } } }`),
    );
    expect(failed).toEqual([expect.stringMatching(/IO_STATUS_BLOCK: wanted \{\*, 3\}, got \{STATUS_SUCCESS.*, 2\}/)]);
  });
});
