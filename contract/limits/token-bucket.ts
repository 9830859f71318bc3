// The reference per-minute limiter (contract: RL, reference algorithm): a bucket of capacity b,
// refilled continuously at m per 60 s. Integer arithmetic: one token is 60,000 units and each
// millisecond adds m units, so a boundary is exact, never lost to floating point.
import type { TierLimits } from '../types.js';
import type { WindowCheck } from './window-check.js';

export const UNITS_PER_TOKEN = 60_000;

export interface TokenBucketState {
  readonly units: number;
  /** The instant `units` was computed at (Unix ms). */
  readonly at: number;
}

/**
 * @example
 * const first = tokenBucket(undefined, 0, { perMinute: 60, perHour: 1000, burst: 10 });
 * first.allowed // true; first.remaining // 9
 */
export function tokenBucket(state: TokenBucketState | undefined, now: number, tier: TierLimits): WindowCheck<TokenBucketState> {
  const capacity = tier.burst * UNITS_PER_TOKEN;
  const refill = tier.perMinute; // units per millisecond
  let units: number;
  let at: number;
  if (state === undefined) {
    units = capacity;
    at = now;
  } else {
    // A clock set backwards refills nothing until it passes `at` again.
    const elapsed = now > state.at ? now - state.at : 0;
    units = Math.min(capacity, state.units + elapsed * refill);
    at = now > state.at ? now : state.at;
  }
  if (units >= UNITS_PER_TOKEN) {
    const left = units - UNITS_PER_TOKEN;
    return {
      allowed: true,
      remaining: Math.floor(left / UNITS_PER_TOKEN),
      waitMs: 0,
      fullMs: Math.ceil((capacity - left) / refill),
      next: { units: left, at },
    };
  }
  return {
    allowed: false,
    remaining: 0,
    waitMs: Math.ceil((UNITS_PER_TOKEN - units) / refill),
    fullMs: Math.ceil((capacity - units) / refill),
    next: { units, at },
  };
}
