import { defineConfig } from 'vitest/config';

// One root config: every workspace package and tool is a project, so `vitest` at the root
// watches everything and `vitest run` prints one summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tools/*', 'test-support'],
  },
});
