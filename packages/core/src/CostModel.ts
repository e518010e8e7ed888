/**
 * What simulated work costs, in nanoseconds. Lessons compare mechanisms under this model,
 * so every figure is documented (docs/cost-model.md) and every one can be overridden per
 * scenario. Defaults are order-of-magnitude figures for a current x64 machine, taken from
 * ../shared/reference/performance-anchors.md §1.1 where it has one.
 */
export interface CostModel {
  /** User → kernel transition of a system call (trap, KVA shadow switch). */
  readonly syscallEntry: number;
  /** Kernel → user return of a system call. */
  readonly syscallExit: number;
  /** Copying memory, per byte (≈ 4 GB/s). Fractions accumulate per copy. */
  readonly copyPerByte: number;
  /** Mapping one page (an MDL, a view). */
  readonly pageMap: number;
  /** Switching the CPU from one thread to another. */
  readonly contextSwitch: number;
  /** From a device raising an interrupt to its ISR running. */
  readonly interruptLatency: number;
  /** Invoking a driver routine (dispatch through IoCallDriver, completion routine, DPC). */
  readonly routineCall: number;
  /** Allocating and initialising an IRP (lookaside-list pop). */
  readonly irpAllocate: number;
  /** Allocating a small block of pool. */
  readonly poolAllocate: number;
}

export const DEFAULT_COST_MODEL: CostModel = {
  syscallEntry: 150,
  syscallExit: 100,
  copyPerByte: 0.25,
  pageMap: 200,
  contextSwitch: 2000,
  interruptLatency: 1000,
  routineCall: 30,
  irpAllocate: 60,
  poolAllocate: 50,
};

/** The cost of copying `bytes` bytes, in whole nanoseconds. */
export function copyCost(model: CostModel, bytes: number): number {
  return Math.ceil(bytes * model.copyPerByte);
}
