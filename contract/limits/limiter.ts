// One rate-limit decision per request (contract: RL, HDR): the per-minute algorithm the policy
// selects, plus the rolling-hour quota of h. A refused request consumes nothing.
import type { RateLimitAlgorithm, TierLimits } from '../types.js';
import { bucketedLog, type BucketedLogState } from './bucketed-log.js';
import { fixedWindow, MINUTE_MS, type FixedWindowState } from './fixed-window.js';
import { tokenBucket, type TokenBucketState } from './token-bucket.js';
import type { WindowCheck } from './window-check.js';

export const HOUR_MS = 3_600_000;
const HOUR_GRANULARITY_MS = 60_000;
const SLIDING_GRANULARITY_MS = 1_000;

export interface LimiterState {
  readonly minute: TokenBucketState | BucketedLogState | FixedWindowState | undefined;
  readonly hour: BucketedLogState | undefined;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** X-RateLimit-Limit: the tier's per-minute figure (HDR-3). */
  readonly limit: number;
  /** X-RateLimit-Remaining: requests admitted right now; 0 when refused (HDR-3). */
  readonly remaining: number;
  /** X-RateLimit-Reset: Unix seconds (HDR-2). */
  readonly reset: number;
  /** Retry-After in delay-seconds, when refused (RL-8). */
  readonly retryAfter?: number;
  readonly state: LimiterState;
}

/**
 * The algorithms the limiter can run: the contract's selectable ones, and a fixed window anchored
 * at each key's first request, which only the mutation `fixed-window-anchored-per-key` selects.
 */
export type LimiterAlgorithm = RateLimitAlgorithm | 'fixed-window-per-key';

function minuteCheck(algorithm: LimiterAlgorithm, state: LimiterState['minute'], now: number, tier: TierLimits): WindowCheck<LimiterState['minute']> {
  switch (algorithm) {
    case 'token-bucket':
      return tokenBucket(state as TokenBucketState | undefined, now, tier);
    case 'sliding-window':
      return bucketedLog(state as BucketedLogState | undefined, now, MINUTE_MS, SLIDING_GRANULARITY_MS, tier.perMinute + tier.burst);
    case 'fixed-window':
      return fixedWindow(state as FixedWindowState | undefined, now, tier);
    case 'fixed-window-per-key':
      return fixedWindow(state as FixedWindowState | undefined, now, tier, 'first-request');
  }
}

/**
 * X-RateLimit-Reset in Unix seconds, rounded up, but never past the current second + 3600
 * (HDR-2): rounding must not push an hour-quota reset beyond the hour the contract allows.
 */
function resetOf(now: number, inMs: number): number {
  return Math.min(Math.ceil((now + inMs) / 1000), Math.floor(now / 1000) + 3600);
}

/**
 * Decides one request of a limited key at `now` (Unix ms, the mock's clock).
 *
 * @example
 * const d = decideRate(undefined, Date.now(), { perMinute: 60, perHour: 1000, burst: 10 }, 'token-bucket');
 * d.allowed // true; d.remaining // 9
 */
export function decideRate(state: LimiterState | undefined, now: number, tier: TierLimits, algorithm: LimiterAlgorithm): RateDecision {
  const minute = minuteCheck(algorithm, state?.minute, now, tier);
  // A request the minute refuses consumes nothing: the hour only judges it (no next state built,
  // which a spent key would otherwise pay on every 429).
  const hour = bucketedLog(state?.hour, now, HOUR_MS, HOUR_GRANULARITY_MS, tier.perHour, minute.allowed);
  if (minute.allowed && hour.allowed) {
    return {
      allowed: true,
      limit: tier.perMinute,
      remaining: Math.min(minute.remaining, hour.remaining),
      reset: resetOf(now, minute.fullMs),
      state: { minute: minute.next, hour: hour.next },
    };
  }
  // Nothing is consumed; each check's wait is independent of the other's, so the longer one admits.
  const waitMs = Math.max(minute.allowed ? 0 : minute.waitMs, hour.allowed ? 0 : hour.waitMs);
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return {
    allowed: false,
    limit: tier.perMinute,
    remaining: 0,
    reset: resetOf(now, waitMs),
    retryAfter,
    state: state ?? { minute: undefined, hour: undefined },
  };
}
