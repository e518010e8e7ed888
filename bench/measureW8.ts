import type { VerifierLevel } from '@irpsim/io-manager';
import type { Environment } from './environment.ts';
import { runHeldIoctls, type HeldIoctlsOptions, type HeldIoctlsRun } from './runHeldIoctls.ts';
import { leastSquaresSlope } from './leastSquaresSlope.ts';
import { sig } from './stats.ts';

export interface W8Options {
  /** IOCTLs held pending at each point of the sweep (the per-IRP figure is the slope). */
  readonly pending: readonly number[];
  /** Device objects beyond the stack's, per point of the device sweep. */
  readonly devices: readonly number[];
  /** Idle processes (one thread, one open handle, asleep), per point of the process sweep. */
  readonly processes: readonly number[];
  /** The fixed set of overlapped threads that hold the IOCTLs. */
  readonly threads: number;
  /** Verifier levels, one line each; the device and process sweeps run at the first only. */
  readonly verifiers: readonly VerifierLevel[];
  readonly env: Environment;
  readonly progress: (message: string) => void;
}

/** A real x64 IRP with three stack locations: the budget of issue 9. */
export const REAL_IRP_BYTES = 424;

/**
 * W8 memory: the heap after a full collection while zero-length IOCTLs are held pending
 * through a 3-deep stack by a fixed set of overlapped threads (bench/runHeldIoctls.ts), at
 * several pending counts; bytes per in-flight IRP is the least-squares slope of the heap
 * against the count, so set-up (boot, processes, handles) cancels out. Likewise bytes per
 * device object (devices made in DriverEntry) and per process (one thread, one open
 * handle, asleep). One line per verifier level.
 */
export function measureW8(o: W8Options): Record<string, unknown>[] {
  const depth = 3;
  const base: Omit<HeldIoctlsOptions, 'verifier'> = { depth, threads: o.threads, pending: 0 };
  // Warm-up: the code every run executes is compiled before the first measured point.
  runHeldIoctls({ ...base, pending: Math.min(1000, Math.max(...o.pending)), verifier: o.verifiers[0]! });
  return o.verifiers.map((verifier, index) => {
    o.progress(`W8: held IOCTLs ${o.pending.join(', ')}, verifier ${verifier}`);
    const zero = runHeldIoctls({ ...base, verifier });
    const runs = o.pending.map((pending) => runHeldIoctls({ ...base, pending, verifier }));
    const slope = (key: 'heapUsed' | 'arrayBuffers', xs: readonly number[], rs: readonly HeldIoctlsRun[]) =>
      leastSquaresSlope([[0, zero[key]], ...xs.map((x, i) => [x, rs[i]![key]] as const)]);
    const perIrp = slope('heapUsed', o.pending, runs);
    let devices: { perDevice: number; heap: number[] } | null = null;
    let processes: { perProcess: number; heap: number[] } | null = null;
    if (index === 0) {
      o.progress(`W8: device objects ${o.devices.join(', ')}; processes ${o.processes.join(', ')}`);
      const d = o.devices.map((extraDevices) => runHeldIoctls({ ...base, extraDevices, verifier }));
      devices = { perDevice: slope('heapUsed', o.devices, d), heap: d.map((r) => r.heapUsed) };
      const p = o.processes.map((idleProcesses) => runHeldIoctls({ ...base, idleProcesses, verifier }));
      processes = { perProcess: slope('heapUsed', o.processes, p), heap: p.map((r) => r.heapUsed) };
    }
    const largest = runs[runs.length - 1]!;
    return {
      workload: 'W8',
      name: 'memory',
      depth,
      stackLocations: depth,
      verifier,
      threads: o.threads,
      pendingCounts: o.pending,
      heapUsedAtZero: zero.heapUsed,
      heapUsed: runs.map((r) => r.heapUsed),
      bytesPerInFlightIrp: sig(perIrp),
      bytesPerInFlightIrpByPoint: runs.map((r, i) => sig((r.heapUsed - zero.heapUsed) / o.pending[i]!)),
      budgetBytes: REAL_IRP_BYTES,
      ratioToRealIrp: sig(perIrp / REAL_IRP_BYTES),
      simulatedMemoryBytesPerIrp: sig(slope('arrayBuffers', o.pending, runs)),
      choicesPerHeldIrp: sig((largest.choices - zero.choices) / o.pending[o.pending.length - 1]!),
      stepsPerHeldIrp: sig((largest.steps - zero.steps) / o.pending[o.pending.length - 1]!),
      largestRunSeconds: sig(largest.seconds),
      deviceCounts: devices === null ? null : o.devices,
      bytesPerDeviceObject: devices === null ? null : sig(devices.perDevice),
      processCounts: processes === null ? null : o.processes,
      bytesPerProcess: processes === null ? null : sig(processes.perProcess),
      env: o.env,
    };
  });
}
