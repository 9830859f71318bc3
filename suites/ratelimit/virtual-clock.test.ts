// Against the mock with a virtual clock: the model-based check of the exact algorithm, for each
// of the three algorithms and a broken limiter; and exactness under 200 concurrent connections.
import { describe, expect, it } from 'vitest';
import type { RateLimitAlgorithm } from '../../contract/index.js';
import { describeResult } from '../harness/describe-result.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget } from '../harness/target.js';
import { drive } from './load-driver.js';
import { modelBasedCheck } from './model-based-check.js';
import { createControlApi } from '../harness/control-api-client.js';

async function modelBased(options: { algorithm?: RateLimitAlgorithm; faults?: string[] }) {
  const target = await embeddedTarget({ clock: 'virtual', ...options });
  try {
    const run = await startRun({ profile: target.profile, only: ['RL', 'HDR'], numRuns: 12, seed: 11 });
    const result = await run.runCheck(modelBasedCheck);
    const others = await Promise.all(run.checks.filter((c) => c !== modelBasedCheck).slice(0, 2).map((c) => run.runCheck(c)));
    run.close();
    return { result, line: run.redact(describeResult(result)), others };
  } finally {
    await target.stop();
  }
}

describe('the model-based rate-limit check (virtual clock)', () => {
  it.each<RateLimitAlgorithm>(['token-bucket', 'sliding-window', 'fixed-window'])('RL-3, HDR-3: the mock’s %s answers exactly as the core model, step by step', async (algorithm) => {
    const { result, line } = await modelBased({ algorithm });
    expect(result.result, line).toBe('pass');
  }, 60_000);

  it('RL-3: a broken limiter (Remaining that does not fall) fails: the mock’s profile declares its algorithm', async () => {
    const { result } = await modelBased({ faults: ['remaining-does-not-fall'] });
    expect(result.result).toBe('fail');
    expect(result.verdict).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringContaining('remaining') } });
  }, 60_000);

  it('the real-time checks are skipped, with the reason, on a virtual clock', async () => {
    const { others } = await modelBased({});
    expect(others.map((o) => o.result)).toEqual(['skipped', 'skipped']);
    expect(others[0]!.verdict).toMatchObject({ reason: expect.stringContaining('virtual') });
  }, 60_000);
});

describe('exactness under concurrency', () => {
  it.each<[RateLimitAlgorithm, (t: { perMinute: number; burst: number }) => number]>([
    ['token-bucket', (t) => t.burst],
    ['sliding-window', (t) => t.perMinute + t.burst],
    ['fixed-window', (t) => t.perMinute + t.burst],
  ])('RL-1, RL-3: %s admits exactly its allowance to 200 concurrent connections at one instant, in every tier', async (algorithm, allowance) => {
    const target = await embeddedTarget({ clock: 'virtual', algorithm, clockStart: Date.UTC(2026, 10, 27, 12, 0, 30) });
    try {
      const control = createControlApi(target.profile.target.control!.url, target.profile.target.control!.token!);
      for (const [tier, limits] of Object.entries(target.profile.tiers ?? {})) {
        if (limits === null) continue;
        const key = await control.createKey({ tier, scopes: ['alerts:read'] });
        const expected = allowance(limits);
        const run = await drive({ label: tier, urls: [`${target.profile.target.baseUrl}/alerts?limit=1`], headers: [['Authorization', `Bearer ${key.key!}`]], amount: expected + 200, connections: 200 });
        expect({ tier, admitted: run.samples.filter((s) => s.status === 200).length, refused: run.samples.filter((s) => s.status === 429).length }).toEqual({ tier, admitted: expected, refused: 200 });
      }
    } finally {
      await target.stop();
    }
  }, 60_000);
});
