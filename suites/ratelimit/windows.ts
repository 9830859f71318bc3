// Counting what a limiter let through, from the answers recorded by the load driver, and telling
// which algorithm it behaves like. Pure functions over sample times (target milliseconds).
import type { LoadRun } from './load-driver.js';

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
export function perLimiterWindow(samples: LoadRun['samples']): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.status !== 429 && s.reset !== undefined) out.set(s.reset, (out.get(s.reset) ?? 0) + 1);
  return out;
}

export type Algorithm = 'token-bucket' | 'sliding-window' | 'fixed-window' | 'unknown';

/** Which algorithm a limiter behaves like, and why the suite thinks so. */
export interface Fingerprint {
  readonly kind: Algorithm;
  /** A fixed window's origin: the clock's minutes, or the key's first request (the default of common limiter libraries). */
  readonly anchor?: 'clock' | 'first request';
  readonly evidence: string;
}

/** "token bucket", "key-anchored fixed window", …: for notes and reports. */
export function describeAlgorithm(f: Pick<Fingerprint, 'kind' | 'anchor'>): string {
  switch (f.kind) {
    case 'token-bucket':
      return 'token bucket';
    case 'sliding-window':
      return 'sliding window';
    case 'fixed-window':
      return f.anchor === 'clock' ? 'clock-aligned fixed window' : f.anchor === 'first request' ? 'key-anchored fixed window' : 'fixed window';
    case 'unknown':
      return 'limiter whose algorithm the answers do not tell';
  }
}

/** A header value that is a whole non-negative number, else undefined. */
export const wholeNumber = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined);

/**
 * Which algorithm a flood's answers look like. A token bucket admits about b at once and then a
 * steady trickle; a window admits about m + b at once. Once a window has refused, what its next
 * admission says is left tells the two windows apart: a fixed window starts a new window whole
 * (Remaining about m + b), a sliding one frees one place at a time (Remaining about 0). A fixed
 * window whose first admissions carry a Reset less than 60 s ahead (the flood begins mid-minute)
 * ends on the clock's minute; one 60 s ahead began at the key's first request. The run is in target
 * time (TargetTime.restate): its start on the target's clock, its sample times target ms from it.
 */
export function fingerprint(run: Pick<LoadRun, 'samples' | 'startedAt'>, limits: { perMinute: number; burst: number }): Fingerprint {
  const { samples } = run;
  const firstRefusal = samples.findIndex((s) => s.status === 429);
  if (firstRefusal === -1) return { kind: 'unknown', evidence: 'the flood met no 429' };
  const before = samples.slice(0, firstRefusal).filter((s) => s.status !== 429);
  const initial = before.length;
  const resets = new Set(before.map((s) => s.reset));
  const window = limits.perMinute + limits.burst;
  const evidence = `${initial} admitted before the first 429 (b = ${limits.burst}, m + b = ${window}); ${resets.size} distinct X-RateLimit-Reset value(s) among them`;
  // A bucket refills while the flood empties it: b plus m a minute until the first refusal, with room for jitter.
  const refilled = (limits.perMinute * (samples[firstRefusal]!.at - (samples[0]?.at ?? 0))) / MINUTE;
  if (initial <= (limits.burst + refilled) * 1.5 + 2 && initial < window * 0.75) return { kind: 'token-bucket', evidence: `${evidence}; a bucket refills about ${Math.round(refilled)} meanwhile` };
  if (initial < window * 0.75) return { kind: 'unknown', evidence };
  const first = before[0]!;
  const ahead = Number(first.reset) - (run.startedAt + first.at) / 1000;
  const anchor = !Number.isFinite(ahead) ? undefined : ahead < 58 ? ('clock' as const) : ('first request' as const);
  let more = `${evidence}; the first admission's Reset is ${Number.isFinite(ahead) ? `${ahead.toFixed(1)} s ahead` : 'unreadable'}`;
  const later = samples.slice(firstRefusal).find((s) => s.status !== 429 && wholeNumber(s.remaining) !== undefined);
  if (later !== undefined) {
    const left = wholeNumber(later.remaining)!;
    more += `; the first admission after a 429 says ${left} remain`;
    if (left >= window / 2) return { kind: 'fixed-window', ...(anchor !== undefined ? { anchor } : {}), evidence: more };
    if (left <= window / 4) return { kind: 'sliding-window', evidence: more };
    return { kind: 'unknown', evidence: more };
  }
  // No Remaining after the refusal: only the Reset can tell (a sliding window's is its newest admission + 60 s).
  if (anchor === undefined) return { kind: 'unknown', evidence: more };
  return anchor === 'clock' ? { kind: 'fixed-window', anchor, evidence: more } : { kind: 'unknown', evidence: `${more}; nothing admitted after the first 429 said what remains` };
}
