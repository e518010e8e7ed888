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
  readonly bugcheck: BugCheckJson | null;
  readonly violations: { check: string; name: string; message: string }[];
  readonly expectations: { description: string; passed: boolean; expected: unknown; actual: unknown }[];
  readonly report: ScenarioResult['report'];
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

/** A bug check as a crash analysis reports it: stop code, parameters, message, culprit, analysis. */
export interface BugCheckJson {
  readonly code: string;
  readonly name: string;
  readonly params: string[];
  readonly message: string;
  readonly driver: string | null;
  /** The verifier's crash analysis (the IRP's stack, history and threads), or null. */
  readonly analysis: Readonly<Record<string, unknown>> | null;
}

function bugcheckJson(b: BugCheckInfo): BugCheckJson {
  return { code: hex(b.code), name: b.name, params: b.params.map((p) => hex(p)), message: b.message, driver: b.driver ?? null, analysis: b.analysis ?? null };
}
