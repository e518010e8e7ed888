import { ACCESS, Machine, STATUS, firstCome, type RunResult } from '@irpsim/core';
import { CREATION, IoManager, Win32, type VerifierLevel } from '@irpsim/io-manager';
import { checksumStep } from './refModel.ts';
import { ZERO_COST } from './runNullIoctl.ts';
import { steadyWindow } from './steadyWindow.ts';
import { IOCTL_BENCH_TIMED, timedStack } from './timedStack.ts';

export interface TimedStackOptions {
  readonly n: number;
  readonly m: number;
  readonly depth: number;
  readonly verifier: VerifierLevel;
  /** The hop latency d: the cost model's routineCall (every IoCallDriver and completion routine call). */
  readonly hopNs: number;
  /** The device latency s. */
  readonly serviceNs: number;
  /** Share of the calls made before the timed window opens (default 0.2). */
  readonly warmup?: number;
}

export interface TimedStackRun {
  /** Wall-clock seconds of the steady-state window (as W1's: opens done and `warmup` of the calls made, to the first thread done). */
  readonly seconds: number;
  readonly irps: number;
  readonly steps: number;
  readonly totalIrps: number;
  /** Simulated ns from the moment every thread held its handle to the moment the last thread made its last call. */
  readonly simNsOfCalls: number;
  /** Simulated ns of each thread's M calls (first call to last return), per thread. */
  readonly simNsPerThread: readonly number[];
  readonly result: RunResult;
  readonly checksum: number;
}

/**
 * W2's run: W1's shape (N processes × M synchronous DeviceIoControl on their own handle,
 * first-come, no observer) on the timed stack (bench/timedStack.ts), with the cost model
 * all zero except `routineCall` = the hop latency. The run must complete cleanly with no
 * verifier violation.
 */
export function runTimedStack(options: TimedStackOptions): TimedStackRun {
  const { n, m, depth, verifier } = options;
  const stack = timedStack(depth, options.serviceNs);
  const machine = new Machine({ strategy: firstCome(), cost: { ...ZERO_COST, routineCall: options.hopNs }, budget: { maxSteps: Number.MAX_SAFE_INTEGER } });
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
      machine.createThread(machine.createProcess(`user${p}`), 'main', function* (thread) {
        const u = new Win32(io, thread);
        const handle = yield* u.CreateFile(stack.win32Name, ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE, 0, CREATION.OPEN_EXISTING, 0);
        const bytesReturned = yield* u.VirtualAlloc(4096);
        if (bytesReturned === 0) throw new Error(`bench: VirtualAlloc failed in user${p}`);
        opened++;
        const first = machine.now;
        if (callsStart < 0) callsStart = first;
        for (let i = 0; i < m; i++) {
          const request = nextRequest++;
          if (!(yield* u.DeviceIoControl(handle, IOCTL_BENCH_TIMED, 0, 0, 0, 0, bytesReturned))) failures++;
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
    throw new Error(`bench: the timed-stack run did not complete cleanly (${result.outcome}: ${result.reason}; ${failures} failed calls, ${irps}/${n * m} IOCTLs)`);
  }
  if (result.violations.length > 0) {
    throw new Error(`bench: the timed-stack drivers raised verifier violations: ${result.violations.map((v) => v.check).join(', ')}`);
  }
  return {
    seconds: (phases.end - phases.start) / 1000,
    irps: irps1 - irps0,
    steps: phases.steps,
    totalIrps: irps,
    simNsOfCalls: callsEnd - callsStart,
    simNsPerThread: perThread,
    result,
    checksum,
  };
}
