// Test runner configuration: unit and integration tests sit next to their source. With
// CASEBENDER_TARGET set, `npm test` runs only the conformance suites, against that deployment.
//
// Two projects, run one after the other by `npm test` (scripts/test.mjs): "unit" (everything, three files at a time)
// and "timed" — the files that drive a mock at a time scale against the real clock (rate-limit
// load). Those judge arrival times, so they run one file at a time, after the rest, on a machine
// not busy with other tests.
import { defineConfig } from 'vitest/config';

const againstDeployment = process.env['CASEBENDER_TARGET'] !== undefined || process.env['CASEBENDER_PROFILE'] !== undefined;

/** Files whose checks read real time at a time scale: they run alone. */
export const TIMED = ['suites/conformance.test.ts', 'suites/ratelimit/algorithms.test.ts', 'suites/ratelimit/broken-limits.test.ts', 'suites/ratelimit/edge-probe.test.ts', 'suites/ratelimit/hdr3-algorithms.test.ts', 'mock/shared-mock.test.ts', 'mock/replicas.test.ts', 'suites/provision.test.ts'];
const ALL = ['bin/**/*.test.ts', 'cli/**/*.test.ts', 'contract/**/*.test.ts', 'mock/**/*.test.ts', 'fixtures/**/*.test.ts', 'suites/**/*.test.ts', 'bench/**/*.test.ts', 'examples/**/*.test.ts'];

export default defineConfig({
  test: {
    globals: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: againstDeployment
      ? [{ extends: true, test: { name: 'deployment', include: ['suites/conformance.test.ts'] } }]
      : [
          // The unit tests mostly wait on sockets and child processes; a third worker overlaps that.
          { extends: true, test: { name: 'unit', include: ALL, exclude: TIMED, maxWorkers: 3 } },
          { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, fileParallelism: false } },
        ],
  },
});
