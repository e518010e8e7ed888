import { hex, type BugCheckInfo } from '@irpsim/core';
import type { ScenarioResult } from '../run/ScenarioResult.ts';
import { IRPSIM_VERSION, SCHEMA_VERSION } from '../version.ts';

/** The `--format json` object (docs/cli.md, checked against its JSON Schema). */
export interface RunJson {
  readonly schemaVersion: number;
  readonly irpsimVersion: string;
  readonly scenario: string;
  readonly scenarioHash: string;
  readonly seed: number;
  readonly passed: boolean;
  readonly outcome: ScenarioResult['outcome'];
  readonly bugcheck: { code: string; name: string; params: string[] } | null;
  readonly violations: { check: string; name: string; message: string }[];
  readonly expectations: { description: string; passed: boolean; expected: unknown; actual: unknown }[];
  readonly report: null;
  readonly stats: ScenarioResult['stats'];
}

/** The JSON output of a run; `scenario` is the lesson name or the path the user gave. */
export function renderJson(result: ScenarioResult, scenario: string): RunJson {
  return {
    schemaVersion: SCHEMA_VERSION,
    irpsimVersion: IRPSIM_VERSION,
    scenario,
    scenarioHash: result.scenarioHash,
    seed: result.seed,
    passed: result.passed,
    outcome: result.outcome,
    bugcheck: result.bugcheck === null ? null : bugcheckJson(result.bugcheck),
    violations: result.violations.map((v) => ({ check: v.check, name: v.name, message: v.message })),
    expectations: result.expectations.map((e) => ({ description: e.description, passed: e.passed, expected: e.expected, actual: e.actual })),
    report: result.report,
    stats: result.stats,
  };
}

function bugcheckJson(b: BugCheckInfo): { code: string; name: string; params: string[] } {
  return { code: hex(b.code), name: b.name, params: b.params.map((p) => hex(p)) };
}
