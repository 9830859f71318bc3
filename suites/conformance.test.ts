// The conformance suites as vitest tests: one test per check, named with its requirement ID.
// With nothing set they run against the embedded mock; CASEBENDER_TARGET + CASEBENDER_PROFILE
// point them at a deployment (CASEBENDER_STRICT=1: warn and differs fail too).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ALL_CHECKS } from './all-checks.js';
import type { CheckResult } from './harness/check.js';
import { startRun, type Run } from './harness/run.js';
import { targetFromEnv, type Target } from './harness/target.js';
import { describeResult } from './harness/describe-result.js';

const strict = process.env['CASEBENDER_STRICT'] === '1';
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : 42;
let target: Target;
let run: Run;

beforeAll(async () => {
  target = await targetFromEnv();
  run = await startRun({ profile: target.profile, strict, seed, ...(process.env['FC_RUNS'] !== undefined ? { numRuns: Number(process.env['FC_RUNS']) } : {}) });
  console.log(`conformance target: ${target.kind === 'embedded' ? 'the embedded mock at ' : ''}${target.profile.target.baseUrl} (fast-check seed ${seed})`);
}, 30_000);

afterAll(async () => {
  run?.close();
  await target?.stop();
});

function settle(result: CheckResult, skip: (note: string) => void): void {
  const line = run.redact(describeResult(result));
  if (result.result === 'skipped') return skip(line);
  if (result.result === 'fail') throw new Error(line);
  if (result.result === 'warn' || result.result === 'differs') console.warn(line);
}

describe('conformance', () => {
  for (const check of ALL_CHECKS) {
    it(`${check.requirement}: ${check.title}`, async (ctx) => {
      settle(await run.runCheck(check), (note) => ctx.skip(note));
    }, 120_000);
  }
  it('SCHEMA-1: every answer matches the OpenAPI document', (ctx) => {
    settle(run.schemaResult(), (note) => ctx.skip(note));
  });
});
