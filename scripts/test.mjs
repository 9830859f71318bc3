// npm test: type-check (sources and tests), then vitest's "unit" project, then its "timed" project (the rate-limit
// load, one file at a time, on a machine no longer busy with the rest; see vitest.config.ts).
// Arguments go to vitest. A JSON report (--outputFile.json=F) is written per phase: F for the
// unit project and F with ".timed" before its extension for the timed one. Against a deployment
// (CASEBENDER_TARGET / CASEBENDER_PROFILE) there is one phase: the conformance suites.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const args = process.argv.slice(2);

// The sources and their tests (tsconfig.tests.json); the build's tsconfig leaves tests out.
if (run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.tests.json']) !== 0) process.exit(1);
if (process.env.CASEBENDER_TARGET !== undefined || process.env.CASEBENDER_PROFILE !== undefined) process.exit(run([vitest, 'run', ...args]));

const timedArgs = args.map((a) => (a.startsWith('--outputFile.json=') ? a.replace(/(\.json)?$/, '.timed$1') : a));
const unit = run([vitest, 'run', '--project', 'unit', ...args]);
const timed = run([vitest, 'run', '--project', 'timed', ...timedArgs]);
process.exit(unit !== 0 ? unit : timed);
