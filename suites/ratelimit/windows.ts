// Counting what a limiter let through, from the answers recorded by the load driver, and telling
// which algorithm it behaves like. Pure functions over sample times (target milliseconds).
import type { Sample } from './load-driver.js';

export const MINUTE = 60_000;

/** The most times inside any half-open window [t, t + width). */
export function maxInWindow(times: readonly number[], width: number): { count: number; from: number } {
  let best = { count: 0, from: times[0] ?? 0 };
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= width) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, from: times[lo]! };
  }
  return best;
}

/** Admissions per limiter window of a fixed-window limiter, found from X-RateLimit-Reset (the window's end). */
export function perLimiterWindow(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.status !== 429 && s.reset !== undefined) out.set(s.reset, (out.get(s.reset) ?? 0) + 1);
  return out;
}

export type Fingerprint = 'token-bucket' | 'sliding-window' | 'fixed-window' | 'unknown';

/**
 * Which algorithm a flood's answers look like. A token bucket admits about b at once and then a
 * steady trickle; a window admits about m + b at once. A fixed window's first admissions carry
 * the end of the current clock minute as X-RateLimit-Reset, less than 60 s ahead; a sliding
 * window's carry their own time + 60 s. `toTarget` turns a sample's time into the target's clock.
 */
export function fingerprint(samples: readonly Sample[], limits: { perMinute: number; burst: number }, toTarget: (at: number) => number): { kind: Fingerprint; evidence: string } {
  const firstRefusal = samples.findIndex((s) => s.status === 429);
  if (firstRefusal === -1) return { kind: 'unknown', evidence: 'the flood met no 429' };
  const before = samples.slice(0, firstRefusal).filter((s) => s.status !== 429);
  const initial = before.length;
  const resets = new Set(before.map((s) => s.reset));
  const window = limits.perMinute + limits.burst;
  const evidence = `${initial} admitted before the first 429 (b = ${limits.burst}, m + b = ${window}); ${resets.size} distinct X-RateLimit-Reset value(s) among them`;
  if (initial <= limits.burst * 1.5 + 2 && initial < window * 0.75) return { kind: 'token-bucket', evidence };
  if (initial >= window * 0.75) {
    const first = before[0]!;
    const ahead = Number(first.reset) - toTarget(first.at) / 1000;
    const more = `${evidence}; the first admission's Reset is ${ahead.toFixed(1)} s ahead`;
    if (!Number.isFinite(ahead)) return { kind: 'unknown', evidence: more };
    return { kind: ahead < 58 ? 'fixed-window' : 'sliding-window', evidence: more };
  }
  return { kind: 'unknown', evidence };
}
