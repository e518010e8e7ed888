import { ACCESS, Machine, STATUS, firstCome, type RunResult } from '@irpsim/core';
import { CREATION, ERROR, FILE_FLAG_OVERLAPPED, INFINITE, IoManager, OVERLAPPED, WAIT, Win32, type VerifierLevel } from '@irpsim/io-manager';
import { IOCTL_BENCH_PEND, pendingStack, type PendCompletion } from './pendingStack.ts';
import { checksumStep } from './refModel.ts';
import { ZERO_COST } from './runNullIoctl.ts';
import { steadyWindow } from './steadyWindow.ts';

export interface PendCancelOptions {
  /** User processes, one thread each, each with its own overlapped handle and two events. */
  readonly n: number;
  /** Rounds per thread; each round issues two overlapped IOCTLs. */
  readonly m: number;
  readonly depth: number;
  readonly completion: PendCompletion;
  readonly verifier: VerifierLevel;
  /** Every `cancelEvery`-th request (by issue order) is cancelled with CancelIoEx (10: 10 %). */
  readonly cancelEvery: number;
  /** Share of the rounds made before the timed window opens (default 0.2). */
  readonly warmup?: number;
}

export interface PendCancelRun {
  /** Wall-clock seconds from "every thread holds its handle and `warmup` of the rounds are done" to "the first thread is done". */
  readonly seconds: number;
  /** Requests finished (success or cancelled) inside the window. */
  readonly irps: number;
  /** Requests that ended STATUS_CANCELLED inside the window. */
  readonly cancellations: number;
  /** CancelIoEx calls inside the window. */
  readonly cancelRequests: number;
  /** Waits that returned satisfied (WAIT_OBJECT_0…) inside the window: single waits count one each, a wait-all one. */
  readonly waitSatisfactions: number;
  readonly steps: number;
  readonly totalIrps: number;
  readonly totalCancellations: number;
  readonly result: RunResult;
  /** Over (request id, final status, simulated time) in the order the threads saw them end. */
  readonly checksum: number;
}

/**
 * W4's run: N processes × M rounds through the pending stack (bench/pendingStack.ts). In a
 * round a thread issues two zero-length overlapped IOCTLs, each with its own OVERLAPPED
 * and manual-reset event (NtDeviceIoControlFile resets it, IO-7.3); every `cancelEvery`-th
 * request is cancelled at once with CancelIoEx(h, &ov); then the thread waits — on even
 * rounds WaitForSingleObject on each event, on odd rounds WaitForMultipleObjects on both
 * (wait all) — and reads each OVERLAPPED's Internal, which must be STATUS_SUCCESS or
 * STATUS_CANCELLED. The run must end `completed`, every request accounted for, with no
 * verifier violation; anything else throws (a broken measurement).
 */
export function runPendCancel(options: PendCancelOptions): PendCancelRun {
  const { n, m, depth, verifier, cancelEvery } = options;
  const stack = pendingStack(depth, options.completion);
  const machine = new Machine({ strategy: firstCome(), cost: ZERO_COST, budget: { maxSteps: Number.MAX_SAFE_INTEGER } });
  const io = new IoManager(machine, { verifier });
  let nextRequest = 0;
  let opened = 0;
  let finished = 0;
  let irps = 0;
  let cancellations = 0;
  let cancelRequests = 0;
  let waits = 0;
  let failures = 0;
  let checksum = 0;
  machine.createSystemThread('boot', function* () {
    for (const [name, entry] of Object.entries(stack.drivers)) {
      const status = yield* io.loadDriver(name, entry);
      if (status !== STATUS.SUCCESS) throw new Error(`bench: DriverEntry of ${name} failed with 0x${status.toString(16)}`);
    }
    for (let p = 0; p < n; p++) {
      machine.createThread(machine.createProcess(`user${p}`), 'main', function* (thread) {
        const u = new Win32(io, thread);
        const handle = yield* u.CreateFile(stack.win32Name, ACCESS.GENERIC_READ | ACCESS.GENERIC_WRITE, 0, CREATION.OPEN_EXISTING, FILE_FLAG_OVERLAPPED);
        const events = [yield* u.CreateEvent(true, false), yield* u.CreateEvent(true, false)];
        const block = yield* u.VirtualAlloc(4096);
        if (block === 0 || events.includes(0)) throw new Error(`bench: set-up failed in user${p}`);
        const ovs = [block, block + 32];
        const handles = block + 64;
        for (let j = 0; j < 2; j++) {
          u.writeU32(ovs[j]! + OVERLAPPED.hEvent, events[j]!);
          u.writeU32(handles + 4 * j, events[j]!);
        }
        const ids = [0, 0];
        opened++;
        for (let round = 0; round < m; round++) {
          for (let j = 0; j < 2; j++) {
            const id = nextRequest++;
            ids[j] = id;
            const ok = yield* u.DeviceIoControl(handle, IOCTL_BENCH_PEND, 0, 0, 0, 0, 0, ovs[j]!);
            if (ok || u.GetLastError() !== ERROR.IO_PENDING) failures++;
            if (id % cancelEvery === cancelEvery - 1) {
              cancelRequests++;
              // FALSE / ERROR_NOT_FOUND when the driver completed it first: a race the run keeps.
              yield* u.CancelIoEx(handle, ovs[j]!);
            }
          }
          if (round % 2 === 0) {
            for (let j = 0; j < 2; j++) {
              if ((yield* u.WaitForSingleObject(events[j]!, INFINITE)) === WAIT.OBJECT_0) waits++;
              else failures++;
            }
          } else if ((yield* u.WaitForMultipleObjects(2, handles, true, INFINITE)) === WAIT.OBJECT_0) {
            waits++;
          } else {
            failures++;
          }
          for (let j = 0; j < 2; j++) {
            const status = u.readU32(ovs[j]! + OVERLAPPED.Internal);
            if (status === STATUS.CANCELLED) cancellations++;
            else if (status !== STATUS.SUCCESS) failures++;
            irps++;
            checksum = checksumStep(checksumStep(checksum, ids[j]!, status), 0, machine.now);
          }
        }
        finished++;
        yield* u.CloseHandle(events[0]!);
        yield* u.CloseHandle(events[1]!);
        yield* u.CloseHandle(handle);
      });
    }
  });
  const engine = machine.engine;
  let before = { irps, cancellations, cancelRequests, waits };
  let window = before;
  const phases = steadyWindow(engine, n, 2 * Math.floor((options.warmup ?? 0.2) * n * m), {
    opened: () => opened,
    requests: () => irps,
    finished: () => finished,
    atStart: () => (before = { irps, cancellations, cancelRequests, waits }),
    atEnd: () =>
      (window = { irps: irps - before.irps, cancellations: cancellations - before.cancellations, cancelRequests: cancelRequests - before.cancelRequests, waits: waits - before.waits }),
  });
  const result = engine.getResult();
  const c = stack.counters;
  if (result.outcome !== 'completed' || failures > 0 || irps !== 2 * n * m || c.completed + c.cancelled !== irps || c.cancelled !== cancellations) {
    throw new Error(
      `bench: the pend/cancel run did not complete cleanly (${result.outcome}: ${result.reason}; ${failures} failures, ` +
        `${irps}/${2 * n * m} requests, driver ${c.completed} completed + ${c.cancelled} cancelled, threads saw ${cancellations} cancelled)`,
    );
  }
  if (result.violations.length > 0) {
    throw new Error(`bench: the pend/cancel drivers raised verifier violations: ${result.violations.map((v) => v.check).join(', ')}`);
  }
  return {
    seconds: (phases.end - phases.start) / 1000,
    irps: window.irps,
    cancellations: window.cancellations,
    cancelRequests: window.cancelRequests,
    waitSatisfactions: window.waits,
    steps: phases.steps,
    totalIrps: irps,
    totalCancellations: cancellations,
    result,
    checksum,
  };
}
