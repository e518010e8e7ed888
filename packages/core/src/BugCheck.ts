/**
 * Bug checks: what the simulated machine raises where Windows would stop with a blue
 * screen. Raising one halts the run with outcome `bugcheck`.
 */

export interface BugCheckInfo {
  /** The stop code, e.g. 0x44. */
  readonly code: number;
  /** Its symbolic name, e.g. MULTIPLE_IRP_COMPLETE_REQUESTS. */
  readonly name: string;
  /** The four stop parameters. */
  readonly params: readonly [number, number, number, number];
  /** One sentence saying what went wrong, for the narrated verdict. */
  readonly message: string;
  /** The driver held responsible, when known. */
  readonly driver?: string;
  /** Extra analysis (IRP history, threads involved, the exception) for crash reports. */
  readonly analysis?: Readonly<Record<string, unknown>>;
}

const footprint = Symbol.for('irpsim/BugCheckSignal');

/**
 * Thrown to unwind the simulated routine that raised a bug check. The engine has already
 * recorded the bug check when this is thrown, so catching it in driver code changes
 * nothing: the run still stops.
 */
export class BugCheckSignal extends Error {
  readonly [footprint] = true;
  readonly info: BugCheckInfo;
  constructor(info: BugCheckInfo) {
    super(`bug check ${info.name}`);
    this.info = info;
  }
  static is(value: unknown): value is BugCheckSignal {
    return typeof value === 'object' && value !== null && footprint in value;
  }
}
