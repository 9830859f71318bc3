// HDR-3's "Remaining never rises faster than the refill", judged on recorded floods: answers that
// were in flight together may have been decided in any order and are not compared; an answer that
// had arrived before the next request was sent is, and a rise past the refill then fails.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../harness/check.js';
import { machineClock } from '../harness/target-time.js';
import type { LoadRun, Sample } from './load-driver.js';
import { withObservations, type Observations } from './observations.js';
import { rateLimitChecks } from './ratelimit-checks.js';

const HDR3 = rateLimitChecks.find((c) => c.requirement === 'HDR-3')!;
const LIMITS = { perMinute: 5_000, perHour: 100_000, burst: 500 };

async function judge(samples: Sample[]) {
  // In target time, as the load stores it (a run at time scale 10: 10 target ms a real ms).
  const flood = { label: 'enterprise flood', samples, startedAt: 0, durationMs: 10_000 } as unknown as LoadRun;
  const o = { tiers: [{ tier: 'enterprise', limits: LIMITS, flood }], clock: machineClock(10) } as unknown as Observations;
  const ctx = withObservations({ model: { policy: { rateLimitAlgorithm: 'token-bucket' } } }, o) as unknown as CheckContext;
  return HDR3.run(ctx);
}

const answer = (sentAt: number, arrivedAt: number, remaining: number): Sample => ({ at: arrivedAt, latency: arrivedAt - sentAt, status: 200, limit: '5000', remaining: String(remaining) });

describe('HDR-3: Remaining rising faster than the refill', () => {
  it('does not blame answers that were in flight together, decided in another order than sent (seen on a correct mock)', async () => {
    // a sent first but decided 52 decisions after b: with 16 connections that happens.
    const verdict = await judge([answer(0, 300, 388), answer(50, 100, 440), answer(310, 350, 380)]);
    expect(verdict).toMatchObject({ outcome: 'pass' });
  });

  it('blames a rise past the refill after an answer that had already arrived', async () => {
    // 250 target ms (25 ms real at scale 10) refill 5000/60 × 0.25 ≈ 21 tokens: 100 → 300 cannot be.
    const verdict = await judge([answer(0, 100, 100), answer(200, 250, 300)]);
    expect(verdict).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringContaining('rose from 100 to 300') } });
  });

  it('allows what the refill gives back', async () => {
    // 10 target seconds (1 s real at scale 10): up to ~834 tokens back.
    const verdict = await judge([answer(0, 100, 100), answer(10_000, 10_050, 900)]);
    expect(verdict).toMatchObject({ outcome: 'pass' });
  });
});
