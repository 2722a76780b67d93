import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'gan-runner', include: ['src/**/*.test.{ts,tsx}'] },
});
