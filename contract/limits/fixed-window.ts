// The clock-aligned fixed-window alternative (contract: RL, selectable alternatives): m + b
// admissions in each calendar minute. DOC-conformant; lets up to twice that through across a
// boundary, which RL-11 reports. Anchored at the key's first request instead (`anchor:
// 'first-request'`, the default of @fastify/rate-limit and express-rate-limit), a window starts
// with the first request after the previous one ended: what the mutation `fixed-window-anchored-per-key`
// serves, so that the suites' edge probe is tried on it.
import type { TierLimits } from '../types.js';
import type { WindowCheck } from './window-check.js';

export const MINUTE_MS = 60_000;

export interface FixedWindowState {
  readonly start: number;
  readonly count: number;
}

export type WindowAnchor = 'clock' | 'first-request';

export function fixedWindow(state: FixedWindowState | undefined, now: number, tier: TierLimits, anchor: WindowAnchor = 'clock'): WindowCheck<FixedWindowState> {
  const limit = tier.perMinute + tier.burst;
  let start = anchor === 'clock' ? Math.floor(now / MINUTE_MS) * MINUTE_MS : now;
  let count = 0;
  // A request stamped before the window counted so far (another worker read the shared clock a
  // moment earlier, or a clock set back) counts in that window: starting an older one would
  // forget the newer window's admissions and let more than m + b through in it (RL-3).
  if (state !== undefined && (anchor === 'clock' ? state.start >= start : now < state.start + MINUTE_MS)) ({ start, count } = state);
  const end = start + MINUTE_MS - now;
  if (count < limit) {
    return { allowed: true, remaining: limit - count - 1, waitMs: 0, fullMs: end, next: { start, count: count + 1 } };
  }
  return { allowed: false, remaining: 0, waitMs: end, fullMs: end, next: { start, count } };
}
