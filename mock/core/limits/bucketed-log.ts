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
 * @example
 * bucketedLog(undefined, 0, 3_600_000, 60_000, 1000).remaining // 999
 */
export function bucketedLog(
  state: BucketedLogState | undefined,
  now: number,
  windowMs: number,
  granularityMs: number,
  limit: number,
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
    let next: LogBucket[];
    if (tail !== undefined && tail.index === index) {
      next = live.slice(0, -1);
      next.push({ index, count: tail.count + 1, last: Math.max(tail.last, now) });
    } else {
      next = live.slice();
      next.push({ index, count: 1, last: now });
    }
    const newest = next[next.length - 1]!;
    return { allowed: true, remaining: limit - total - 1, waitMs: 0, fullMs: newest.last + windowMs - now, next };
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
