// The edge probe (contract RL-11 and the algorithm fingerprint): a fixed window lets up to twice its
// allowance through around its edge, which an evenly paced flood never shows when the window is
// anchored at the key's first request (the default of @fastify/rate-limit and express-rate-limit).
// One request on a rested key finds where its window ends (X-RateLimit-Reset); the allowance is
// spent just before that end, and again just after the edge the first 429 names (Retry-After,
// else Reset). The most admitted in any 60 s of the target's time is what RL-11 judges; what each
// spend admitted tells token bucket, sliding window and the two fixed windows apart.
import type { TierLimits } from '../../contract/index.js';
import type { Header } from '../harness/keyring.js';
import type { PlacedClock, TargetTime } from '../harness/target-time.js';
import { burst, drive, type LoadRun, type Sample } from './load-driver.js';
import { maxInWindow, MINUTE, wholeNumber, type Fingerprint } from './windows.js';

export interface EdgeProbe {
  readonly tier: string;
  readonly limits: TierLimits;
  /** In order: the anchor request, the spend before the edge, the spend(s) after it (in target time). */
  readonly runs: readonly LoadRun[];
  /** The most admitted within any 60 s of the target's time, over every run; `from` is target Unix ms. */
  readonly most: { readonly count: number; readonly from: number };
  /** Target milliseconds the slowest spend took to be answered (the spread of its arrivals). */
  readonly spreadMs: number;
  readonly fingerprint: Fingerprint;
  /** What the probe did and saw, step by step (target seconds relative to the anchor). */
  readonly steps: readonly string[];
}

export interface EdgeSpec {
  readonly tier: string;
  readonly limits: TierLimits;
  readonly url: string;
  readonly headers: readonly Header[];
  readonly time: TargetTime;
  /** The target's clock; its uncertainty is added to the wait past an edge. */
  readonly clock: PlacedClock;
}

/** Target ms before the window's end at which the first spend goes. */
const LEAD_MS = 10_000;
/** Target ms after the edge at which the second spend goes (plus the clock's uncertainty). */
const PAST_EDGE_MS = 1_000;
/** An edge further than this (target ms) is not a minute's window (an hour quota): not waited for. */
const FARTHEST_EDGE_MS = 65_000;
/** A spend larger than this goes over 64 connections instead of one socket a request. */
const AT_ONCE = 200;

/** Requests each spend sends: the window's allowance and some, so that the limit shows. */
export const spendSize = (l: TierLimits) => l.perMinute + l.burst + Math.max(10, Math.ceil(0.2 * (l.perMinute + l.burst)));
/** Requests and target seconds the probe takes at most. */
export const EDGE_PROBE_COST = (l: TierLimits) => ({ requests: 1 + 3 * spendSize(l), seconds: 6 + 60 + 2 + 15 });

const isRefusal = (s: Sample) => s.status === 429 || s.status === 403 || s.status >= 500;

/** A sample's arrival on the target's clock (Unix ms), of a run in target time. */
const arrival = (run: LoadRun, s: Sample) => run.startedAt + s.at;

async function spend(spec: EdgeSpec, label: string): Promise<LoadRun> {
  const amount = spendSize(spec.limits);
  const run = amount <= AT_ONCE ? await burst({ label, url: spec.url, headers: spec.headers, amount }) : await drive({ label, urls: [spec.url], headers: spec.headers, amount, connections: 64 });
  return spec.time.restate(run, spec.clock);
}

/**
 * Where a refusal says the limit ends (target Unix ms): its Retry-After from its arrival, else its
 * X-RateLimit-Reset (Unix seconds; a small number is read as seconds from now, which HDR-2 blames).
 */
function edgeOf(run: LoadRun, s: Sample): number | undefined {
  const at = arrival(run, s);
  const after = wholeNumber(s.retryAfter);
  if (after !== undefined) return at + after * 1000;
  const reset = wholeNumber(s.reset);
  if (reset === undefined) return undefined;
  return reset >= 1e9 ? reset * 1000 : at + reset * 1000;
}

export async function edgeProbe(spec: EdgeSpec): Promise<EdgeProbe> {
  const { limits, time, clock } = spec;
  const untilTarget = (at: number) => time.until(clock, at);
  const window = limits.perMinute + limits.burst;
  const steps: string[] = [];
  const runs: LoadRun[] = [];
  const admitted = (run: LoadRun) => run.samples.filter((s) => !isRefusal(s)).length;

  // The anchor goes at least 3 s from a minute boundary, so that a window ending on the clock's
  // minute is not mistaken for one that began at the anchor.
  const second = (clock.now() / 1000) % 60;
  if (second >= 57 || second < 3) {
    const minute = Math.floor(clock.now() / MINUTE) * MINUTE;
    await untilTarget((second >= 57 ? minute + MINUTE : minute) + 3_000);
  }
  const anchor = time.restate(await burst({ label: `${spec.tier}: edge probe, one request on a rested key`, url: spec.url, headers: spec.headers, amount: 1 }), clock);
  runs.push(anchor);
  const first = anchor.samples[0];
  const finish = (fingerprint: Fingerprint): EdgeProbe => {
    const times: number[] = [];
    let spreadMs = 0;
    for (const run of runs) {
      if (run.samples.length > 1) spreadMs = Math.max(spreadMs, run.durationMs);
      for (const s of run.samples) if (!isRefusal(s)) times.push(arrival(run, s));
    }
    times.sort((x, y) => x - y);
    return { tier: spec.tier, limits, runs, most: maxInWindow(times, MINUTE), spreadMs, fingerprint, steps };
  };
  if (first === undefined || isRefusal(first)) {
    steps.push(`the first request was ${first === undefined ? 'not answered' : `refused ${first.status}`}: the key is not rested`);
    return finish({ kind: 'unknown', evidence: steps.join('; ') });
  }
  const t0 = arrival(anchor, first);
  const rel = (t: number) => `${((t - t0) / 1000).toFixed(1)} s`;
  const reset = wholeNumber(first.reset);
  const windowEnd = reset === undefined ? undefined : reset >= 1e9 ? reset * 1000 : t0 + reset * 1000;
  steps.push(`anchor at 0 s: ${first.status}, X-RateLimit-Reset ${first.reset ?? 'absent'}${windowEnd === undefined ? '' : ` (${rel(windowEnd)})`}${reset !== undefined && reset < 1e9 ? ', read as seconds from now' : ''}`);

  // Spend the allowance LEAD_MS before the window's end, or at once when that is near or unknown.
  const lead = windowEnd === undefined ? 0 : windowEnd - clock.now();
  if (windowEnd !== undefined && lead > LEAD_MS + 1_000 && lead <= FARTHEST_EDGE_MS) await untilTarget(windowEnd - LEAD_MS);
  const before = await spend(spec, `${spec.tier}: edge probe, ${spendSize(limits)} at once before the window's end`);
  runs.push(before);
  const beforeAdmitted = admitted(before) + 1;
  const refusal = before.samples.find((s) => s.status === 429);
  steps.push(`spend at ${rel(before.startedAt)}: ${admitted(before)} of ${before.samples.length} admitted${refusal === undefined ? ', no 429' : ''}`);
  const bucketLike = beforeAdmitted <= limits.burst * 1.5 + 2 && beforeAdmitted < window * 0.75;
  const windowLike = beforeAdmitted >= window * 0.75;
  const evidenceHead = `with the anchor, ${beforeAdmitted} admitted at once (b = ${limits.burst}, m + b = ${window})`;
  if (bucketLike) return finish({ kind: 'token-bucket', evidence: `${evidenceHead}: a bucket of about b` });

  // The edge the first 429 names; spend again just past it.
  const edge = refusal === undefined ? undefined : edgeOf(before, refusal);
  if (edge === undefined || edge - clock.now() > FARTHEST_EDGE_MS) {
    steps.push(refusal === undefined ? 'no 429 named an edge' : edge === undefined ? 'the 429 carried neither Retry-After nor X-RateLimit-Reset' : `the 429 named an edge ${rel(edge)} on, further than a minute`);
    return finish({ kind: 'unknown', evidence: `${evidenceHead}; ${steps.at(-1)!}` });
  }
  const past = PAST_EDGE_MS + clock.uncertaintyMs;
  await untilTarget(edge + past);
  const after = await spend(spec, `${spec.tier}: edge probe, ${spendSize(limits)} at once just past the edge`);
  runs.push(after);
  let afterAdmitted = admitted(after);
  steps.push(`edge at ${rel(edge)} (the 429's ${wholeNumber(refusal!.retryAfter) !== undefined ? 'Retry-After' : 'X-RateLimit-Reset'}); spend at ${rel(after.startedAt)}: ${afterAdmitted} of ${after.samples.length} admitted`);
  // A window whose edge came later than its headers said (a clock a few seconds off): once more, at the edge its refusal names.
  const again = after.samples.find((s) => s.status === 429);
  const edge2 = again === undefined ? undefined : edgeOf(after, again);
  if (windowLike && afterAdmitted <= window / 4 && edge2 !== undefined && edge2 - clock.now() <= 15_000) {
    await untilTarget(edge2 + past);
    const retry = await spend(spec, `${spec.tier}: edge probe, ${spendSize(limits)} at once past the edge the second 429 named`);
    runs.push(retry);
    afterAdmitted += admitted(retry);
    steps.push(`the limit still held; edge at ${rel(edge2)}; spend at ${rel(retry.startedAt)}: ${admitted(retry)} of ${retry.samples.length} admitted`);
  }
  const evidence = `${evidenceHead}; just past the edge ${afterAdmitted} more`;
  if (!windowLike) return finish({ kind: 'unknown', evidence });
  if (afterAdmitted >= window * 0.75) {
    // Where the window the anchor opened ends: on the clock's minute, or 60 s after the anchor.
    const ahead = windowEnd === undefined ? undefined : windowEnd - t0;
    const anchorOf = ahead === undefined ? undefined : windowEnd! % MINUTE === 0 && ahead < 58_000 ? ('clock' as const) : Math.abs(ahead - MINUTE) <= 2_000 ? ('first request' as const) : undefined;
    const where = ahead === undefined ? 'no Reset on the anchor' : `the anchor's window ended ${(ahead / 1000).toFixed(1)} s after it${windowEnd! % MINUTE === 0 ? ', on a minute of the clock' : ''}`;
    return finish({ kind: 'fixed-window', ...(anchorOf !== undefined ? { anchor: anchorOf } : {}), evidence: `${evidence}: a whole new window; ${where}` });
  }
  if (afterAdmitted <= window / 4) return finish({ kind: 'sliding-window', evidence: `${evidence}: places free one by one as requests age out` });
  return finish({ kind: 'unknown', evidence });
}
