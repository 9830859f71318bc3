// HDR-3 judged by the algorithm the answers show (#18): Remaining jumps back at a fixed window's
// reset and as a sliding window's requests age out — that is those algorithms' refill, and a
// correct deployment with either must pass even when its profile declares nothing (the reference's
// token bucket). Judged as a bucket, as before the fingerprint chose the rule, the same answers
// were blamed. A window whose Remaining rises inside a window is still blamed. The floods are
// recorded from limiters written independently of the mock (limiter-targets.ts).
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../harness/check.js';
import type { PlacedClock } from '../harness/target-time.js';
import type { EdgeProbe } from './edge-probe.js';
import { drive, type LoadRun } from './load-driver.js';
import { clockAligned, closeTargets, keyAnchored, LIMITS, limitedTarget, slidingLog, W, type Limiter } from './limiter-targets.js';
import { midMinute, withObservations, type Observations } from './observations.js';
import { rateLimitChecks } from './ratelimit-checks.js';

afterAll(closeTargets);
const HDR3 = rateLimitChecks.find((c) => c.requirement === 'HDR-3')!;

/**
 * The tier load's flood (observations.ts): begun between 10 and 40 s into a minute of the target's
 * clock as there, twice m + b a minute for 90 target seconds, 16 connections. (Begun in a minute's
 * first two seconds, a clock-aligned window's first Reset is 58 s or more ahead and reads as
 * key-anchored: 2 s of every 60, and one timed run in eight here failed so before the wait.)
 */
async function flood(limiter: Limiter) {
  const { url, time, clock } = await limitedTarget(limiter);
  await midMinute(time, clock);
  const rate = (2 * W) / 60;
  const run = time.restate(await drive({ label: 'basic flood', urls: [url], headers: [['X-Api-Key', 'k']], amount: Math.ceil(rate * 90), connections: 16, rate: time.realRate(rate) }), clock);
  return { run, clock };
}

/** HDR-3 over one flood, the profile declaring nothing (token bucket); `edge`: what an edge probe found. */
async function judge({ run, clock }: { run: LoadRun; clock: PlacedClock }, edge?: Pick<EdgeProbe, 'tier' | 'fingerprint'>) {
  const o = { tiers: [{ tier: 'basic', limits: LIMITS, flood: run }], clock, ...(edge !== undefined ? { edge } : {}) } as unknown as Observations;
  const ctx = withObservations({ model: { policy: { rateLimitAlgorithm: 'token-bucket' } } }, o) as unknown as CheckContext;
  return HDR3.run(ctx);
}

const asBucket = { tier: 'basic', fingerprint: { kind: 'token-bucket' as const, evidence: 'forced, as before the fingerprint chose the rule' } };

describe('HDR-3 by the fingerprinted algorithm', () => {
  it('a key-anchored fixed window passes; judged as a bucket it was blamed', async () => {
    const f = await flood(keyAnchored());
    expect(await judge(f)).toMatchObject({ outcome: 'pass', note: expect.stringContaining('as a key-anchored fixed window') });
    expect(await judge(f, asBucket)).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringContaining('faster than a token bucket refills') } });
  }, 20_000);

  it('a clock-aligned fixed window passes; judged as a bucket it was blamed', async () => {
    const f = await flood(clockAligned());
    expect(await judge(f)).toMatchObject({ outcome: 'pass', note: expect.stringContaining('as a clock-aligned fixed window') });
    expect(await judge(f, asBucket)).toMatchObject({ outcome: 'violation' });
  }, 20_000);

  it('a sliding window passes', async () => {
    const f = await flood(slidingLog());
    expect(await judge(f)).toMatchObject({ outcome: 'pass', note: expect.stringContaining('as a sliding window') });
  }, 20_000);

  it('a fixed window whose Remaining jumps back inside a window is blamed', async () => {
    const inner = keyAnchored();
    let n = 0;
    // Every 25th admission reports the whole allowance again, within the same window.
    const lying: Limiter = (now) => {
      const d = inner(now);
      return d.allowed && ++n % 25 === 0 ? { ...d, remaining: W - 1 } : d;
    };
    expect(await judge(await flood(lying))).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringContaining('both in the window ending at') } });
  }, 20_000);
});
