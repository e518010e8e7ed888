import type { TestProjectConfiguration } from 'vitest/config';

/** The single list of test projects; vitest.config.ts reads it (vitest 4 ignores this file on its own). */
export default [
  { extends: true, test: { name: 'core', root: './packages/core' } },
  { extends: true, test: { name: 'io-manager', root: './packages/io-manager' } },
  { extends: true, test: { name: 'driver-model', root: './packages/driver-model' } },
  { extends: true, test: { name: 'scenarios', root: './packages/scenarios' } },
  { extends: true, test: { name: 'repo', root: '.', include: ['test/**/*.test.ts'] } },
] satisfies TestProjectConfiguration[];
