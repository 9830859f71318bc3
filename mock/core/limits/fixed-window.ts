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
  const start = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const count = state !== undefined && state.start === start ? state.count : 0;
  const end = start + MINUTE_MS - now;
  if (count < limit) {
    return { allowed: true, remaining: limit - count - 1, waitMs: 0, fullMs: end, next: { start, count: count + 1 } };
  }
  return { allowed: false, remaining: 0, waitMs: end, fullMs: end, next: { start, count } };
}
