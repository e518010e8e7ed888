import { ACCESS, Machine, STATUS, firstCome, seededRandom, type CostModel, type RunResult, type TraceEvent } from '@irpsim/core';
import { CREATION, IoManager, Win32, type DriverEntry, type VerifierLevel } from '@irpsim/io-manager';
import { checksumStep } from './refModel.ts';
import { steadyWindow } from './steadyWindow.ts';
import { IOCTL_BENCH_NULL, nullStack } from './nullStack.ts';

/** Every cost zero: W1 is the §2.1 model's config Z (zero delays). */
export const ZERO_COST: CostModel = {
  syscallEntry: 0,
  syscallExit: 0,
  copyPerByte: 0,
  pageMap: 0,
  contextSwitch: 0,
  interruptLatency: 0,
  routineCall: 0,
  irpAllocate: 0,
  poolAllocate: 0,
};

export interface NullIoctlOptions {
  /** User processes, one thread each, each with its own handle. */
  readonly n: number;
  /** Synchronous DeviceIoControl calls per thread. */
  readonly m: number;
  /** Devices in the stack (1 = the bottom driver alone). */
  readonly depth: number;
  readonly verifier: VerifierLevel;
  /** Scheduling: first-come (default) or seeded random with this seed. */
  readonly seed?: number;
  /** 'none' (default), 'record' (trace.record()) or 'subscribe' (one listener pushing to an array). */
  readonly observe?: 'none' | 'record' | 'subscribe';
  /** The cost model (default: all zero). */
  readonly cost?: Partial<CostModel>;
  /** Share of the n × m calls made before the timed window opens (default 0.2). */
  readonly warmup?: number;
  /** Another stack and its IOCTL (default: nullStack(depth) and IOCTL_BENCH_NULL); `name` for messages. */
  readonly stack?: { readonly drivers: Record<string, DriverEntry>; readonly win32Name: string; readonly ioctl: number; readonly name: string };
}

export interface NullIoctlRun {
  /**
   * Wall-clock seconds of the steady state: from the moment every thread holds its handle
   * and the first `warmup` share of all calls is done (then a full collection, with
   * --expose-gc, promotes the set-up's objects) to the moment the first thread has made
   * all its calls.
   * Boot, opens, closes and process exits are outside the window (`setupSeconds`,
   * `totalSeconds`).
   */
  readonly seconds: number;
  /** IOCTL round trips completed inside the window. */
  readonly irps: number;
  /** Engine steps taken inside the window. */
  readonly steps: number;
  /** Machine construction, boot and every CreateFile (until every thread holds its handle). */
  readonly setupSeconds: number;
  /** The whole run, from the machine's construction to its end. */
  readonly totalSeconds: number;
  /** IOCTL round trips in the whole run (n × m). */
  readonly totalIrps: number;
  readonly result: RunResult;
  /** Completion-order checksum over (request id in issue order, simulated time). */
  readonly checksum: number;
  /** Trace events recorded or delivered (0 when nothing observed). */
  readonly traceEvents: number;
  /** Recorded or delivered events, when observed. */
  readonly events: readonly TraceEvent[];
  /** Simulated ns from the first thread's first call to the last thread's last return. */
  readonly simNsOfCalls: number;
  /** Simulated ns of each thread's M calls (first call to last return), in the order the threads ended. */
  readonly simNsPerThread: readonly number[];
}

/**
 * W1's workload through the public API, the way a lesson runs: a machine with an I/O
 * manager, the stack's drivers loaded by DriverEntry in a boot system thread, then N user
 * processes each opening the device and issuing M synchronous null IOCTLs. The engine is
 * driven with `engine.step()` (what `engine.run()` does) so the steady state can be timed
 * apart from boot and teardown.
 */
export function runNullIoctl(options: NullIoctlOptions): NullIoctlRun {
  const { n, m, depth, verifier } = options;
  const stack = options.stack ?? { ...nullStack(depth), ioctl: IOCTL_BENCH_NULL, name: 'null-IOCTL' };
  const observe = options.observe ?? 'none';
  const start = performance.now();
  const machine = new Machine({
    strategy: options.seed === undefined ? firstCome() : seededRandom(options.seed),
    cost: { ...ZERO_COST, ...options.cost },
    budget: { maxSteps: Number.MAX_SAFE_INTEGER },
  });
  const delivered: TraceEvent[] = [];
  if (observe === 'record') machine.trace.record();
  else if (observe === 'subscribe') machine.trace.subscribe((event) => delivered.push(event));
  const io = new IoManager(machine, { verifier });
  let nextRequest = 0;
  let checksum = 0;
  let irps = 0;
  let failures = 0;
  let opened = 0;
  let finished = 0;
  let callsStart = -1;
  let callsEnd = 0;
  const perThread: number[] = [];
  machine.createSystemThread('boot', function* () {
    for (const [name, entry] of Object.entries(stack.drivers)) {
      const status = yield* io.loadDriver(name, entry);
      if (status !== STATUS.SUCCESS) throw new Error(`bench: DriverEntry of ${name} failed with 0x${status.toString(16)}`);
    }
    for (let p = 0; p < n; p++) {
      const process = machine.createProcess(`user${p}`);
      machine.createThread(process, 'main', function* (thread) {
        const u = new Win32(io, thread);
        const handle = yield* u.CreateFile(stack.win32Name, ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE, 0, CREATION.OPEN_EXISTING, 0);
        const bytesReturned = yield* u.VirtualAlloc(4096);
        if (bytesReturned === 0) throw new Error(`bench: VirtualAlloc failed in user${p}`);
        opened++;
        const first = machine.now;
        if (callsStart < 0) callsStart = first;
        for (let i = 0; i < m; i++) {
          const request = nextRequest++;
          const ok = yield* u.DeviceIoControl(handle, stack.ioctl, 0, 0, 0, 0, bytesReturned);
          if (!ok) failures++;
          irps++;
          checksum = checksumStep(checksum, request, machine.now);
        }
        perThread.push(machine.now - first);
        callsEnd = Math.max(callsEnd, machine.now);
        finished++;
        yield* u.CloseHandle(handle);
      });
    }
  });
  // engine.run() is `while (step())`: stepping here is the same path, with timestamps.
  const engine = machine.engine;
  let irps0 = 0;
  let irps1 = 0;
  const phases = steadyWindow(engine, n, Math.floor((options.warmup ?? 0.2) * n * m), {
    opened: () => opened,
    requests: () => irps,
    finished: () => finished,
    atStart: () => (irps0 = irps),
    atEnd: () => (irps1 = irps),
  });
  const result = engine.getResult();
  if (result.outcome !== 'completed' || failures > 0 || irps !== n * m) {
    throw new Error(`bench: the ${stack.name} run did not complete cleanly (${result.outcome}: ${result.reason}; ${failures} failed calls, ${irps}/${n * m} IOCTLs)`);
  }
  if (result.violations.length > 0) {
    throw new Error(`bench: the ${stack.name} drivers raised verifier violations: ${result.violations.map((v) => v.check).join(', ')}`);
  }
  const events = observe === 'record' ? machine.trace.events : delivered;
  return {
    seconds: (phases.end - phases.start) / 1000,
    irps: irps1 - irps0,
    steps: phases.steps,
    setupSeconds: (phases.opensDone - start) / 1000,
    totalSeconds: (phases.finished - start) / 1000,
    totalIrps: irps,
    result,
    checksum,
    traceEvents: events.length,
    events,
    simNsOfCalls: callsEnd - callsStart,
    simNsPerThread: perThread,
  };
}
