// Test runner configuration: unit and integration tests sit next to their source. With
// CASEBENDER_TARGET set, `npm test` runs only the conformance suites, against that deployment.
import { defineConfig } from 'vitest/config';

const againstDeployment = process.env['CASEBENDER_TARGET'] !== undefined || process.env['CASEBENDER_PROFILE'] !== undefined;
const ALL = ['mock/**/*.test.ts', 'fixtures/**/*.test.ts', 'suites/**/*.test.ts', 'bench/**/*.test.ts'];
// Three mock processes, Redis and a rate-limit load at once: run after everything else, alone, so
// that neither they nor the other timing-sensitive tests judge a machine the other is loading.
const SHARED_STORE = ['mock/shared-mock.test.ts'];

export default defineConfig({
  test: {
    globals: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The rate-limit tests mostly wait on target time; a third worker overlaps that waiting.
    maxWorkers: 3,
    ...(againstDeployment
      ? { include: ['suites/conformance.test.ts'] }
      : {
          projects: [
            { extends: true, test: { name: 'main', include: ALL, exclude: SHARED_STORE } },
            { extends: true, test: { name: 'shared-store', include: SHARED_STORE, sequence: { groupOrder: 1 } } },
          ],
        }),
  },
});
