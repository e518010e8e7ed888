import type { BugCheckInfo, Outcome, Violation } from '@irpsim/core';
import type { Report } from '../report/ReportSpec.ts';

export interface ExpectationResult {
  readonly description: string;
  readonly passed: boolean;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface ScenarioStats {
  readonly events: number;
  readonly steps: number;
  readonly choices: number;
  readonly irps: number;
  readonly simTimeNs: number;
}

/** Everything a run of a scenario established. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly description: string;
  readonly scenarioHash: string;
  readonly seed: number;
  readonly strategy: string;
  /** Every expectation held (an expected bug check or violation counts as held). */
  readonly passed: boolean;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly bugcheck: BugCheckInfo | null;
  readonly violations: readonly Violation[];
  readonly expectations: readonly ExpectationResult[];
  /** The scenario's report table (its `report:` section); null when it declares none. */
  readonly report: Report | null;
  readonly stats: ScenarioStats;
  /** The choice sequence: replaying it reproduces the run. */
  readonly choices: readonly number[];
}
