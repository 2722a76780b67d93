import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'runs', include: ['src/**/*.test.{ts,tsx}'] },
});
