import type { IoManager } from '../IoManager.ts';
import './adversaryEvents.ts';

/**
 * Driver Verifier's "Low Resources Simulation" (fail-allocations): an allocation a driver
 * asks for may fail, as it may on Windows whenever pool runs short; the DDI then returns
 * NULL (or raises, for MmProbeAndLockPages) and a correct driver copes. A choice of kind
 * `fault`: 0 allocates, 1 fails. `ddi` names the call in the `verifier.adversary` event.
 */
export function failsAllocation(io: IoManager, ddi: string): boolean {
  const adversaries = io.verifier.adversaries;
  if (adversaries === null || !adversaries.has('fail-allocations')) return false;
  if (io.machine.engine.choose(2, 'fault') !== 1) return false;
  if (io.trace.on) io.trace.emit({ type: 'verifier.adversary', mode: 'fail-allocations', irp: null, detail: `${ddi} failed (Low Resources Simulation)` });
  return true;
}
