import type { RunResult } from '@irpsim/core';
import type { VerifierLevel } from '@irpsim/io-manager';
import { runNullIoctl } from './runNullIoctl.ts';
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
  const stack = { ...timedStack(depth, options.serviceNs), ioctl: IOCTL_BENCH_TIMED, name: 'timed-stack' };
  return runNullIoctl({ n, m, depth, verifier, cost: { routineCall: options.hopNs }, stack, ...(options.warmup !== undefined ? { warmup: options.warmup } : {}) });
}
