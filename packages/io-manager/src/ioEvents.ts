/** The I/O manager's trace events. */
import '@irpsim/core';

declare module '@irpsim/core' {
  interface TraceEventMap {
    'io.driver.load': { driver: string; status: number };
    /** NtUnloadDriver's steps (unloadDriver.ts): refused, pending (devices unload-pending), invoked (DriverUnload called), unloaded. */
    'io.driver.unload': { driver: string; step: 'refused' | 'pending' | 'invoked' | 'unloaded'; status: number };
    'io.device.create': { device: number; name: string | null; driver: string; deviceType: number; flags: number };
    'io.device.attach': { device: number; driver: string; to: number; top: number; stackSize: number };
    'io.symlink.create': { link: string; target: string; status: number };
    'io.symlink.delete': { link: string; status: number };
    'io.device.delete': { device: number; name: string | null; driver: string };
    /** A file object was opened on a device (a successful CREATE). */
    'io.file.open': { file: number; device: string; fileName: string; synchronous: boolean };
    'io.irp.alloc': {
      irp: number;
      major: number;
      stackCount: number;
      requestor: 'user' | 'kernel';
      tid: number | null;
      file: number | null;
    };
    /** How the I/O manager presented the caller's buffers to the driver. */
    'io.irp.buffers': {
      irp: number;
      method: 'buffered' | 'in-direct' | 'out-direct' | 'neither';
      inputBuffer: number;
      inputLength: number;
      outputBuffer: number;
      outputLength: number;
      systemBuffer: number;
      systemBufferLength: number;
      mdl: number;
    };
    // ── reading, writing and overlapped I/O ──
    /** How NtReadFile / NtWriteFile presented the caller's buffer, by the device's DO_BUFFERED_IO / DO_DIRECT_IO flags (IO-4.1). */
    'io.irp.transfer': { irp: number; major: number; method: 'buffered' | 'direct' | 'neither'; buffer: number; length: number; systemBuffer: number; mdl: number };
    /** A user APC ended the alertable wait of a synchronous request: the I/O manager cancels it (IO-7.14). */
    'io.irp.abort': { irp: number; tid: number | null };
    /** kernel32 refused a call that Windows leaves undefined (IO-7.13). */
    'win32.misuse': { tid: number; api: string; message: string };
    // ── completion ports and APC completion ──
    /** A completion port was created (`concurrency` is its MaximumCount). */
    'io.port.create': { port: number; concurrency: number };
    /** A file object was associated with a port and key (FileCompletionInformation). */
    'io.port.associate': { port: number; file: number; key: number };
    /** A packet was queued: by an IRP's final processing (`irp`), or posted (`irp` null). */
    'io.port.queue': { port: number; irp: number | null; key: number; apcContext: number; status: number; information: number };
    /** A thread removed a packet. */
    'io.port.remove': { port: number; tid: number; key: number; apcContext: number; status: number; information: number };
    /** Bytes copied between the caller's buffer and the system buffer. */
    'io.copy': { irp: number; direction: 'in' | 'out'; from: number; to: number; length: number; bytes: string };
    'io.irp.call': {
      irp: number;
      device: number;
      deviceName: string;
      driver: string;
      major: number;
      minor: number;
      location: number;
      stackCount: number;
      caller: string | null;
    };
    'io.irp.return': { irp: number; driver: string; status: number; location: number };
    'io.irp.pending': { irp: number; driver: string; location: number };
    'io.irp.complete': { irp: number; driver: string | null; status: number; information: number; location: number; boost: number };
    'io.irp.routine': { irp: number; driver: string; location: number; status: number; result: number };
    /**
     * The I/O manager's final processing: copy-back, IOSB, event. `notified` is false when
     * an error status on a request that did not pend skips all caller notification (§11).
     */
    'io.irp.finish': {
      irp: number;
      status: number;
      information: number;
      copiedBack: number;
      notified: boolean;
      iosbWritten: boolean;
      eventSignalled: boolean;
      pendingReturned: boolean;
      tid: number | null;
      /** IoCompleteRequest's PriorityBoost, applied to the thread this wakes (IO-5.18). */
      boost: number;
    };
    'io.irp.free': { irp: number };
    'io.dbgprint': { driver: string; message: string };
    /** A system service's probe of a user-mode caller's buffer failed: no IRP is built. */
    'io.probe.fail': { service: string; address: number; write: boolean; status: number };
    /** A user-mode read or write the program makes itself, with the frames behind it. */
    'user.memory': { tid: number; address: number; length: number; write: boolean; frames: number[]; bytes: string };
    /** A user thread called a Win32 API (kernel32). */
    'win32.call': { tid: number; api: string; detail: string };
    'win32.return': {
      tid: number;
      api: string;
      ok: boolean;
      detail: string;
      status: number;
      error: number | null;
      errorName: string | null;
    };
  }
}
