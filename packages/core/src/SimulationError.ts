/**
 * Misuse of the library (a bad option, an unknown id): thrown to the caller, with a stable
 * code. Modelled failures are never SimulationErrors — they are data in the run result.
 */
export type SimulationErrorCode =
  | 'bad-option'
  | 'unknown-id'
  | 'not-running'
  | 'internal'
  | 'invalid-state';

const footprint = Symbol.for('irpsim/SimulationError');

export class SimulationError extends Error {
  readonly [footprint] = true;
  readonly code: SimulationErrorCode;
  constructor(code: SimulationErrorCode, message: string) {
    super(`[irpsim] ${message}`);
    this.code = code;
  }
  static is(value: unknown): value is SimulationError {
    return typeof value === 'object' && value !== null && footprint in value;
  }
}
