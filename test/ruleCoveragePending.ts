/**
 * Rules of docs/reference/io-semantics.md that have no test yet. The [io-manager] issue
 * is resolved only when this list is empty; test/ruleCoverage.test.ts fails when a rule is
 * neither tested nor listed here, and when a listed rule has gained a test (take it off).
 */
export const NOT_YET_TESTED: readonly string[] = [];
