// The target's clock from its Date headers (#18: clock offset). A correct deployment whose clock is
// 5 s ahead of the tester's: its X-RateLimit-Reset of an hour's quota lies 3605 s ahead of the
// tester's clock, and HDR-2 (at most 3600 s ahead) blamed it while the tester's clock stood for
// the target's. The estimate is made from real answers of a mock whose clock runs 5 s ahead.
import { describe, expect, it } from 'vitest';
import { createClock } from '../../contract/index.js';
import type { CheckContext } from './check.js';
import type { Sample } from '../ratelimit/load-driver.js';
import { withObservations, type Observations } from '../ratelimit/observations.js';
import { rateLimitChecks } from '../ratelimit/ratelimit-checks.js';
import type { ResolvedProfile } from './load-profile.js';
import { startRun } from './run.js';
import { clockEstimator, describeClock } from './target-clock.js';
import { embeddedTarget } from './target.js';
import { estimatedClock, machineClock, targetTime, type PlacedClock } from './target-time.js';

const HDR2 = rateLimitChecks.find((c) => c.requirement === 'HDR-2')!;

describe('clock estimate from Date headers', () => {
  it('finds a clock 5 s ahead within the round trip, and narrows as answers come at other phases of the second', () => {
    const offset = 5_000;
    const est = clockEstimator(1, () => 1_000_000_000_000);
    let real = 1_000_000_000_000;
    for (let i = 0; i < 12; i++) {
      real += 137; // requests at different phases of the second
      const sent = real;
      const made = real + 3; // the target answers 3 ms after sending
      const received = real + 7;
      est.add(sent, received, new Date(Math.floor((made + offset) / 1000) * 1000).toUTCString());
    }
    const clock = est.estimate()!;
    expect(Math.abs(clock.offsetMs - offset)).toBeLessThan(200);
    expect(clock.uncertaintyMs).toBeLessThan(200);
    expect(describeClock(clock)).toMatch(/^\+5\.0 s \(± 0\.\d s, from 12 Date headers\)$/);
  });

  it('follows a clock that was stepped, rather than mixing two clocks', () => {
    const est = clockEstimator(1);
    const at = Date.UTC(2026, 0, 1);
    est.add(at, at + 5, new Date(at).toUTCString());
    est.add(at + 2_000, at + 2_005, new Date(at + 2_000 + 60_000).toUTCString()); // stepped a minute on
    expect(Math.round(est.estimate()!.toTarget(at + 2_000) / 1000)).toBe(Math.round((at + 62_000) / 1000));
  });

  it('gives nothing without a Date header', () => {
    const est = clockEstimator(1);
    est.add(1, 2, undefined);
    est.add(1, 2, 'not a date');
    expect(est.estimate()).toBeUndefined();
  });

  it('reads the clock of a mock 5 s ahead from its answers (its Date header is its own clock)', async () => {
    const target = await embeddedTarget({ clock: createClock({ mode: 'real', start: Date.now() + 5_000 }) });
    try {
      const profile = JSON.parse(JSON.stringify(target.profile)) as ResolvedProfile;
      delete (profile.target as { control?: unknown }).control;
      profile.clock = { mode: 'real', timeScale: 1 };
      const run = await startRun({ profile, only: ['CRED-3'] });
      const placed = await run.context.time.clock();
      const clock = placed.estimate!;
      expect(placed.source).toBe('Date headers');
      run.close();
      expect(clock.samples).toBeGreaterThanOrEqual(8);
      expect(Math.abs(clock.offsetMs - 5_000)).toBeLessThan(600);
    } finally {
      await target.stop();
    }
  });
});

describe('HDR-2 judged against the target’s clock', () => {
  /** An hour quota's reset, 3600 s ahead of a target clock 5 s ahead of the tester's. */
  async function judge(clock: PlacedClock) {
    const startedAt = Date.now();
    const targetNow = (startedAt + 5_000) / 1000;
    const sample: Sample = { at: 10, latency: 2, status: 429, limit: '60', remaining: '0', reset: String(Math.floor(targetNow) + 3600) };
    // Recorded in real time, stored in the target's, on the clock the run placed (as observations.ts does).
    const time = targetTime(1);
    const flood = time.restate({ label: 'basic flood', samples: [sample], startedAt, startedPerf: 0, durationMs: 20, timeline: [], errors: 0, statusCounts: {} }, clock);
    const o = { tiers: [{ tier: 'basic', limits: { perMinute: 60, perHour: 1000, burst: 10 }, flood }], clock } as unknown as Observations;
    const ctx = withObservations({ model: { policy: { rateLimitAlgorithm: 'token-bucket' } }, time }, o) as unknown as CheckContext;
    return HDR2.run(ctx);
  }

  it('with the tester’s clock, a correct reset 3600 s ahead on a clock 5 s ahead looks 3605 s ahead: blamed', async () => {
    expect(await judge(machineClock())).toMatchObject({ outcome: 'violation' });
  });

  it('with the clock read from Date headers, the same answer passes, and the note says which clock', async () => {
    const est = clockEstimator(1);
    // From a whole second, so that the answers fall at the same phases every run: the estimate is
    // then +5.04 s (± 0.05), not somewhere in ±0.07 s of 5 by the phase Date.now() happens to have.
    const now = Math.floor(Date.now() / 1000) * 1000;
    for (let i = 0; i < 10; i++) est.add(now + i * 130, now + i * 130 + 4, new Date(now + i * 130 + 2 + 5_000).toUTCString());
    const verdict = await judge(estimatedClock(est.estimate()!));
    expect(verdict).toMatchObject({ outcome: 'pass', note: expect.stringMatching(/from its Date headers: \+5\.\d s/) });
  });
});
