import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

const setup = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

export default defineConfig({
  test: {
    projects,
    setupFiles: [setup],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
