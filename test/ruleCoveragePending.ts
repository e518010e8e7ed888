/**
 * Rules of docs/reference/io-semantics.md that have no test yet. The [io-manager] issue
 * is resolved only when this list is empty; test/ruleCoverage.test.ts fails when a rule is
 * neither tested nor listed here, and when a listed rule has gained a test (take it off).
 */
export const NOT_YET_TESTED: readonly string[] = [
  'IO-2.1', 'IO-2.2', 'IO-2.3', 'IO-2.4', 'IO-2.5',
  'IO-3.1', 'IO-3.2', 'IO-3.3', 'IO-3.4', 'IO-3.5', 'IO-3.6', 'IO-3.7', 'IO-3.8', 'IO-3.9', 'IO-3.10',
  'IO-4.1', 'IO-4.2', 'IO-4.3', 'IO-4.4', 'IO-4.5', 'IO-4.6', 'IO-4.7', 'IO-4.8',
  'IO-5.1', 'IO-5.2', 'IO-5.3', 'IO-5.4', 'IO-5.5', 'IO-5.6', 'IO-5.7', 'IO-5.8', 'IO-5.9', 'IO-5.10', 'IO-5.11', 'IO-5.12', 'IO-5.13', 'IO-5.14', 'IO-5.15', 'IO-5.16', 'IO-5.17', 'IO-5.18', 'IO-5.19',
  'IO-6.1', 'IO-6.2', 'IO-6.3', 'IO-6.4', 'IO-6.5', 'IO-6.6', 'IO-6.7',
  'IO-7.1', 'IO-7.2', 'IO-7.3', 'IO-7.4', 'IO-7.5', 'IO-7.6', 'IO-7.7', 'IO-7.8', 'IO-7.9', 'IO-7.10', 'IO-7.11', 'IO-7.12', 'IO-7.13', 'IO-7.14', 'IO-7.15', 'IO-7.16', 'IO-7.17',
  'IO-8.1', 'IO-8.2', 'IO-8.3', 'IO-8.4', 'IO-8.5',
  'IO-9.3', 'IO-9.4', 'IO-9.5', 'IO-9.6', 'IO-9.7', 'IO-9.8', 'IO-9.9', 'IO-9.10', 'IO-9.11',
  'IO-10.2', 'IO-10.4',
];
