// The clock-aligned fixed-window alternative (contract: RL, selectable alternatives): m + b
// admissions in each calendar minute. DOC-conformant; lets up to twice that through across a
// boundary, which RL-11 reports.
import type { TierLimits } from '../types.js';
import type { WindowCheck } from './window-check.js';

export const MINUTE_MS = 60_000;

export interface FixedWindowState {
  readonly start: number;
  readonly count: number;
}

export function fixedWindow(state: FixedWindowState | undefined, now: number, tier: TierLimits): WindowCheck<FixedWindowState> {
  const limit = tier.perMinute + tier.burst;
  let start = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  let count = 0;
  // A request stamped before the window counted so far (another worker read the shared clock a
  // moment earlier, or a clock set back) counts in that window: starting an older one would
  // forget the newer window's admissions and let more than m + b through in it (RL-3).
  if (state !== undefined && state.start >= start) ({ start, count } = state);
  const end = start + MINUTE_MS - now;
  if (count < limit) {
    return { allowed: true, remaining: limit - count - 1, waitMs: 0, fullMs: end, next: { start, count: count + 1 } };
  }
  return { allowed: false, remaining: 0, waitMs: end, fullMs: end, next: { start, count } };
}
