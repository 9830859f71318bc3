// A sliding log kept in coarse buckets: the rolling-hour quota, and the sliding-window
// alternative for the minute (contract: RL-3, RL-4). Each bucket remembers its count and its
// latest admission; a bucket leaves the window only when its latest admission does, so every
// window of `windowMs` ending at an admission holds at most `limit` — never more, sometimes a
// little less — and the wait for a refused request is never longer than `windowMs`.

export interface LogBucket {
  /** floor(admission time / granularity) */
  readonly index: number;
  readonly count: number;
  /** The latest admission in the bucket (Unix ms). */
  readonly last: number;
}

export type BucketedLogState = readonly LogBucket[];

import type { WindowCheck } from './window-check.js';

/**
 * With `admit` false the check only judges: what it says is the same, but an allowed request's
 * next state is not built (`next` is the log as it stands) — for a request another check refuses,
 * which consumes nothing.
 *
 * @example
 * bucketedLog(undefined, 0, 3_600_000, 60_000, 1000).remaining // 999
 */
export function bucketedLog(
  state: BucketedLogState | undefined,
  now: number,
  windowMs: number,
  granularityMs: number,
  limit: number,
  admit = true,
): WindowCheck<BucketedLogState> {
  const buckets = state ?? [];
  // Buckets whose latest admission is at or before now - window hold nothing inside (now - window, now].
  let first = 0;
  while (first < buckets.length && buckets[first]!.last <= now - windowMs) first++;
  let total = 0;
  for (let i = first; i < buckets.length; i++) total += buckets[i]!.count;
  const live = first === 0 ? buckets : buckets.slice(first);
  if (total < limit) {
    const index = Math.floor(now / granularityMs);
    const tail = live[live.length - 1];
    // The admission joins the newest bucket when it falls in the same one.
    const joins = tail !== undefined && tail.index === index;
    const newestLast = joins ? Math.max(tail.last, now) : now;
    const fullMs = newestLast + windowMs - now;
    if (!admit) return { allowed: true, remaining: limit - total - 1, waitMs: 0, fullMs, next: live };
    const next = joins ? live.slice(0, -1) : live.slice();
    next.push({ index, count: joins ? tail.count + 1 : 1, last: newestLast });
    return { allowed: true, remaining: limit - total - 1, waitMs: 0, fullMs, next };
  }
  // Refused: wait until enough of the oldest buckets have left for one more admission.
  let excess = total - limit + 1;
  let waitMs = windowMs;
  for (const bucket of live) {
    excess -= bucket.count;
    if (excess <= 0) {
      waitMs = bucket.last + windowMs - now;
      break;
    }
  }
  const newest = live[live.length - 1];
  return {
    allowed: false,
    remaining: 0,
    waitMs: Math.max(1, waitMs),
    fullMs: newest === undefined ? 0 : newest.last + windowMs - now,
    next: live,
  };
}
