// The rate-limit headers of an answer (contract: HDR-1..4) and the 429 (RL-5, RL-8).
import type { RateDecision } from './limits/index.js';
import type { Failure } from './types.js';

/** X-RateLimit-* for every answer to a limited key, 429s included (HDR-1). Unlimited keys get none (HDR-4). */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(decision.reset),
  };
}

/** The 429 of a refused decision, with Retry-After in delay-seconds (RL-8). */
export function tooManyRequests(decision: RateDecision, tierName: string): Failure {
  const retryAfter = decision.retryAfter ?? 1;
  return {
    status: 429,
    code: 'rate_limited',
    detail: `The rate limit of the ${tierName} tier is exceeded; retry after ${retryAfter} s.`,
    headers: { 'Retry-After': String(retryAfter) },
  };
}
