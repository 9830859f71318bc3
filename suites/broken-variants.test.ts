// Proof that the suites judge, not just run: each deliberately broken mock (mock/faults) is caught
// under the requirement it breaks and only under that one, and the clean mock passes everything.
import { describe, expect, it } from 'vitest';
import { FAULTS, RATE_LIMIT_FAULTS } from '../mock/faults/faults.js';
import type { CheckResult } from './harness/check.js';
import { describeResult } from './harness/describe-result.js';
import { startRun } from './harness/run.js';
import { embeddedTarget } from './harness/target.js';

/** Every check against a mock with these faults; the requirements not passed (fail, warn, differs). */
async function blamed(faults: readonly string[]): Promise<{ blamed: string[]; lines: string[] }> {
  const target = await embeddedTarget({ faults });
  try {
    // These faults break single requests; the rate-limit load has its own variants.
    const run = await startRun({ profile: target.profile, numRuns: 25, seed: 7, skip: ['RL', 'HDR'] });
    const results: CheckResult[] = [];
    for (const check of run.checks) results.push(await run.runCheck(check));
    results.push(run.schemaResult());
    run.close();
    const bad = results.filter((r) => r.result !== 'pass' && r.result !== 'skipped');
    return { blamed: [...new Set(bad.map((r) => r.requirement))].sort(), lines: bad.map((r) => run.redact(describeResult(r))) };
  } finally {
    await target.stop();
  }
}

describe('the suites against broken variants of the mock', () => {
  it('the clean mock keeps every requirement', async () => {
    const { blamed: names, lines } = await blamed([]);
    expect(names, lines.join('\n')).toEqual([]);
  }, 60_000);

  it.each(FAULTS.filter((f) => !RATE_LIMIT_FAULTS.includes(f) && f.multiProcess !== true).map((f) => [f.name, f.breaks.join(', '), f]))('%s is caught under %s, and only there', async (_name, _ids, fault) => {
    const { blamed: names, lines } = await blamed([fault.name]);
    expect(names, lines.join('\n')).toEqual([...fault.breaks].sort());
  }, 60_000);
});
