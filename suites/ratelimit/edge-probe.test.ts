// RL-11 and the fingerprint against limiters written independently of the mock's
// (limiter-targets.ts), on loopback servers whose clock runs 60 times as fast: a fixed window anchored at the key's first
// request (the default of @fastify/rate-limit and express-rate-limit), a clock-aligned fixed
// window, an exact sliding log and a token bucket. Before the edge probe, RL-11 judged only the
// evenly paced flood, which the key-anchored window passes (shown below); the probe shows twice
// its allowance within seconds, and the fingerprint tells all four apart.
import { afterAll, describe, expect, it } from 'vitest';
import { edgeProbe } from './edge-probe.js';
import { drive } from './load-driver.js';
import { clockAligned, closeTargets, keyAnchored, LIMITS, limitedTarget, slidingLog, tokenBucket, W, type Limiter } from './limiter-targets.js';
import { maxInWindow, MINUTE } from './windows.js';

afterAll(closeTargets);

const probe = async (limiter: Limiter) => {
  const { url, time, clock } = await limitedTarget(limiter);
  return edgeProbe({ tier: 'basic', limits: LIMITS, url, headers: [['X-Api-Key', 'k']], time, clock });
};

describe('edge probe (RL-11, fingerprint)', () => {
  it('a key-anchored fixed window: the even flood shows no more than m + b in 60 s, the edge probe twice that', async () => {
    // The old judgement: the flood at twice m + b a minute, counted in every 60 s.
    const { url, time, clock } = await limitedTarget(keyAnchored());
    const rate = (2 * W) / 60;
    const flood = time.restate(await drive({ label: 'flood', urls: [url], headers: [['X-Api-Key', 'k']], amount: Math.ceil(rate * 90), connections: 16, rate: time.realRate(rate) }), clock);
    const floodTimes = flood.samples.filter((s) => s.status === 200).map((s) => flood.startedAt + s.at);
    expect(maxInWindow(floodTimes, MINUTE).count).toBeLessThanOrEqual(W + 3);

    const e = await probe(keyAnchored());
    expect(e.fingerprint, e.steps.join('\n')).toMatchObject({ kind: 'fixed-window', anchor: 'first request' });
    expect(e.most.count, e.steps.join('\n')).toBeGreaterThanOrEqual(2 * W - 2);
  }, 30_000);

  it('a clock-aligned fixed window: twice m + b around the minute, told by a Reset on the minute', async () => {
    const e = await probe(clockAligned());
    expect(e.fingerprint, e.steps.join('\n')).toMatchObject({ kind: 'fixed-window', anchor: 'clock' });
    expect(e.most.count).toBeGreaterThanOrEqual(2 * W - 2);
  }, 30_000);

  it('a sliding window: m + b before the edge, about one place after it', async () => {
    const e = await probe(slidingLog());
    expect(e.fingerprint.kind, e.steps.join('\n')).toBe('sliding-window');
    expect(e.most.count).toBeLessThanOrEqual(W + 1);
  }, 30_000);

  it('a token bucket: about b at once', async () => {
    const e = await probe(tokenBucket());
    expect(e.fingerprint.kind, e.steps.join('\n')).toBe('token-bucket');
    expect(e.most.count).toBeLessThanOrEqual(LIMITS.burst + 5);
  }, 30_000);

  it('a key already spent is not judged', async () => {
    const spent = keyAnchored();
    for (let i = 0; i < W; i++) spent(Date.now() * 0);
    const limiter: Limiter = (now) => spent(Math.min(now, 1));
    const e = await probe(limiter);
    expect(e.fingerprint.kind).toBe('unknown');
    expect(e.steps[0]).toMatch(/refused 429: the key is not rested/);
  }, 30_000);
});
