// Test runner configuration: unit and integration tests sit next to their source.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['mock/**/*.test.ts', 'fixtures/**/*.test.ts', 'suites/**/*.test.ts', 'bench/**/*.test.ts'],
    globals: false,
    testTimeout: 20_000,
    pool: 'forks',
  },
});
