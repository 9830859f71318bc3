// A rate-limit run (RL and HDR only) against a variant of the embedded mock, for the tests of the
// suites themselves. Basic and standard tiers only, at 60 target seconds a real second by default,
// so that a run takes about ten seconds.
import type { RateLimitAlgorithm } from '../../contract/index.js';
import { describeResult } from '../harness/describe-result.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget } from '../harness/target.js';

export async function rateLimitRun(options: { faults?: string[]; algorithm?: RateLimitAlgorithm; timeScale?: number; tiers?: string[] }) {
  const { timeScale = 60, tiers = ['basic', 'standard'], ...mock } = options;
  const target = await embeddedTarget({ timeScale, ...mock });
  try {
    const run = await startRun({ profile: target.profile, only: ['RL', 'HDR'], rateLimit: { tiers, unlimitedAmount: 2_000 } });
    const { results } = await run.runAll();
    run.close();
    const bad = results.filter((r) => r.result !== 'pass' && r.result !== 'skipped');
    return {
      blamed: [...new Set(bad.map((r) => r.requirement))].sort(),
      lines: results.map((r) => run.redact(describeResult(r))),
      results,
      redact: run.redact,
      profile: target.profile,
      byId: (id: string) => results.find((r) => r.requirement === id)!,
    };
  } finally {
    await target.stop();
  }
}
