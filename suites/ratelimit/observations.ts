// The rate-limit suites' load, run once per conformance run and shared by the RL and HDR checks:
// per limited tier a burst, a steady minute, a flood, a fresh key after the flood and a retry
// after Retry-After; on the lowest tier the RL-9 floods; an Unlimited key at full speed.
// Every amount of time is the target's (ctx.time), and so is every recorded sample time.
import { missingScopes, type TierLimits } from '../../contract/index.js';
import { CheckSkipped, type CheckContext } from '../harness/check.js';
import { virtualClock } from '../harness/virtual-clock.js';
import { credentialHeaders, mangle, stateOf, type Header } from '../harness/keyring.js';
import type { ResolvedKey } from '../harness/load-profile.js';
import { burst, drive, exhaustThenRetry, type LoadRun, type RetryProbe } from './load-driver.js';
import { BudgetExceeded } from '../harness/http-client.js';
import type { PlacedClock, TargetTime } from '../harness/target-time.js';
import { describeAlgorithm } from './windows.js';
import { EDGE_PROBE_COST, edgeProbe, type EdgeProbe } from './edge-probe.js';

export interface KeyHandle {
  readonly headers: Header[];
  readonly path: string;
  /** The key's scopes, as declared in the profile or given by the control API. */
  readonly scopes: readonly string[];
}

export interface TierObservations {
  readonly tier: string;
  readonly limits: TierLimits;
  /** --full only: a flood at 1.5 h an hour for 65 target minutes (RL-4). */
  readonly hourFlood?: LoadRun;
  readonly burst?: LoadRun;
  readonly steady?: LoadRun;
  readonly flood?: LoadRun;
  readonly afterFlood?: LoadRun;
  readonly exhaust?: LoadRun;
  readonly retry?: RetryProbe;
  readonly skipped?: string;
}

export interface Observations {
  readonly tiers: readonly TierObservations[];
  /**
   * RL-9: floods of authenticated requests refused other than 429, each on a fresh key of the
   * lowest limited tier: 404 (an unknown id), 403 (a scope the key lacks), 400 (an invalid body).
   */
  readonly counted?: readonly CountedFlood[];
  readonly afterUnauthorized?: LoadRun;
  readonly unauthorizedFlood?: LoadRun;
  readonly countsTier?: { readonly tier: string; readonly limits: TierLimits };
  readonly unlimited?: LoadRun;
  readonly spread?: { readonly urls: readonly string[]; readonly run: LoadRun; readonly tier: string; readonly limits: TierLimits };
  /** RL-11 and the fingerprint: the allowance of a fresh key of the lowest limited tier spent just before and just after its window's edge. */
  readonly edge?: EdgeProbe;
  /**
   * The target's clock the load was placed on: every run's `startedAt` is on it, and its samples'
   * times, latencies and duration are target ms (TargetTime.restate).
   */
  readonly clock: PlacedClock;
}

/** A flood RL-9 judges: requests meant to be refused with `status`, and what was sent. */
export interface CountedFlood {
  readonly status: 400 | 403 | 404;
  readonly request: string;
  readonly run: LoadRun;
}

/** Target seconds of the steady run (RL-2) and the flood (RL-3). */
export const STEADY_SECONDS = 60;
export const FLOOD_SECONDS = 90;
const FLOOD_FACTOR = 2;
const UNLIMITED_AMOUNT = 20_000;
/** --full: target minutes of the hour flood, and its rate as a multiple of h an hour. */
export const HOUR_FLOOD_MINUTES = 65;
const HOUR_FLOOD_FACTOR = 1.5;
const hourFloodAmount = (t: TierLimits) => Math.ceil(((HOUR_FLOOD_FACTOR * t.perHour) / 3600) * HOUR_FLOOD_MINUTES * 60);
/** Target seconds between the tier loads and the RL-9 / RL-10 loads, so these start on rested limits. */
export const REST_SECONDS = 60;

/** Requests and real seconds the quick rate-limit load will take, before it starts. */
export function estimateLoad(tiers: readonly TierLimits[], time: Pick<TargetTime, 'realMs'>, spread = false, unlimitedAmount = UNLIMITED_AMOUNT, full = false): { requests: number; seconds: number } {
  let requests = 0;
  if (full) for (const t of tiers) requests += hourFloodAmount(t);
  for (const t of tiers) requests += t.burst * 6 + t.perMinute + Math.floor(0.9 * t.perMinute) + Math.ceil(((FLOOD_FACTOR * (t.perMinute + t.burst)) / 60) * FLOOD_SECONDS) + 1;
  const lowest = [...tiers].sort((a, b) => a.perMinute - b.perMinute)[0];
  // RL-9's three floods (404, 403, 400) on the lowest tier, and RL-10's beside them.
  if (lowest !== undefined) requests += Math.ceil(((FLOOD_FACTOR * (lowest.perMinute + lowest.burst)) / 60) * FLOOD_SECONDS) * (spread ? 4 : 3) + lowest.burst * 4 + EDGE_PROBE_COST(lowest).requests;
  requests += unlimitedAmount;
  // Per tier, the steady minute then the flood; a minute's rest; the RL-9 and RL-10 floods; the
  // edge probe; then the Unlimited run. The flood may wait up to 50 s for the middle of a minute (fingerprint).
  const quick = STEADY_SECONDS + 50 + FLOOD_SECONDS + REST_SECONDS + FLOOD_SECONDS + (lowest === undefined ? 0 : EDGE_PROBE_COST(lowest).seconds);
  return { requests, seconds: Math.ceil(time.realMs(Math.max(quick, full ? HOUR_FLOOD_MINUTES * 60 : 0) * 1000) / 1000 + 5) };
}

/** A key of a tier that has not been used in this run: minted by the control API, or the profile's next one. */
function keySource(ctx: CheckContext) {
  const used = new Set<string>();
  /** A fresh key of `tier`; with `needs`, one that has at least those scopes (made with them by the control API). */
  return async (tier: string, needs: readonly string[] = []): Promise<KeyHandle | undefined> => {
    if (ctx.control !== undefined) {
      const scopes = ['alerts:read', ...needs.filter((s) => s !== 'alerts:read')];
      const created = await ctx.control.createKey({ tier, scopes, name: `rl-${tier}-${used.size}` });
      used.add(created.id);
      return { headers: [['Authorization', `Bearer ${created.key!}`]], path: '/alerts?limit=1', scopes };
    }
    // Keys no check of this run has presented first: one the functional checks used may not be rested (RL-1).
    const candidates = [...ctx.profile.keys].sort((a, b) => Number(ctx.presented(a)) - Number(ctx.presented(b)));
    for (const key of candidates) {
      if (key.tier !== tier || stateOf(key) !== 'active' || used.has(key.name) || needs.some((s) => !key.scopes.includes(s))) continue;
      const path = await readPath(ctx, key);
      if (path === undefined) continue;
      used.add(key.name);
      return { headers: credentialHeaders(key), path, scopes: key.scopes };
    }
    return undefined;
  };
}

/** A read the key's scopes do not allow (403 before anything else is looked at, SCOPE-5), if any. */
function forbiddenRead(ctx: CheckContext, scopes: readonly string[]): string | undefined {
  const reads = ctx.model.operations.filter((o) => o.method === 'GET' && !o.path.includes('{') && !o.path.endsWith('/me'));
  const op = reads.find((o) => missingScopes(scopes, o.scopes, ctx.model.policy).length > 0);
  return op === undefined ? undefined : `${op.path}?limit=1`;
}

async function readPath(ctx: CheckContext, key: ResolvedKey): Promise<string | undefined> {
  for (const path of ['/alerts?limit=1', '/cases?limit=1', '/observables?limit=1', '/users/me']) {
    if ((await ctx.oracle.expect({ method: 'GET', path, headers: credentialHeaders(key) })).status === 200) return path;
  }
  return undefined;
}

const url = (ctx: CheckContext, path: string, base = ctx.profile.target.baseUrl) => base.replace(/\/+$/, '') + path;

/**
 * Waits until the target's clock is between 10 and 40 s into a minute. A flood that begins at a
 * minute boundary looks the same under a fixed and a sliding window; one begun mid-minute does not
 * (the fixed window frees its allowance at the boundary, the sliding one 60 s after the burst).
 */
export async function midMinute(time: TargetTime, clock: PlacedClock): Promise<void> {
  const second = (clock.now() / 1000) % 60;
  if (second >= 10 && second <= 40) return;
  await time.sleep((second < 10 ? 10 - second : 70 - second) * 1000);
}

async function tierLoad(ctx: CheckContext, tier: string, limits: TierLimits, fresh: (tier: string) => Promise<KeyHandle | undefined>, clock: PlacedClock): Promise<TierObservations> {
  const { time } = ctx;
  const inTarget = (run: LoadRun) => time.restate(run, clock);
  const a = await fresh(tier);
  const b = a === undefined ? undefined : await fresh(tier);
  const c = b === undefined ? undefined : await fresh(tier);
  if (a === undefined || b === undefined || c === undefined) return { tier, limits, skipped: `the profile gives fewer than 3 unused active keys of the ${tier} tier` };
  const m = limits.perMinute;
  const burstSize = limits.burst;
  const burstRun = inTarget(await burst({ label: `${tier}: burst of b = ${burstSize} on a rested key`, url: url(ctx, a.path), headers: a.headers, amount: burstSize }));
  const steadyAmount = Math.floor(0.9 * m * (STEADY_SECONDS / 60));
  const steady = inTarget(await drive({ label: `${tier}: 90% of m/60 a second for ${STEADY_SECONDS} s`, urls: [url(ctx, a.path)], headers: a.headers, amount: steadyAmount, connections: Math.min(8, steadyAmount), rate: time.realRate((0.9 * m) / 60) }));
  const floodRate = (FLOOD_FACTOR * (m + burstSize)) / 60;
  await midMinute(time, clock);
  const flood = inTarget(await drive({
    label: `${tier}: flood at ${FLOOD_FACTOR}× (m + b) a minute for ${FLOOD_SECONDS} s`,
    urls: [url(ctx, b.path)],
    headers: b.headers,
    amount: Math.ceil(floodRate * FLOOD_SECONDS),
    connections: 16,
    rate: time.realRate(floodRate),
  }));
  const afterFlood = inTarget(await burst({ label: `${tier}: burst of b on another key right after the flood`, url: url(ctx, c.path), headers: c.headers, amount: burstSize }));
  // RL-8: spend the flooded key's allowance one request at a time, then wait the first
  // 429's Retry-After and try again, twice at most (load-driver.ts, RETRY_PROBES; m + 2b is more
  // than any window algorithm has left).
  const { run: exhaust, retry } = await exhaustThenRetry({ label: `${tier}: one at a time on the flooded key until a 429, then its Retry-After`, url: url(ctx, b.path), headers: b.headers, max: m + 2 * burstSize, time });
  return { tier, limits, burst: burstRun, steady, flood, afterFlood, exhaust: inTarget(exhaust), retry };
}

/** The key the load is made under, once a run (CheckContext.once). */
const LOAD = 'rate-limit load';

/**
 * A context whose load is `o`, without sending it: tests of the checks' judgement give recorded
 * observations this way. The rest of the context is `ctx`'s.
 */
export function withObservations<C extends object>(ctx: C, o: Observations): C & Pick<CheckContext, 'once' | 'made'> {
  const made = Promise.resolve(o);
  return { ...ctx, once: <T>(key: string, make: () => Promise<T>) => (key === LOAD ? (made as unknown as Promise<T>) : make()), made: <T>(key: string) => (key === LOAD ? (made as unknown as Promise<T>) : undefined) };
}

/** The observations of this run if the load was sent (for reports), without starting it. */
export function observationsIfMade(ctx: Pick<CheckContext, 'made'>): Promise<Observations> | undefined {
  return ctx.made<Observations>(LOAD);
}

/** What the reports keep of the load: per run its label, counts and per-second timeline. */
export function loadReport(o: Observations): object {
  const summary = (run: LoadRun | undefined) =>
    run === undefined
      ? undefined
      : {
          label: run.label,
          startedAt: new Date(run.startedAt).toISOString(),
          durationMs: Math.round(run.durationMs),
          answers: run.samples.length,
          errors: run.errors,
          statusCounts: run.statusCounts,
          timeline: run.timeline,
          // The rate-limit headers seen: the first answer, the first 429 and the last answer.
          headersSeen: [run.samples[0], run.samples.find((x) => x.status === 429), run.samples.at(-1)].filter((x) => x !== undefined),
        };
  return {
    targetClock: o.clock.describe(),
    note: 'times are the target’s: startedAt on its clock, timeline seconds from the start of each run',
    tiers: o.tiers.map((t) => ({ tier: t.tier, limits: t.limits, skipped: t.skipped, runs: [t.burst, t.steady, t.flood, t.afterFlood, t.exhaust, t.hourFlood].map(summary).filter((x) => x !== undefined) })),
    ...(o.edge !== undefined
      ? { edgeProbe: { tier: o.edge.tier, limits: o.edge.limits, mostIn60s: o.edge.most.count, behavesLike: describeAlgorithm(o.edge.fingerprint), evidence: o.edge.fingerprint.evidence, steps: o.edge.steps, runs: o.edge.runs.map(summary) } }
      : {}),
    other: [...(o.counted ?? []).map((c) => c.run), o.unauthorizedFlood, o.afterUnauthorized, o.spread?.run, o.unlimited].map(summary).filter((x) => x !== undefined),
  };
}

/** The observations of this run, made once. */
export function observations(ctx: CheckContext): Promise<Observations> {
  return ctx.once(LOAD, () => observe(ctx));
}

async function observe(ctx: CheckContext): Promise<Observations> {
  if (await virtualClock(ctx)) throw new CheckSkipped('the target’s clock is virtual: real-time load needs a moving clock (the model-based check runs instead)');
  const { time } = ctx;
  // A deployment's clock may be seconds off this machine's: its windows and resets are its own.
  const clock = await time.clock();
  const inTarget = (run: LoadRun) => time.restate(run, clock);
  const only = ctx.rateLimit?.tiers;
  const limited = Object.entries(ctx.model.tiers).filter((e): e is [string, TierLimits] => e[1] !== null && (only === undefined || only.includes(e[0])));
  const unlimitedAmount = ctx.rateLimit?.unlimitedAmount ?? UNLIMITED_AMOUNT;
  const full = ctx.rateLimit?.full === true;
  const estimate = estimateLoad(limited.map(([, t]) => t), time, (ctx.profile.target.extraBaseUrls ?? []).length > 0, unlimitedAmount, full);
  if (ctx.client.sent() + estimate.requests > ctx.client.budget) {
    throw new BudgetExceeded(`the rate-limit load needs about ${estimate.requests} requests, over the budget of ${ctx.client.budget} (${ctx.client.sent()} already sent); raise it with --budget`);
  }
  const fresh = keySource(ctx);
  const ascending = [...limited].sort((x, y) => x[1].perMinute - y[1].perMinute);
  const lowest = ascending[0];
  // RL-10 uses another tier than RL-9, so that the two loads, side by side, share no limit even
  // on a deployment that (wrongly) shares one among all keys of a tier.
  const spreadTier = ascending[1] ?? ascending[0];
  const floodOf = (limits: TierLimits) => (FLOOD_FACTOR * (limits.perMinute + limits.burst)) / 60;

  // RL-9 on the lowest limited tier: 404s, 403s and 400s count (each its own flood, on its own key,
  // side by side), 401s count against no key.
  const counts = async () => {
    if (lowest === undefined) return {};
    const [tier, limits] = lowest;
    // In the order of what they show, so that a profile with few unused keys still gets the 401
    // and 404 judgements it had before the 403 and 400 floods.
    const e = await fresh(tier);
    const notFound = await fresh(tier);
    const forbidden = await fresh(tier);
    const invalid = await fresh(tier, ['alerts:write']);
    const rate = floodOf(limits);
    const out: { counted?: CountedFlood[]; unauthorizedFlood?: LoadRun; afterUnauthorized?: LoadRun } = {};
    if (e !== undefined) {
      const wrong = e.headers.map(([n, v]): Header => [n, n.toLowerCase() === 'authorization' ? v.replace(/(\S+)$/, (k) => mangle(k, 'flip-last')) : mangle(v, 'flip-last')]);
      out.unauthorizedFlood = inTarget(await drive({ label: `${tier}: ${limits.burst * 3} requests with a wrong variant of a key (401)`, urls: [url(ctx, e.path)], headers: wrong, amount: limits.burst * 3, connections: limits.burst }));
      out.afterUnauthorized = inTarget(await burst({ label: `${tier}: burst of b with that key, after its 401s`, url: url(ctx, e.path), headers: e.headers, amount: limits.burst }));
    }
    const floods: { status: CountedFlood['status']; request: string; key: KeyHandle; path: string; method?: string; body?: string }[] = [];
    if (notFound !== undefined) floods.push({ status: 404, request: 'GET /alerts/{unknown id}', key: notFound, path: '/alerts/zz-conformance-unknown-0000' });
    const forbiddenPath = forbidden === undefined ? undefined : forbiddenRead(ctx, forbidden.scopes);
    if (forbidden !== undefined && forbiddenPath !== undefined) floods.push({ status: 403, request: `GET ${forbiddenPath} (a scope the key lacks)`, key: forbidden, path: forbiddenPath });
    // An AlertInput without its required fields: refused before anything is stored.
    if (invalid !== undefined) floods.push({ status: 400, request: 'POST /alerts {} (no title, statusValue, severity)', key: invalid, path: '/alerts', method: 'POST', body: '{}' });
    out.counted = await Promise.all(
      floods.map(async (f) => ({
        status: f.status,
        request: f.request,
        run: inTarget(await drive({ label: `${tier}: flood of requests meant to be refused ${f.status}: ${f.request}`, urls: [url(ctx, f.path)], headers: f.key.headers, amount: Math.ceil(rate * FLOOD_SECONDS), connections: 16, rate: time.realRate(rate), ...(f.method !== undefined ? { method: f.method } : {}), ...(f.body !== undefined ? { body: f.body } : {}) })),
      })),
    );
    return out;
  };

  // RL-10: the same flood spread over every base URL of the deployment.
  const spreadLoad = async (): Promise<Observations['spread']> => {
    const extra = ctx.profile.target.extraBaseUrls ?? [];
    if (extra.length === 0 || spreadTier === undefined) return undefined;
    const [tier, limits] = spreadTier;
    const k = await fresh(tier);
    if (k === undefined) return undefined;
    const urls = [ctx.profile.target.baseUrl, ...extra].map((b) => url(ctx, k.path, b));
    const rate = floodOf(limits);
    return { urls, tier, limits, run: inTarget(await drive({ label: `${tier}: flood spread over ${urls.length} base URLs`, urls, headers: k.headers, amount: Math.ceil(rate * FLOOD_SECONDS), connections: 16, rate: time.realRate(rate) })) };
  };

  // --full: the hour floods, one per tier on keys of their own, beside everything else.
  const hourFloods = full
    ? Promise.all(
        limited.map(async ([tier, limits]) => {
          const k = await fresh(tier);
          if (k === undefined) return undefined;
          const amount = hourFloodAmount(limits);
          return inTarget(await drive({ label: `${tier}: flood at ${HOUR_FLOOD_FACTOR}× h an hour for ${HOUR_FLOOD_MINUTES} min`, urls: [url(ctx, k.path)], headers: k.headers, amount, connections: 16, rate: time.realRate(amount / (HOUR_FLOOD_MINUTES * 60)) }));
        }),
      )
    : Promise.resolve([]);
  // The tiers side by side, each on its own keys; then a rest; then RL-9 and RL-10 side by side.
  const quickTiers = await Promise.all(limited.map(([name, limits]) => tierLoad(ctx, name, limits, fresh, clock)));
  // The rest lets the tier loads' limits refill; with no tier loaded (too few keys), there is nothing to wait for.
  if (quickTiers.some((t) => t.skipped === undefined)) await time.sleep(REST_SECONDS * 1000);
  const [countRuns, spread] = await Promise.all([counts(), spreadLoad()]);
  const hours = await hourFloods;
  const tiers = quickTiers.map((t, i) => (hours[i] === undefined ? t : { ...t, hourFlood: hours[i] }));
  const { counted, unauthorizedFlood, afterUnauthorized } = countRuns;

  // RL-11: the edge probe, alone (its timing is to the second), on a fresh key of the lowest tier.
  let edge: EdgeProbe | undefined;
  if (lowest !== undefined) {
    const k = await fresh(lowest[0]);
    if (k !== undefined) edge = await edgeProbe({ tier: lowest[0], limits: lowest[1], url: url(ctx, k.path), headers: k.headers, time, clock });
  }

  // RL-7: an Unlimited key at the highest load this machine generates, alone, after the rest.
  let unlimited: LoadRun | undefined;
  const unlimitedTier = Object.entries(ctx.model.tiers).find(([, t]) => t === null)?.[0];
  if (unlimitedTier !== undefined) {
    const u = await fresh(unlimitedTier);
    if (u !== undefined) unlimited = inTarget(await drive({ label: 'unlimited: as fast as this machine sends', urls: [url(ctx, u.path)], headers: u.headers, amount: unlimitedAmount, connections: 64 }));
  }
  const runs = [...tiers.flatMap((t) => [t.burst, t.steady, t.flood, t.afterFlood, t.exhaust, t.hourFlood]), ...(counted ?? []).map((c) => c.run), unauthorizedFlood, afterUnauthorized, spread?.run, ...(edge?.runs ?? []), unlimited];
  ctx.client.count(runs.reduce((n, r) => n + (r === undefined ? 0 : r.samples.length + r.errors), 0));
  return {
    tiers,
    ...(counted !== undefined && counted.length > 0 ? { counted } : {}),
    ...(afterUnauthorized !== undefined ? { afterUnauthorized } : {}),
    ...(unauthorizedFlood !== undefined ? { unauthorizedFlood } : {}),
    ...(lowest !== undefined ? { countsTier: { tier: lowest[0], limits: lowest[1] } } : {}),
    ...(unlimited !== undefined ? { unlimited } : {}),
    ...(spread !== undefined ? { spread } : {}),
    ...(edge !== undefined ? { edge } : {}),
    clock,
  };
}
