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
      "32:22: a kernel: true thread runs kernel-ioctl, alloc, open, close, ioctl, read, write and mark only, not 'sleep'",
    ]);
  });
});

/** A buffered-I/O device: an IOCTL that needs write access and fills its output, a read, a write. */
const BOX = `name: zw
description: Zw calls from a kernel thread
drivers:
  - name: box
    device: '\\Device\\Box'
    link: '\\DosDevices\\Box'
    flags: [DO_BUFFERED_IO]
    values:
      IOCTL_BOX_FILL: CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_WRITE_ACCESS)
    dispatch:
      IOCTL_BOX_FILL:
        - { write: { text: 'kernel!!' } }
        - { complete: STATUS_SUCCESS }
      IRP_MJ_READ:
        - { write: { text: 'read me!' } }
        - { complete: STATUS_SUCCESS }
      IRP_MJ_WRITE:
        - { log: 'wrote \${input}' }
        - { information: length }
        - { complete: STATUS_SUCCESS }
processes:
`;

const appThread = (actions: string) => `  - name: app
    threads:
      - name: main
        start: 1ms                      # after the kernel thread
        actions:
${actions}`;

describe('Zw calls from kernel: true threads (IO-10.1, IO-4.6)', () => {
  it('IO-10.1 ZwDeviceIoControlFile with a pool buffer succeeds with RequestorMode KernelMode; the same pool buffer from user mode is STATUS_ACCESS_VIOLATION (ERROR_NOACCESS)', () => {
    const { failed, result } = run(
      BOX +
        kernelThread(`          - { alloc: kbuf, size: 8, fill: 0xEE }
          - { open: '\\Device\\Box', as: kh, expect: { status: STATUS_SUCCESS, handle: valid, driverSaw: { major: IRP_MJ_CREATE, requestorMode: KernelMode } } }
          - ioctl: IOCTL_BOX_FILL
            handle: kh
            output: { buffer: kbuf }
            expect:
              status: STATUS_SUCCESS
              bytes: 8
              iosb: { status: STATUS_SUCCESS, information: 8 }
              output: { text: 'kernel!!' }
              driverSaw: { requestorMode: KernelMode, previousMode: KernelMode, systemThread: true, systemBuffer: { length: 8 } }
          - { close: kh, expect: { status: STATUS_SUCCESS, irps: [IRP_MJ_CLEANUP, IRP_MJ_CLOSE] } }
`) +
        appThread(`          - { open: '\\\\.\\Box', as: h }
          - ioctl: IOCTL_BOX_FILL
            handle: h
            output: { size: 8 }
            expect: { returns: true, bytes: 8, driverSaw: { requestorMode: UserMode, previousMode: UserMode, systemThread: false } }
          - ioctl: IOCTL_BOX_FILL
            handle: h
            output: { address: kbuf }       # the kernel thread's pool buffer, 8 bytes
            expect: { returns: false, error: ERROR_NOACCESS, status: STATUS_ACCESS_VIOLATION, irps: [] }
`),
    );
    expect(failed).toEqual([]);
    const checked = result.expectations.map((e) => e.description);
    expect(checked.filter((d) => /the driver saw RequestorMode/.test(d))).toHaveLength(3);
    expect(checked.some((d) => /app\/main #3 ioctl .*GetLastError/.test(d))).toBe(true);
  });

  it('IO-10.1 the same scenario with the expectations swapped fails: the kernel call is not refused and the user call is', () => {
    const { failed } = run(
      BOX +
        kernelThread(`          - { alloc: kbuf, size: 8 }
          - { open: '\\??\\Box', as: kh }
          - { ioctl: IOCTL_BOX_FILL, handle: kh, output: { buffer: kbuf }, expect: { status: STATUS_ACCESS_VIOLATION, driverSaw: { requestorMode: UserMode } } }
`) +
        appThread(`          - { open: '\\\\.\\Box', as: h }
          - { ioctl: IOCTL_BOX_FILL, handle: h, output: { address: kbuf }, expect: { status: STATUS_SUCCESS } }
`),
    );
    expect(failed).toEqual([
      expect.stringMatching(/System\/worker #3 ioctl IOCTL_BOX_FILL: the driver saw RequestorMode: wanted UserMode, got KernelMode/),
      expect.stringMatching(/System\/worker #3 ioctl IOCTL_BOX_FILL: NTSTATUS: wanted STATUS_ACCESS_VIOLATION \(0xC0000005\), got STATUS_SUCCESS \(0x00000000\)/),
      expect.stringMatching(/app\/main #2 ioctl IOCTL_BOX_FILL: NTSTATUS: wanted STATUS_SUCCESS \(0x00000000\), got STATUS_ACCESS_VIOLATION \(0xC0000005\)/),
    ]);
  });

  it('IO-4.6, IO-10.1 ZwReadFile on a handle opened with SYNCHRONIZE only succeeds (no access check for KernelMode); ReadFile on a handle without FILE_READ_DATA is ERROR_ACCESS_DENIED', () => {
    const { failed } = run(
      BOX +
        kernelThread(`          - { open: '\\??\\Box', access: SYNCHRONIZE, as: kh }
          - read: kh
            output: { size: 8 }
            expect: { status: STATUS_SUCCESS, bytes: 8, iosb: { information: 8 }, output: { text: 'read me!' }, driverSaw: { major: IRP_MJ_READ, length: 8, requestorMode: KernelMode } }
          - write: kh
            input: { text: 'pool' }
            expect: { status: STATUS_SUCCESS, bytes: 4, driverSaw: { major: IRP_MJ_WRITE, length: 4, requestorMode: KernelMode } }
          - { close: kh }
`) +
        appThread(`          - { open: '\\\\.\\Box', access: GENERIC_WRITE, as: h }
          - { read: h, output: { size: 8 }, expect: { returns: false, error: ERROR_ACCESS_DENIED, status: STATUS_ACCESS_DENIED, irps: [] } }
`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-10.1 Zw results are NTSTATUS: a missing device, and a failing request with no IO_STATUS_BLOCK written', () => {
    const { failed } = run(
      BOX.replace('processes:', 'machine: { verifier: off }\nprocesses:') +
        kernelThread(`          - { open: '\\Device\\Nope', as: gone, expect: { status: STATUS_OBJECT_NAME_NOT_FOUND, handle: invalid, irps: [] } }
          - { open: '\\Device\\Box', as: kh }
          - { ioctl: 0x222000, handle: kh, expect: { status: STATUS_INVALID_DEVICE_REQUEST, bytes: unchanged, iosb: unchanged } }
          - { read: kh, output: null, expect: { bytes: 0 } }
          - { close: kh, expect: { status: STATUS_SUCCESS } }
          - { close: kh, expect: { status: STATUS_INVALID_HANDLE } }
`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-10.1 with the verifier on, closing a kernel handle twice is bug check 0x93 INVALID_KERNEL_HANDLE (as ZwClose from a driver)', () => {
    const { failed, result } = run(
      BOX.replace('processes:', 'expect: { bugcheck: { code: 0x93, params: [0x80000004, 1, 0, 0] } }\nprocesses:') +
        kernelThread(`          - { open: '\\Device\\Box', as: kh }
          - { close: kh }
          - { close: kh }
`),
    );
    expect(failed).toEqual([]);
    expect(result.outcome).toBe('bugcheck');
  });

  it('IO-3.10 kernel-ioctl’s status is the one the request returned, and it may use a pool buffer an alloc named', () => {
    const { failed } = run(
      BOX +
        kernelThread(`          - { alloc: out, size: 8 }
          - { kernel-ioctl: 0x222000, device: '\\Device\\Box', expect: { status: STATUS_INVALID_DEVICE_REQUEST } }
          - { kernel-ioctl: IOCTL_BOX_FILL, device: '\\Device\\Box', output: { buffer: out }, expect: { status: STATUS_SUCCESS, output: { text: 'kernel!!' } } }
`),
    );
    expect(failed).toEqual([]);
  });

  it('IO-10.1 a pool buffer named before its kernel thread allocated it is a failed expectation, and its output cannot be checked from user mode', () => {
    const { failed } = run(
      BOX +
        `  - name: app
    threads:
      - name: main
        actions:
          - { open: '\\\\.\\Box', as: h }
          - { ioctl: IOCTL_BOX_FILL, handle: h, output: { address: kbuf }, expect: { returns: true } }   # passed as NULL, 0
          - { sleep: 2 }                                                                                # the kernel thread runs meanwhile
` +
        kernelThread(`          - { alloc: kbuf, size: 8 }
`).replace('kernel: true', 'kernel: true\n        start: 1ms'),
    );
    expect(failed).toEqual(["app/main #2 ioctl IOCTL_BOX_FILL: output buffer: wanted a valid buffer, got the pool buffer 'kbuf' does not exist yet (its kernel thread has not run its alloc)"]);
    expect(
      errors(
        BOX +
          kernelThread(`          - { alloc: kbuf, size: 8 }
`) +
          appThread(`          - { open: '\\\\.\\Box', as: h }
          - { ioctl: IOCTL_BOX_FILL, handle: h, output: { address: kbuf }, expect: { output: { text: 'kernel!!' } } }
`),
      ),
    ).toEqual(["34:94: cannot check the output: the buffer is the pool buffer 'kbuf', a kernel address user mode cannot read"]);
  });

  it('IO-3.10 kernel-ioctl returns an NTSTATUS: expecting a BOOL or a last error of it is refused', () => {
    expect(
      errors(
        BOX +
          kernelThread(`          - { kernel-ioctl: IOCTL_BOX_FILL, device: '\\Device\\Box', expect: { returns: true, error: 0, status: STATUS_SUCCESS } }
`),
      ),
    ).toEqual([
      "27:87: IoCallDriver (kernel-ioctl) has no 'returns' to expect",
      "27:100: IoCallDriver (kernel-ioctl) has no 'error' to expect",
    ]);
  });

  it('IO-10.1 the loader refuses user-mode keys on Zw verbs, Zw-only expectations in user threads and unknown pool names, each at its position with a hint', () => {
    const loaded = loadScenario(
      BOX +
        kernelThread(`          - { alloc: kbuf, size: 8, protection: PAGE_READONLY }
          - { open: '\\\\.\\Box', as: kh, disposition: OPEN_EXISTING }
          - { ioctl: IOCTL_BOX_FILL, handle: kh, overlapped: true, bytesReturned: { preset: 7 }, expect: { returns: true, error: ERROR_SUCCESS } }
          - { read: kh, output: { size: 4 }, expect: { signalled: { kh: true } } }
`) +
        appThread(`          - { open: '\\\\.\\Box', as: h }
          - { ioctl: IOCTL_BOX_FILL, handle: h, output: { address: kbfu }, expect: { iosb: { information: 8 } } }
`),
      { file: 'k.yaml' },
    );
    expect(loaded.ok).toBe(false);
    const shown = loaded.ok ? [] : loaded.errors.map((e) => `${e.line}:${e.col}: ${e.message}${e.hint ? ` [${e.hint}]` : ''}`);
    expect(shown).toEqual([
      "27:49: ExAllocatePool2 (alloc in a kernel: true thread) takes no 'protection' [pool is nonpaged read-write memory: there is no page protection to choose]",
      "28:21: kernel code names a device by its NT path, not '\\\\.\\Box' [write '\\??\\Box' or the device's '\\Device\\…' name]",
      "28:53: ZwCreateFile (open in a kernel: true thread) takes no 'disposition' [ZwCreateFile here opens an existing device, FILE_OPEN; for other dispositions call nt-open in a user-mode thread]",
      expect.stringMatching(/^29:62: ZwDeviceIoControlFile \(ioctl in a kernel: true thread\) takes no 'overlapped' \[a kernel thread's files are opened for synchronous I\/O/),
      expect.stringMatching(/^29:83: ZwDeviceIoControlFile \(ioctl in a kernel: true thread\) takes no 'bytesReturned' \[the byte count is the IO_STATUS_BLOCK's Information/),
      "29:117: ZwDeviceIoControlFile (ioctl in a kernel: true thread) has no 'returns' to expect [a Zw call returns its NTSTATUS: expect status: STATUS_…]",
      expect.stringMatching(/^29:130: ZwDeviceIoControlFile \(ioctl in a kernel: true thread\) has no 'error' to expect \[kernel code has no last error/),
      "30:67: ZwReadFile (read in a kernel: true thread) has no 'signalled' to expect [a kernel thread names no events: expect status and iosb]",
      "37:68: no pool buffer named 'kbfu': an address is a number, or the name an alloc of a kernel: true thread gives its pool buffer [did you mean 'kbuf'?]",
      expect.stringMatching(/^37:92: 'iosb' is expected of the Zw call ioctl makes in a kernel: true thread \[DeviceIoControl, ReadFile and WriteFile show no IO_STATUS_BLOCK/),
    ]);
  });
});


describe('a kernel thread keeps the run going (docs/scenario-format.md §3.3)', () => {
  it('IO-10.1 a kernel thread that starts after every user thread ended still runs its actions', () => {
    const { failed, result } = run(
      DRIVER +
        `  - name: app
    threads:
      - name: main
        actions:
          - { mark: 'the program is done at once' }
` +
        kernelThread(`          - kernel-ioctl: IOCTL_BOX_FILL
            device: '\\Device\\Box'
            output: { size: 8 }
            expect: { status: STATUS_SUCCESS, output: { text: 'kernel!!' } }
`).replace('kernel: true', 'kernel: true\n        start: 1ms'),
    );
    expect(failed).toEqual([]);
    expect(result.outcome).toBe('completed');
    expect(result.expectations.some((e) => e.description.includes('kernel-ioctl IOCTL_BOX_FILL') && e.passed)).toBe(true);
  });
});
