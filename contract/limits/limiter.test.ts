import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyOptions } from '../../mock/test-support/property-options.js';
import type { TierLimits } from '../types.js';
import { decideRate, HOUR_MS, MINUTE_MS, type LimiterAlgorithm, type LimiterState, type RateDecision } from './index.js';
import { bucketedLog, type BucketedLogState } from './bucketed-log.js';

const BASIC: TierLimits = { perMinute: 60, perHour: 1000, burst: 10 };
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0); // on a minute boundary

/** Runs a sequence of arrival times through the limiter; returns each decision. */
function run(times: readonly number[], tier: TierLimits, algorithm: LimiterAlgorithm): RateDecision[] {
  let state: LimiterState | undefined;
  return times.map((t) => {
    const d = decideRate(state, t, tier, algorithm);
    state = d.state;
    return d;
  });
}

/** The most admissions inside any half-open window [t, t + width) of the admitted times. */
function maxInWindow(admitted: readonly number[], width: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < admitted.length; hi++) {
    while (admitted[hi]! - admitted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

const tierArb = fc
  .record({ perMinute: fc.integer({ min: 1, max: 120 }), burst: fc.integer({ min: 1, max: 30 }), extraHour: fc.integer({ min: 0, max: 400 }) })
  .map(({ perMinute, burst, extraHour }): TierLimits => ({ perMinute, burst, perHour: perMinute + extraHour }));

/** Arrival times over about two hours: bursts at one instant, dense runs and idle gaps. */
const arrivalsArb = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 600_000 })), { minLength: 1, maxLength: 1_500 })
  .map((gaps) => {
    let t = T0 + 17;
    return gaps.map((g) => (t += g));
  });

const admittedTimes = (times: readonly number[], decisions: readonly RateDecision[]) => times.filter((_t, i) => decisions[i]!.allowed);

describe('decideRate — token bucket (the reference algorithm)', () => {
  it('RL-1: a rested key gets b requests at one instant, and the next one is refused', () => {
    const decisions = run(Array.from({ length: 11 }, () => T0), BASIC, 'token-bucket');
    expect(decisions.slice(0, 10).every((d) => d.allowed)).toBe(true);
    expect(decisions[10]!.allowed).toBe(false);
  });

  it('RL-2: after the burst, 90% of m/60 a second for a full minute is never refused', () => {
    const burst = Array.from({ length: BASIC.burst }, () => T0);
    const interval = Math.ceil(60_000 / (0.9 * BASIC.perMinute));
    const steady = Array.from({ length: Math.floor(60_000 / interval) }, (_v, i) => T0 + (i + 1) * interval);
    const decisions = run([...burst, ...steady], BASIC, 'token-bucket');
    expect(decisions.filter((d) => !d.allowed)).toEqual([]);
  });

  it('RL-8: a refusal says Retry-After 1 at 60/min, and a request that waits that long is admitted', () => {
    const times = [...Array.from({ length: 11 }, () => T0), T0 + 1000];
    const decisions = run(times, BASIC, 'token-bucket');
    expect(decisions[10]).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1, limit: 60 });
    expect(decisions[11]!.allowed).toBe(true);
  });

  it('HDR-3: Remaining counts down the burst, and Limit is the per-minute figure', () => {
    const decisions = run(Array.from({ length: 10 }, () => T0), BASIC, 'token-bucket');
    expect(decisions.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(new Set(decisions.map((d) => d.limit))).toEqual(new Set([60]));
  });

  it('HDR-2: Reset is the Unix second at which the bucket is full again', () => {
    const [d] = run([T0], BASIC, 'token-bucket');
    // One token spent at 1/s: full again one second later.
    expect(d!.reset).toBe(T0 / 1000 + 1);
  });

  it('RL-4, RL-8: when the hour quota is what refuses, Retry-After points past it', () => {
    const tier: TierLimits = { perMinute: 60, perHour: 5, burst: 10 };
    const decisions = run([T0, T0, T0, T0, T0, T0], tier, 'token-bucket');
    expect(decisions[5]).toMatchObject({ allowed: false, retryAfter: 3600 });
    const after = run([T0, T0, T0, T0, T0, T0 + 3_600_000], tier, 'token-bucket');
    expect(after[5]!.allowed).toBe(true);
  });

  it('a clock set backwards refills nothing', () => {
    let state: LimiterState | undefined;
    for (let i = 0; i < 10; i++) state = decideRate(state, T0, BASIC, 'token-bucket').state;
    expect(decideRate(state, T0 - 60_000, BASIC, 'token-bucket').allowed).toBe(false);
  });
});

describe.each<LimiterAlgorithm>(['token-bucket', 'sliding-window', 'fixed-window', 'fixed-window-per-key'])('decideRate — %s, properties', (algorithm) => {
  it('RL-3, RL-4: never more than m + b in a clock minute nor h + b in any hour, under random arrivals', () => {
    fc.assert(
      fc.property(tierArb, arrivalsArb, (tier, times) => {
        const admitted = admittedTimes(times, run(times, tier, algorithm));
        const perClockMinute = new Map<number, number>();
        for (const t of admitted) perClockMinute.set(Math.floor(t / MINUTE_MS), (perClockMinute.get(Math.floor(t / MINUTE_MS)) ?? 0) + 1);
        expect(Math.max(0, ...perClockMinute.values())).toBeLessThanOrEqual(tier.perMinute + tier.burst);
        expect(maxInWindow(admitted, HOUR_MS)).toBeLessThanOrEqual(tier.perHour + tier.burst);
      }),
      propertyOptions(150),
    );
  });

  it('RL-1: a rested key is granted at least b requests at one instant', () => {
    fc.assert(
      fc.property(tierArb, (tier) => {
        const decisions = run(Array.from({ length: Math.min(tier.burst, tier.perHour) }, () => T0), tier, algorithm);
        expect(decisions.every((d) => d.allowed)).toBe(true);
      }),
      propertyOptions(100),
    );
  });

  it('RL-8, HDR-2, HDR-3: every refusal has Remaining 0, a Retry-After that admits, and a Reset within the hour', () => {
    fc.assert(
      fc.property(tierArb, arrivalsArb, (tier, times) => {
        let state: LimiterState | undefined;
        for (const t of times) {
          const d = decideRate(state, t, tier, algorithm);
          expect(d.remaining).toBeGreaterThanOrEqual(0);
          expect(Number.isInteger(d.remaining)).toBe(true);
          expect(d.reset).toBeGreaterThanOrEqual(Math.floor(t / 1000));
          expect(d.reset - t / 1000).toBeLessThanOrEqual(3600);
          if (!d.allowed) {
            expect(d.remaining).toBe(0);
            expect(d.retryAfter).toBeGreaterThanOrEqual(1);
            expect(decideRate(d.state, t + d.retryAfter! * 1000, tier, algorithm).allowed).toBe(true);
          }
          state = d.state;
        }
      }),
      propertyOptions(100),
    );
  });
});

describe.each<LimiterAlgorithm>(['token-bucket', 'sliding-window'])('decideRate — %s keeps RL-11', (algorithm) => {
  it('RL-11: no 60-second window whatsoever holds more than m + b', () => {
    fc.assert(
      fc.property(tierArb, arrivalsArb, (tier, times) => {
        const admitted = admittedTimes(times, run(times, tier, algorithm));
        expect(maxInWindow(admitted, MINUTE_MS)).toBeLessThanOrEqual(tier.perMinute + tier.burst);
      }),
      propertyOptions(150),
    );
  });
});

describe('decideRate — fixed window', () => {
  it('RL-11: across a minute boundary a fixed window lets through twice m + b (reported, not prevented)', () => {
    const tier: TierLimits = { perMinute: 5, perHour: 1000, burst: 2 };
    const end = T0 + MINUTE_MS - 1;
    const times = [...Array.from({ length: 7 }, () => end), ...Array.from({ length: 7 }, () => end + 1)];
    const admitted = admittedTimes(times, run(times, tier, 'fixed-window'));
    expect(maxInWindow(admitted, MINUTE_MS)).toBe(14);
  });

  it('RL-3: m + b in one clock minute, then a refusal until the next minute', () => {
    const tier: TierLimits = { perMinute: 5, perHour: 1000, burst: 2 };
    const decisions = run(Array.from({ length: 8 }, () => T0 + 10_000), tier, 'fixed-window');
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions[7]).toMatchObject({ allowed: false, retryAfter: 50 });
  });

  it('RL-3: a request stamped in the previous minute (a worker that read the clock a moment earlier) counts in the newer window', () => {
    const tier: TierLimits = { perMinute: 5, perHour: 1000, burst: 2 };
    const next = T0 + MINUTE_MS;
    const times = [...Array.from({ length: 6 }, () => next), next - 1, ...Array.from({ length: 3 }, () => next + 1)];
    const decisions = run(times, tier, 'fixed-window');
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions[7]).toMatchObject({ allowed: false, retryAfter: 60 });
  });
});

describe('decideRate — fixed window anchored at the key’s first request (the mutation fixed-window-anchored-per-key)', () => {
  const tier: TierLimits = { perMinute: 5, perHour: 1000, burst: 2 };

  it('RL-3: the window starts with the first request, not the clock’s minute; its Reset is 60 s after that request', () => {
    const first = T0 + 37_000;
    const decisions = run(Array.from({ length: 8 }, () => first), tier, 'fixed-window-per-key');
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions[0]!.reset).toBe((first + MINUTE_MS) / 1000);
    expect(decisions[7]).toMatchObject({ allowed: false, retryAfter: 60 });
  });

  it('RL-11: spent just before its end and again just after, twice m + b within two seconds; a new window opens only with a request after the old one ended', () => {
    const first = T0 + 37_000;
    const end = first + MINUTE_MS;
    const times = [first, ...Array.from({ length: 7 }, () => end - 1_000), ...Array.from({ length: 8 }, () => end + 1_000)];
    const decisions = run(times, tier, 'fixed-window-per-key');
    expect(maxInWindow(admittedTimes(times, decisions), MINUTE_MS)).toBe(13);
    expect(decisions.at(-1)!.reset).toBe((end + 1_000 + MINUTE_MS) / 1000);
  });
});

describe('decideRate — sliding window', () => {
  it('RL-3: m + b at once, then a refusal until the oldest admission leaves the minute', () => {
    const tier: TierLimits = { perMinute: 5, perHour: 1000, burst: 2 };
    const decisions = run([...Array.from({ length: 7 }, () => T0), T0 + 59_999, T0 + 60_000], tier, 'sliding-window');
    expect(decisions.slice(0, 7).every((d) => d.allowed)).toBe(true);
    expect(decisions[7]).toMatchObject({ allowed: false, retryAfter: 1 });
    expect(decisions[8]!.allowed).toBe(true);
  });
});

describe('bucketedLog — judging without admitting (the hour of a request the minute refuses)', () => {
  it('says what an admitting check says, and leaves the log as it stands', () => {
    fc.assert(
      fc.property(arrivalsArb, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 4_000_000 }), (times, limit, later) => {
        let log: BucketedLogState | undefined;
        for (const t of times) {
          const check = bucketedLog(log, t, HOUR_MS, 60_000, limit);
          if (check.allowed) log = check.next;
        }
        const at = times[times.length - 1]! + later;
        const admitting = bucketedLog(log, at, HOUR_MS, 60_000, limit);
        const judging = bucketedLog(log, at, HOUR_MS, 60_000, limit, false);
        const { next: admittedLog, ...said } = admitting;
        const { next: keptLog, ...judged } = judging;
        expect(judged).toEqual(said);
        // The log as it stands: only the buckets that have left the window are gone.
        expect(keptLog).toEqual((log ?? []).filter((b) => b.last > at - HOUR_MS));
        if (!admitting.allowed) expect(admittedLog).toEqual(keptLog);
      }),
      propertyOptions(),
    );
  });

  it('RL-4: the hour counts non-429 answers only — a hundred 429s of the minute take nothing from it', () => {
    const tier: TierLimits = { perMinute: 1, perHour: 3, burst: 1 };
    const times = [T0, ...Array.from({ length: 100 }, (_, i) => T0 + 1 + i), T0 + 60_000, T0 + 120_000, T0 + 180_000];
    const decisions = run(times, tier, 'token-bucket');
    expect(decisions.map((d) => d.allowed)).toEqual([true, ...Array.from({ length: 100 }, () => false), true, true, false]);
    expect(decisions[100]!.state).toBe(decisions[0]!.state);
    // The last is refused by the hour (3 admitted), and Retry-After points past it (RL-8).
    expect(decisions[103]!.retryAfter).toBe(3_600 - 180);
  });
});
