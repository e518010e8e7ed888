import type { ScenarioResult } from '../run/ScenarioResult.ts';

/** The expectation a failing run broke first. */
export interface FailedCheck {
  /**
   * What makes two failures "the same": a scenario check by its description; a run-level
   * check (outcome, bug check, violations …) by its description and what happened, so a
   * different bug check is a different failure.
   */
  readonly key: string;
  readonly description: string;
  readonly expected: string;
  readonly actual: string;
}

/** The first expectation that did not hold, or null when the run passed. */
export function failedCheck(result: ScenarioResult): FailedCheck | null {
  if (result.passed) return null;
  const first = result.expectations.find((e) => !e.passed);
  if (first === undefined) return null;
  const expected = show(first.expected);
  const actual = show(first.actual);
  const key = first.description.startsWith('run:') ? `${first.description} = ${actual}` : first.description;
  return { key, description: first.description, expected, actual };
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/**
 * What shrinking keeps fixed: the check and what it saw. Stricter than `key` (which groups
 * the failures of one check), so that removing a thread, an action or a choice cannot turn
 * the failure into another one of the same check (a wait that timed out becoming a wait
 * on a handle that no longer exists).
 */
export function shrinkIdentity(check: FailedCheck | null | undefined): string | undefined {
  return check == null ? undefined : `${check.key}\u0000${check.actual}`;
}
