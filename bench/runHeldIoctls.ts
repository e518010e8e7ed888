import { ACCESS, Machine, STATUS, firstCome, type Process } from '@irpsim/core';
import { CREATION, ERROR, FILE_FLAG_OVERLAPPED, IoManager, OVERLAPPED, Win32, type VerifierLevel } from '@irpsim/io-manager';
import { IOCTL_BENCH_HOLD, holdingStack } from './holdingStack.ts';
import { ZERO_COST } from './runNullIoctl.ts';
import { collectGarbage } from './stats.ts';

export interface HeldIoctlsOptions {
  /** Devices in the stack (3: the bottom holding driver and two filters). */
  readonly depth: number;
  /** The fixed set of overlapped threads, each in its own process. */
  readonly threads: number;
  /** IOCTLs held pending at the measuring point, spread evenly over the threads. */
  readonly pending: number;
  /** Idle processes (one thread each, holding an open handle, asleep) at the measuring point. */
  readonly idleProcesses?: number;
  /** Device objects the bottom driver creates besides its own. */
  readonly extraDevices?: number;
  readonly verifier: VerifierLevel;
  /** Called at the measuring point, after the collection (a heap profile, a snapshot). */
  readonly atHold?: () => void;
}

export interface HeldIoctlsRun {
  /** `process.memoryUsage()` after a full collection, at the measuring point. */
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** IRPs the bottom driver held at the measuring point. */
  readonly held: number;
  /** Choices recorded in the whole run (the replay log grows with them, not with what is held). */
  readonly choices: number;
  readonly steps: number;
  /** Wall-clock seconds of the whole run. */
  readonly seconds: number;
}

/** Simulated milliseconds every thread sleeps after its set-up, while the bench measures. */
const HOLD_MS = 1;

/**
 * W8's run: a machine with an I/O manager loads the holding stack in a boot thread, then
 * `threads` user processes, started one after the other (each starts the next once its
 * requests are queued, so only one is ever runnable and no scheduling choice is logged per
 * request), each open `\\.\BenchHold` with FILE_FLAG_OVERLAPPED and issue their share of
 * zero-length IOCTL_BENCH_HOLD calls, each with its own OVERLAPPED (hEvent NULL), every one
 * answered FALSE / ERROR_IO_PENDING. When every thread is asleep, the heap is measured
 * after a full collection. Then each thread cancels its requests with CancelIoEx(h, NULL),
 * checks that every OVERLAPPED says STATUS_CANCELLED, and closes its handle; the run must
 * end `completed` with no verifier violation (else it throws: a broken measurement).
 */
export function runHeldIoctls(options: HeldIoctlsOptions): HeldIoctlsRun {
  const { depth, threads, pending, verifier } = options;
  const idleProcesses = options.idleProcesses ?? 0;
  const stack = holdingStack(depth, options.extraDevices ?? 0);
  const start = performance.now();
  const machine = new Machine({ strategy: firstCome(), cost: ZERO_COST, budget: { maxSteps: Number.MAX_SAFE_INTEGER } });
  const io = new IoManager(machine, { verifier });
  let ready = 0;
  let idleReady = 0;
  let notPending = 0;
  let notCancelled = 0;
  const share = (t: number) => Math.floor(pending / threads) + (t < pending % threads ? 1 : 0);

  const startHolder = (t: number): void => {
    const process: Process = machine.createProcess(`holder${t}`);
    machine.createThread(process, 'main', function* (thread) {
      const u = new Win32(io, thread);
      const handle = yield* u.CreateFile(stack.win32Name, ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
      const count = share(t);
      const overlapped = count === 0 ? 0 : yield* u.VirtualAlloc(count * OVERLAPPED.size);
      if (count > 0 && overlapped === 0) throw new Error(`bench: VirtualAlloc of ${count} OVERLAPPEDs failed`);
      for (let i = 0; i < count; i++) {
        const ok = yield* u.DeviceIoControl(handle, IOCTL_BENCH_HOLD, 0, 0, 0, 0, 0, overlapped + i * OVERLAPPED.size);
        if (ok || u.GetLastError() !== ERROR.IO_PENDING) notPending++;
      }
      ready++;
      if (t + 1 < threads) startHolder(t + 1);
      yield* u.Sleep(HOLD_MS);
      if (count > 0 && !(yield* u.CancelIoEx(handle, 0))) notCancelled += count;
      yield* u.CloseHandle(handle);
      for (let i = 0; i < count; i++) {
        if (u.readU32(overlapped + i * OVERLAPPED.size + OVERLAPPED.Internal) !== STATUS.CANCELLED) notCancelled++;
      }
    });
  };

  machine.createSystemThread('boot', function* () {
    for (const [name, entry] of Object.entries(stack.drivers)) {
      const status = yield* io.loadDriver(name, entry);
      if (status !== STATUS.SUCCESS) throw new Error(`bench: DriverEntry of ${name} failed with 0x${status.toString(16)}`);
    }
    for (let p = 0; p < idleProcesses; p++) {
      machine.createThread(machine.createProcess(`idle${p}`), 'main', function* (thread) {
        const u = new Win32(io, thread);
        const handle = yield* u.CreateFile(stack.win32Name, ACCESS.GENERIC_READ, 0, CREATION.OPEN_EXISTING, 0);
        idleReady++;
        yield* u.Sleep(HOLD_MS);
        yield* u.CloseHandle(handle);
      });
    }
    if (threads > 0) startHolder(0);
  });

  const engine = machine.engine;
  while ((ready < threads || idleReady < idleProcesses) && engine.step()) {
    /* boot, opens, the held requests */
  }
  const held = stack.counters.held;
  collectGarbage();
  collectGarbage();
  const memory = process.memoryUsage();
  options.atHold?.();
  while (engine.step()) {
    /* cancellation, closes, exits */
  }
  const result = engine.getResult();
  if (result.outcome !== 'completed' || notPending > 0 || notCancelled > 0 || held !== pending || stack.counters.cancelled !== pending) {
    throw new Error(
      `bench: the held-IOCTL run did not complete cleanly (${result.outcome}: ${result.reason}; held ${held}/${pending}, ` +
        `${notPending} not pending, ${notCancelled} not cancelled, ${stack.counters.cancelled} cancelled by the driver)`,
    );
  }
  if (result.violations.length > 0) {
    throw new Error(`bench: the holding drivers raised verifier violations: ${result.violations.map((v) => v.check).join(', ')}`);
  }
  return {
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    held,
    choices: result.stats.choices,
    steps: result.stats.steps,
    seconds: (performance.now() - start) / 1000,
  };
}
