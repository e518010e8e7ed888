import type { TraceEvent } from '@irpsim/core';
import { majorName } from '@irpsim/io-manager';
import type { Path } from './SourceMap.ts';

/**
 * The run-level `log` and `driverCalls` expectations (docs/scenario-format.md §3.5): what
 * the drivers were asked and said over the whole run, counted from the trace.
 */
export interface TraceExpect {
  /** Lines that must appear in this order among driver DbgPrint lines, marks and notes (others may come between). */
  readonly log: readonly string[] | null;
  /** Per driver (its service name, `hello`): per major function, how many times its dispatch routine was called. */
  readonly driverCalls: ReadonlyMap<string, ReadonlyMap<number, number>> | null;
}

export const logSchema = {
  type: 'array',
  items: { type: 'string' },
  description: 'Lines that appear in this order among the drivers’ DbgPrint lines (inline `log`), the `mark`s and the `note`s; others may come between',
} as const;

export const driverCallsSchema = {
  type: 'object',
  description: 'Per driver (its name under drivers:), per major function (IRP_MJ_CREATE): how many IRPs its dispatch routine was called with, from the I/O manager or a driver above it',
  additionalProperties: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
} as const;

export function compileTraceExpect(
  log: unknown,
  driverCalls: unknown,
  drivers: readonly string[],
  evaluate: (input: number | string, path: Path) => number,
  error: (path: Path, message: string, hint?: string | null) => void,
): TraceExpect | null {
  if (log === undefined && driverCalls === undefined) return null;
  let calls: Map<string, Map<number, number>> | null = null;
  if (driverCalls !== undefined && driverCalls !== null && typeof driverCalls === 'object') {
    calls = new Map();
    for (const [driver, majors] of Object.entries(driverCalls as Record<string, Record<string, number>>)) {
      if (!drivers.some((d) => sameDriver(d, driver))) error(['expect', 'driverCalls', driver], `no driver named '${driver}' in this scenario`, `drivers: ${drivers.join(', ')}`);
      const counts = new Map<number, number>();
      for (const [major, n] of Object.entries(majors ?? {})) counts.set(evaluate(major, ['expect', 'driverCalls', driver, major]), n);
      calls.set(driver, counts);
    }
  }
  return { log: Array.isArray(log) ? log.map(String) : null, driverCalls: calls };
}

/** `hello` names the driver object `\Driver\Hello`. */
function sameDriver(objectName: string, wanted: string): boolean {
  return objectName.replace(/^\\Driver\\/i, '').toLowerCase() === wanted.toLowerCase();
}

/** Collects what the expectations need while the run goes, and judges it at the end. */
export class TraceTally {
  private readonly lines: string[] = [];
  private readonly calls = new Map<string, Map<number, number>>();

  private readonly expect: TraceExpect;

  constructor(expect: TraceExpect) {
    this.expect = expect;
  }

  readonly listener = (e: TraceEvent): void => {
    if (e.type === 'io.dbgprint' || e.type === 'scenario.note') {
      if (this.expect.log !== null) this.lines.push(e.type === 'io.dbgprint' ? e.message : e.text);
    } else if (e.type === 'io.irp.call' && this.expect.driverCalls !== null) {
      let byMajor = this.calls.get(e.driver);
      if (byMajor === undefined) this.calls.set(e.driver, (byMajor = new Map()));
      byMajor.set(e.major, (byMajor.get(e.major) ?? 0) + 1);
    }
  };

  results(): { description: string; expected: unknown; actual: unknown; passed: boolean }[] {
    const out: { description: string; expected: unknown; actual: unknown; passed: boolean }[] = [];
    if (this.expect.log !== null) {
      // A subsequence: each wanted line after the one before it.
      let at = 0;
      const missing = this.expect.log.find((line) => {
        const i = this.lines.indexOf(line, at);
        if (i < 0) return true;
        at = i + 1;
        return false;
      });
      out.push({ description: 'run: log', expected: this.expect.log, actual: missing === undefined ? this.expect.log : [`no '${missing}' after the lines before it`, ...this.lines.slice(0, 40)], passed: missing === undefined });
    }
    for (const [driver, wanted] of this.expect.driverCalls ?? []) {
      const seen = [...this.calls].find(([name]) => sameDriver(name, driver))?.[1] ?? new Map<number, number>();
      for (const [major, n] of wanted) {
        const actual = seen.get(major) ?? 0;
        out.push({ description: `run: ${driver} called with ${majorName(major)}`, expected: n, actual, passed: actual === n });
      }
    }
    return out;
  }
}
