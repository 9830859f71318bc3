// The Lua limiter (decide-rate.lua) equals the TypeScript core (decideRate) on a real Redis: the
// same random sequences of (now, tier, algorithm) give the same decisions, headers and kept state.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRate, type LimiterState } from '../../../contract/limits/index.js';
import type { RateLimitAlgorithm, TierLimits } from '../../../contract/types.js';
import { propertyOptions } from '../../test-support/property-options.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../test-support/redis-server.js';
import { createRedisClient, createRedisStore, type RedisStores } from './redis-store.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0) + 17;
const redisCheck = skipWithoutRedis();

const tierArb = fc
  .record({ perMinute: fc.integer({ min: 1, max: 5_000 }), burst: fc.integer({ min: 1, max: 500 }), extraHour: fc.integer({ min: 0, max: 2_000 }) })
  .map(({ perMinute, burst, extraHour }): TierLimits => ({ perMinute, burst, perHour: perMinute + extraHour }));
const algorithmArb = fc.constantFrom<RateLimitAlgorithm>('token-bucket', 'sliding-window', 'fixed-window');
/**
 * Moves of the clock: the same instant, small and large gaps, small steps back (another worker's
 * earlier read), and jumps to a few ms around the next minute or second boundary, where the
 * windows turn over.
 */
const moveArb = fc.oneof(
  fc.constant((t: number) => t),
  fc.integer({ min: 1, max: 50 }).map((ms) => (t: number) => t + ms),
  fc.integer({ min: 1, max: 5_000 }).map((ms) => (t: number) => t + ms),
  fc.integer({ min: 1, max: 900_000 }).map((ms) => (t: number) => t + ms),
  fc.integer({ min: -30, max: -1 }).map((ms) => (t: number) => t + ms),
  fc.tuple(fc.constantFrom(1_000, 60_000), fc.integer({ min: -3, max: 3 })).map(([unit, offset]) => (t: number) => Math.ceil(t / unit) * unit + offset),
);
const stepsArb = fc.array(moveArb, { minLength: 1, maxLength: 300 });

describe.skipIf(redisCheck.skip)(`decide-rate.lua against the core's decideRate, on a real Redis${redisCheck.skip ? ` (skipped: ${redisCheck.reason})` : ''}`, () => {
  let redis: TestRedis;
  let stores: RedisStores;
  let run = 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    const client = createRedisClient(redis.url);
    await client.connect();
    stores = createRedisStore(client);
  });
  afterAll(async () => {
    await stores?.close();
    await redis?.stop();
  });

  it('RL-1..RL-4, RL-8, RL-11, HDR-2, HDR-3: every decision, header and kept state equals the core, for all three algorithms', async () => {
    await fc.assert(
      fc.asyncProperty(tierArb, algorithmArb, stepsArb, async (tier, algorithm, steps) => {
        const keyId = `key_property_${run++}`;
        let state: LimiterState | undefined;
        let now = T0;
        for (const move of steps) {
          now = move(now);
          const expected = decideRate(state, now, tier, algorithm);
          const got = await stores.limiter.take(keyId, now, tier, algorithm);
          const { state: _kept, ...headers } = expected;
          const { state: _none, ...gotHeaders } = got;
          expect(gotHeaders).toEqual(headers);
          if (expected.allowed) state = expected.state;
          expect(await stores.limiter.peek(keyId)).toEqual(state);
        }
      }),
      propertyOptions(250),
    );
  }, 120_000);

  it('RL-4: a key flooded past its hour quota is refused with the same Retry-After as the core', async () => {
    const tier: TierLimits = { perMinute: 5_000, perHour: 20, burst: 500 };
    let state: LimiterState | undefined;
    const decisions = [];
    for (let i = 0; i < 25; i++) {
      const expected = decideRate(state, T0 + i, tier, 'token-bucket');
      if (expected.allowed) state = expected.state;
      decisions.push([await stores.limiter.take('key_hour', T0 + i, tier, 'token-bucket'), expected] as const);
    }
    expect(decisions.filter(([got]) => got.allowed)).toHaveLength(20);
    expect(decisions[20]![0]).toMatchObject({ allowed: false, remaining: 0, retryAfter: 3600 });
    for (const [got, expected] of decisions) expect(got.retryAfter).toBe(expected.retryAfter);
  });
});
