import type { IoManager } from '../IoManager.ts';

/**
 * Driver Verifier's "Low Resources Simulation" (fail-allocations): an allocation a driver
 * asks for may fail, as it may on Windows whenever pool runs short; the DDI then returns
 * NULL and a correct driver copes. A choice of kind `fault`: 0 allocates, 1 fails.
 */
export function failsAllocation(io: IoManager): boolean {
  const adversaries = io.verifier.adversaries;
  if (adversaries === null || !adversaries.has('fail-allocations')) return false;
  return io.machine.engine.choose(2, 'fault') === 1;
}
