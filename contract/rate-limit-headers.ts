// The rate-limit headers of an answer (contract: HDR-1..4) and the 429 (RL-5, RL-8).
import { boundedMemo } from './bounded-memo.js';
import type { RateDecision } from './limits/index.js';
import type { Failure } from './types.js';

/**
 * Sets X-RateLimit-* on an answer's headers: every answer to a limited key has them, 429s
 * included (HDR-1); unlimited keys get none (HDR-4). Written into the answer itself: no object
 * of their own per request.
 */
export function setRateLimitHeaders(headers: Record<string, string>, decision: RateDecision): void {
  headers['X-RateLimit-Limit'] = String(decision.limit);
  headers['X-RateLimit-Remaining'] = String(decision.remaining);
  headers['X-RateLimit-Reset'] = String(decision.reset);
}

/**
 * The 429 of a refused decision, with Retry-After in delay-seconds (RL-8). A spent key is refused
 * again and again with the same wait: each (tier, wait) makes its failure once, so its detail is
 * one string whose kept body (answer.ts) is found without hashing a new text.
 */
export function tooManyRequests(decision: RateDecision, tierName: string): Failure {
  return refusal(tierName, decision.retryAfter ?? 1);
}

/**
 * Waits are whole seconds up to an hour (the hour quota) for each of the policy's few tiers:
 * bounded, but capped all the same (bounded-memo.ts).
 */
const refusal = boundedMemo(16_000, (tierName: string, retryAfter: number): Failure => ({
  status: 429,
  code: 'rate_limited',
  detail: `The rate limit of the ${tierName} tier is exceeded; retry after ${retryAfter} s.`,
  headers: { 'Retry-After': String(retryAfter) },
}));
