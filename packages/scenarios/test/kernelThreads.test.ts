import { describe, expect, it } from 'vitest';
import { Simulation, loadScenario } from '../src/index.ts';

/** `kernel: true` threads and `kernel-ioctl` (docs/scenario-format.md §3.3): each check is one the run made. */
function run(text: string) {
  const loaded = loadScenario(text, { file: 'k.yaml' });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n'));
  const result = new Simulation(loaded.scenario).run();
  const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.description}: wanted ${String(e.expected)}, got ${String(e.actual)}`);
  return { result, failed };
}

function errors(text: string): string[] {
  const loaded = loadScenario(text, { file: 'k.yaml' });
  return loaded.ok ? [] : loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
}

const DRIVER = `name: k
description: kernel threads
drivers:
  - name: box
    device: '\\Device\\Box'
    link: '\\DosDevices\\Box'
    values:
      IOCTL_BOX_FILL: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_WRITE_ACCESS)
      IOCTL_BOX_LATER: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)
    dispatch:
      IOCTL_BOX_FILL:
        - { write: { text: 'kernel!!' } }
        - { complete: STATUS_SUCCESS }
      IOCTL_BOX_LATER:
        - timer: { after: 10us, then: [{ complete-queued: later, write: { hex: '2a 00 00 00' }, status: STATUS_SUCCESS }] }
        - { pend: later }
processes:
`;

const kernelThread = (actions: string) => `  - name: System
    threads:
      - name: worker
        kernel: true
        actions:
${actions}`;

describe('kernel: true threads and kernel-ioctl (IO-3.10, IO-10.1)', () => {
  it('IO-10.1 a kernel thread’s IOCTL reaches the driver with RequestorMode KernelMode and no access check, where a read-only user handle is refused', () => {
    const { failed, result } = run(
      DRIVER +
        `  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Box', access: GENERIC_READ, as: h }
          - { ioctl: IOCTL_BOX_FILL, handle: h, output: { size: 8 }, expect: { returns: false, error: ERROR_ACCESS_DENIED } }
` +
        kernelThread(`          - kernel-ioctl: IOCTL_BOX_FILL
            device: '\\Device\\Box'
            output: { size: 8 }
            expect: { status: STATUS_SUCCESS, driverSaw: { requestorMode: KernelMode, previousMode: KernelMode, systemThread: true, calls: 1 } }
`),
    );
    expect(failed).toEqual([]);
    expect(result.expectations.filter((e) => e.description.includes('the driver saw')).length).toBeGreaterThan(0);
  });

  it('IO-3.10 kernel-ioctl of a METHOD_BUFFERED IOCTL returns the driver’s status and Information, the output copied into the pool buffer', () => {
    const { failed } = run(
      DRIVER +
        kernelThread(`          - kernel-ioctl: IOCTL_BOX_FILL
            device: '\\Device\\Box'
            output: { size: 8 }
            expect: { status: STATUS_SUCCESS, iosb: { status: STATUS_SUCCESS, information: 8 }, output: { text: 'kernel!!' }, driverSaw: { major: IRP_MJ_DEVICE_CONTROL, systemBuffer: { length: 8 } } }
`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-3.10 internal: true sends IRP_MJ_INTERNAL_DEVICE_CONTROL (0x0F) with RequestorMode KernelMode', () => {
    const { failed } = run(
      DRIVER +
        kernelThread(`          - kernel-ioctl: IOCTL_BOX_FILL
            device: '\\Device\\Box'
            internal: true
            output: { size: 8 }
            expect: { driverSaw: { major: IRP_MJ_INTERNAL_DEVICE_CONTROL, requestorMode: KernelMode, calls: 1 } }
`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-3.10 a pending kernel-ioctl is waited for on its event: the IOSB is filled at completion', () => {
    const { failed, result } = run(
      DRIVER +
        kernelThread(`          - { mark: 'the worker sends a request the driver pends' }
          - kernel-ioctl: IOCTL_BOX_LATER
            device: '\\Device\\Box'
            output: { size: 4 }
            expect: { status: STATUS_SUCCESS, iosb: { status: STATUS_SUCCESS, information: 4 }, output: { hex: '2a 00 00 00' } }
`),
    );
    expect(failed).toEqual([]);
    expect(result.outcome).toBe('completed');
  });

  it('IO-3.10 the expectations can fail: a wrong Information is reported', () => {
    const { failed } = run(
      DRIVER +
        kernelThread(`          - kernel-ioctl: IOCTL_BOX_FILL
            device: '\\Device\\Box'
            output: { size: 8 }
            expect: { iosb: { information: 4 } }
`),
    );
    expect(failed).toEqual([expect.stringMatching(/IO_STATUS_BLOCK: wanted \{\*, 4\}, got \{STATUS_SUCCESS \(0x00000000\), 8\}/)]);
  });

  it('IO-10.1 kernel-ioctl only in a kernel thread, a kernel thread only in System and only with kernel verbs', () => {
    const text =
      DRIVER +
      `  - name: app
    threads:
      - name: main
        kernel: true
        actions:
          - { kernel-ioctl: IOCTL_BOX_FILL, device: '\\Device\\Box' }
      - name: other
        actions:
          - { kernel-ioctl: IOCTL_BOX_FILL, device: '\\Device\\Box' }
` +
      kernelThread(`          - { sleep: 1 }
`);
    expect(errors(text)).toEqual([
      "21:17: a kernel: true thread belongs to the process named 'System', not 'app'",
      "26:29: kernel-ioctl runs in a system thread: declare its thread with 'kernel: true' in the process 'System'",
      "32:22: a kernel: true thread runs kernel-ioctl and mark only, not 'sleep'",
    ]);
  });
});
