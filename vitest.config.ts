// Test runner configuration: unit and integration tests sit next to their source. With
// CASEBENDER_TARGET set, `npm test` runs only the conformance suites, against that deployment.
import { defineConfig } from 'vitest/config';

const againstDeployment = process.env['CASEBENDER_TARGET'] !== undefined || process.env['CASEBENDER_PROFILE'] !== undefined;

export default defineConfig({
  test: {
    include: againstDeployment
      ? ['suites/conformance.test.ts']
      : ['mock/**/*.test.ts', 'fixtures/**/*.test.ts', 'suites/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'],
    globals: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The rate-limit tests mostly wait on target time; a third worker overlaps that waiting.
    maxWorkers: 3,
  },
});
