/**
 * Interrupt request levels, with the values of 32-bit Windows (the machine's address
 * layout is the classic 32-bit one too). A CPU runs at one IRQL at a time; work at or
 * above DISPATCH_LEVEL is never pre-empted by the thread scheduler (docs/semantics.md).
 */
export const IRQL = {
  PASSIVE: 0,
  APC: 1,
  DISPATCH: 2,
  /** Device interrupts use DIRQL 3 … 26; a higher one pre-empts a lower one. */
  DIRQL_MIN: 3,
  DIRQL_MAX: 26,
  PROFILE: 27,
  CLOCK: 28,
  IPI: 29,
  POWER: 30,
  HIGH: 31,
} as const;

export type Irql = number;

const NAMES: Record<number, string> = {
  0: 'PASSIVE_LEVEL',
  1: 'APC_LEVEL',
  2: 'DISPATCH_LEVEL',
  27: 'PROFILE_LEVEL',
  28: 'CLOCK_LEVEL',
  29: 'IPI_LEVEL',
  30: 'POWER_LEVEL',
  31: 'HIGH_LEVEL',
};

/** `DISPATCH_LEVEL`, `DIRQL 5`, for narration. */
export function irqlName(irql: Irql): string {
  return NAMES[irql] ?? `DIRQL ${irql}`;
}
