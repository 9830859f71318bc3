// The model-based lifecycle checks against the mock with a virtual clock, and against broken ones.
import { describe, expect, it } from 'vitest';
import { describeResult } from '../harness/describe-result.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget } from '../harness/target.js';

async function lifecycle(faults: string[] = []) {
  const target = await embeddedTarget({ clock: 'virtual', faults });
  try {
    const run = await startRun({ profile: target.profile, only: ['KEY-2', 'KEY-3', 'KEY-4'], numRuns: 25, seed: 5 });
    const results = [];
    for (const c of run.checks.filter((c) => c.title.startsWith('model-based'))) results.push(await run.runCheck(c));
    run.close();
    return results.map((r) => ({ id: r.requirement, result: r.result, line: run.redact(describeResult(r)) }));
  } finally {
    await target.stop();
  }
}

describe('the model-based key lifecycle (virtual clock)', () => {
  it('KEY-2, KEY-3, KEY-4: the mock answers every sequence as the core model', async () => {
    const results = await lifecycle();
    expect(results.map((r) => [r.id, r.result]), results.map((r) => r.line).join('\n')).toEqual([
      ['KEY-2', 'pass'],
      ['KEY-3', 'pass'],
      ['KEY-4', 'pass'],
    ]);
    expect(results[0]!.line).toMatch(/\d+ expired/);
  }, 60_000);

  it('KEY-3: a mock that accepts revoked keys is caught there, and only there', async () => {
    const results = await lifecycle(['accept-revoked']);
    expect(results.map((r) => [r.id, r.result])).toEqual([
      ['KEY-2', 'pass'],
      ['KEY-3', 'fail'],
      ['KEY-4', 'pass'],
    ]);
  }, 60_000);
});
