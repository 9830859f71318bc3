// RL and HDR: per-key rate limits and their headers (contract RL-1..11, HDR-1..5), judged over the
// load the observations module sends once per run. Every time they read is the target's: samples
// are stored in target time (TargetTime.restate), and no check converts with the time scale itself.
import { pass, skip, violation, type Check, type CheckContext, type Verdict } from '../harness/check.js';
import type { LoadRun, Sample } from './load-driver.js';
import { observations, type Observations, type TierObservations } from './observations.js';
import { describeAlgorithm, fingerprint, maxInWindow, MINUTE, perLimiterWindow, wholeNumber, type Fingerprint } from './windows.js';
import type { EdgeProbe } from './edge-probe.js';

/**
 * A refusal by the limiter, whatever its status: 429, or the 403 or 5xx a deployment may wrongly
 * answer instead (the load's keys may make its reads). RL-5 judges the status; the other checks
 * judge the amount admitted, so a wrong status is blamed once, under RL-5.
 */
const isRefusal = (s: Sample) => s.status === 429 || s.status === 403 || s.status >= 500;
const ok = (s: Sample) => !isRefusal(s);
const describeSample = (run: LoadRun, s: Sample) => `${run.label}: answer ${s.status} at ${(s.at / 1000).toFixed(2)} s (target time)`;

/** Arrival times in target milliseconds of the admitted answers of a run. */
const admittedTimes = (run: LoadRun) => run.samples.filter(ok).map((s) => s.at);

/**
 * The slack a count over arrival times needs: an answer arrives up to one latency after its
 * decision, so a window over arrivals covers decisions from a span longer by the spread of the
 * latencies (target ms, as the samples). Measured per run; without latencies, the mean interval.
 */
function slack(run: LoadRun, perMinute: number): number {
  let spread = 0;
  for (const s of run.samples) if (s.latency !== undefined && s.latency > spread) spread = s.latency;
  if (spread === 0) spread = run.durationMs / Math.max(1, run.samples.length);
  return Math.ceil((perMinute * spread) / MINUTE) + 1;
}

type TierJudge = (t: Required<Pick<TierObservations, 'burst' | 'steady' | 'flood' | 'afterFlood'>> & TierObservations, o: Observations) => string | undefined;

/** Runs a judgement over every limited tier that could be loaded; the first problem is the evidence. */
async function perTier(ctx: CheckContext, judgeTier: TierJudge, note: string): Promise<Verdict> {
  const o = await observations(ctx);
  const loaded = o.tiers.filter((t) => t.skipped === undefined);
  if (loaded.length === 0) return skip(o.tiers[0]?.skipped ?? 'the model has no limited tier');
  for (const t of loaded) {
    const problem = judgeTier(t as Parameters<TierJudge>[0], o);
    if (problem !== undefined) return violation({ summary: `${t.tier} (m = ${t.limits.perMinute}, h = ${t.limits.perHour}, b = ${t.limits.burst}): ${problem}`, why: note });
  }
  const skipped = o.tiers.filter((t) => t.skipped !== undefined).map((t) => t.skipped);
  return pass(`${loaded.map((t) => t.tier).join(', ')}${skipped.length > 0 ? `; not loaded: ${skipped.join('; ')}` : ''}`);
}

const firstRefused = (run: LoadRun) => run.samples.find(isRefusal);
const first429 = (run: LoadRun) => run.samples.find((s) => s.status === 429);
const refusals = (run: LoadRun) => run.samples.filter(isRefusal).length;

/** Every sample of limited keys, with the run it belongs to. */
function limitedSamples(o: Observations): { run: LoadRun; sample: Sample; perMinute: number }[] {
  const out: { run: LoadRun; sample: Sample; perMinute: number }[] = [];
  for (const t of o.tiers) {
    for (const run of [t.burst, t.steady, t.flood, t.afterFlood, t.exhaust, t.hourFlood]) if (run !== undefined) for (const sample of run.samples) out.push({ run, sample, perMinute: t.limits.perMinute });
  }
  if (o.countsTier !== undefined) for (const run of [...(o.counted ?? []).map((c) => c.run), o.afterUnauthorized]) if (run !== undefined) for (const sample of run.samples) out.push({ run, sample, perMinute: o.countsTier.limits.perMinute });
  return out;
}

/** The most admitted in one window of a run: a 60-second window, or each of a fixed window's own minutes. */
function busiestWindow(run: LoadRun, fixed: boolean): number {
  if (fixed) return Math.max(0, ...perLimiterWindow(run.samples).values());
  return maxInWindow(admittedTimes(run), MINUTE).count;
}

/**
 * Whether a run admitted more than m + b in a window. `baseline` (RL-9, RL-10) is the tier's own
 * single-URL flood: a run that admits no more than that keeps the requirement judged, and a wrong
 * allowance itself is RL-3's to blame.
 */
function capProblem(run: LoadRun, perMinute: number, burst: number, fixed: boolean, baseline?: LoadRun): string | undefined {
  const allowance = Math.max(perMinute + burst, baseline === undefined ? 0 : busiestWindow(baseline, fixed));
  const what = allowance === perMinute + burst ? `m + b = ${allowance}` : `the ${allowance} the tier's own flood got (m + b = ${perMinute + burst})`;
  if (fixed) {
    for (const [reset, count] of perLimiterWindow(run.samples)) if (count > allowance) return `${count} admitted in the limiter window ending at ${reset}, more than ${what}`;
    return undefined;
  }
  const most = maxInWindow(admittedTimes(run), MINUTE);
  const tolerance = slack(run, perMinute);
  return most.count > allowance + tolerance ? `${most.count} admitted within 60 s (from ${(most.from / 1000).toFixed(1)} s of the run), more than ${what} (+${tolerance} for arrival jitter)` : undefined;
}

/**
 * The algorithm a tier's limiter behaves like: the edge probe's finding for its tier where it
 * told, else the tier's flood's.
 */
function algorithmOf(o: Observations, t: TierObservations): Fingerprint {
  if (o.edge !== undefined && o.edge.tier === t.tier && o.edge.fingerprint.kind !== 'unknown') return o.edge.fingerprint;
  const flood = t.flood;
  if (flood === undefined) return { kind: 'unknown', evidence: 'the tier was not flooded' };
  return fingerprint(flood, t.limits);
}

/** Whether the tier's admissions are counted per limiter window (RL-3): a fixed window, found or declared. */
function countsPerWindow(ctx: CheckContext, o: Observations, tier: string): boolean {
  const t = o.tiers.find((x) => x.tier === tier);
  return ctx.model.policy.rateLimitAlgorithm === 'fixed-window' || (t !== undefined && algorithmOf(o, t).kind === 'fixed-window');
}

/** RL-11 over the edge probe: more than m + b admitted within 60 s of the target's time. */
function edgeProblem(e: EdgeProbe): string | undefined {
  const window = e.limits.perMinute + e.limits.burst;
  // The answers of one spend arrive over its duration, decided anywhere within it.
  const tolerance = Math.ceil((e.limits.perMinute * e.spreadMs) / MINUTE) + 1;
  if (e.most.count <= window + tolerance) return undefined;
  return `the edge probe got ${e.most.count} admitted within 60 s, more than m + b = ${window} (+${tolerance} for arrival jitter): ${e.steps.join('; ')}`;
}

export const rateLimitChecks: Check[] = [
  {
    requirement: 'RL-1',
    title: 'a rested key gets b requests at once without a 429',
    run: (ctx) => perTier(ctx, (t, o) => {
      const refused = firstRefused(t.burst);
      return refused === undefined ? undefined : `${describeSample(t.burst, refused)} among ${t.limits.burst} concurrent requests`;
    }, 'RL-1: the burst is honoured'),
  },
  {
    requirement: 'RL-2',
    title: 'after the burst, 90% of m/60 a second gets no 429 for a full minute',
    run: (ctx) => perTier(ctx, (t, o) => {
      const refused = firstRefused(t.steady);
      return refused === undefined ? undefined : `${describeSample(t.steady, refused)}, paced at 90% of the rate`;
    }, 'RL-2: the rate is honoured'),
  },
  {
    requirement: 'RL-3',
    title: 'at most m + b non-429 answers a minute (each limiter window for a fixed window)',
    run: async (ctx) => {
      const o = await observations(ctx);
      let kind = '';
      const verdict = await perTier(ctx, (t) => {
        const fp = algorithmOf(o, t);
        kind ||= `${describeAlgorithm(fp)} (${t.tier}: ${fp.evidence})`;
        if (firstRefused(t.flood) === undefined) return `a flood at twice m + b a minute met no refusal in ${t.flood.samples.length} requests`;
        return capProblem(t.flood, t.limits.perMinute, t.limits.burst, countsPerWindow(ctx, o, t.tier));
      }, 'RL-3: the minute cap holds');
      return verdict.outcome === 'pass' ? pass(`${verdict.note}; behaves like a ${kind}`) : verdict;
    },
  },
  {
    requirement: 'RL-4',
    title: 'at most h + b non-429 answers an hour (--full: 65 minutes of target time per tier)',
    async run(ctx) {
      if (ctx.rateLimit?.full !== true) return skip('the hour cap takes an hour of target time per tier: run with --full');
      const o = await observations(ctx);
      const loaded = o.tiers.filter((t) => t.hourFlood !== undefined);
      if (loaded.length === 0) return skip('the profile gives no further unused key of a limited tier for the hour flood');
      for (const t of loaded) {
        const run = t.hourFlood!;
        const cap = t.limits.perHour + t.limits.burst;
        const most = maxInWindow(admittedTimes(run), 3_600_000);
        const tolerance = slack(run, t.limits.perHour / 60);
        if (most.count > cap + tolerance) return violation({ summary: `${t.tier}: ${most.count} admitted within an hour, more than h + b = ${cap} (+${tolerance} for arrival jitter)`, why: 'RL-4: the hour cap holds' });
        if (firstRefused(run) === undefined) return violation({ summary: `${t.tier}: a flood at 1.5 h an hour for 65 minutes met no 429 in ${run.samples.length} requests`, why: 'RL-4: the hour cap holds' });
      }
      return pass(loaded.map((t) => `${t.tier}: ${maxInWindow(admittedTimes(t.hourFlood!), 3_600_000).count} of h + b = ${t.limits.perHour + t.limits.burst} in the busiest hour`).join('; '));
    },
  },
  {
    requirement: 'RL-5',
    title: 'over the limit the answer is 429, not 403 or 5xx',
    run: (ctx) => perTier(ctx, (t, o) => {
      const wrong = t.flood.samples.find((s) => s.status !== 429 && (s.status < 200 || s.status >= 300));
      if (wrong !== undefined) return `${describeSample(t.flood, wrong)} during the flood (a refusal must be 429)`;
      return firstRefused(t.flood) === undefined ? `the flood was never refused (${t.flood.samples.length} answers)` : undefined;
    }, 'RL-5: 429 means too many requests'),
  },
  {
    requirement: 'RL-6',
    title: 'exhausting one key leaves another key of the same tier untouched',
    // Judged against the rested key's burst (RL-1's): a wrong burst size is RL-1's, not this one's.
    run: (ctx) => perTier(ctx, (t, o) => {
      const refused = refusals(t.afterFlood);
      return refused <= refusals(t.burst) ? undefined : `a key that sent nothing got ${refused} × 429 in a burst of b right after another key of its tier was exhausted (a rested key got ${refusals(t.burst)})`;
    }, 'RL-6: limits are per key'),
  },
  {
    requirement: 'RL-7',
    title: 'an Unlimited key never gets 429, at the highest load this machine sends',
    async run(ctx) {
      const o = await observations(ctx);
      const run = o.unlimited;
      if (run === undefined) return skip('the profile gives no unused active key of an Unlimited tier');
      const refused = firstRefused(run);
      if (refused !== undefined) return violation({ summary: describeSample(run, refused), why: 'RL-7: Unlimited means no limit' });
      const perTargetMinute = run.samples.length / (run.durationMs / MINUTE);
      const enterprise = Math.max(...Object.values(ctx.model.tiers).map((t) => t?.perMinute ?? 0));
      return pass(`${run.samples.length} requests at ${Math.round(perTargetMinute)} a target minute, ${(perTargetMinute / enterprise).toFixed(1)}× the largest tier's per-minute rate`);
    },
  },
  {
    requirement: 'RL-8',
    title: 'a 429 carries Retry-After in seconds, and a request after that delay is answered',
    run: (ctx) => perTier(ctx, (t, o) => {
      const bad = t.flood.samples.find((s) => s.status === 429 && (s.retryAfter === undefined || !/^\d+$/.test(s.retryAfter.trim())));
      if (bad !== undefined) return `${describeSample(t.flood, bad)} with Retry-After ${JSON.stringify(bad.retryAfter ?? null)}, not delay-seconds`;
      const bad2 = (t.exhaust?.samples ?? []).find((s) => s.status === 429 && (s.retryAfter === undefined || !/^\d+$/.test(s.retryAfter.trim())));
      if (bad2 !== undefined) return `${describeSample(t.exhaust!, bad2)} with Retry-After ${JSON.stringify(bad2.retryAfter ?? null)}, not delay-seconds`;
      // One request at a time cannot outpace the refill of a fast tier on a slow target (a shared
      // store, a distant deployment): with no 429 at all there, only the flood's Retry-Afters
      // (above) are judged. A 429 that came without a usable Retry-After is a finding.
      if (t.retry === undefined || t.retry.retryAfter === undefined) return first429(t.flood) === undefined || !(t.exhaust?.samples ?? []).some((s) => s.status === 429) ? undefined : `no 429 with a Retry-After came in ${t.exhaust?.samples.length ?? 0} requests one at a time`;
      return t.retry.status === 429 ? `a request sent Retry-After (${t.retry.retryAfter} s, target time) after a 429 arrived got 429 again` : undefined;
    }, 'RL-8: Retry-After tells clients when to come back'),
  },
  {
    requirement: 'RL-9',
    title: 'every authenticated request counts, whatever its answer; a 401 counts against no key',
    async run(ctx) {
      const o = await observations(ctx);
      if (o.countsTier === undefined || o.counted === undefined || o.afterUnauthorized === undefined) return skip('the profile gives no unused keys of a limited tier');
      const { perMinute, burst } = o.countsTier.limits;
      const baseline = o.tiers.find((t) => t.tier === o.countsTier!.tier)?.flood;
      const judged: string[] = [];
      const notProvoked: string[] = [];
      // Over the limit a deployment may answer 403 (RL-5 blames that): then a flood meant to get 403
      // cannot tell its own refusals from the limit's, and is left unjudged rather than misread.
      const limitAnswers403 = o.counted.some((c) => c.status !== 403 && c.run.samples.some((s) => s.status === 403)) && !o.counted.some((c) => c.run.samples.some((s) => s.status === 429));
      for (const { status, request, run } of o.counted) {
        const answered = [...new Set(run.samples.filter((s) => s.status !== 429).map((s) => s.status))];
        // A flood whose answers are not the refusal meant is still counted or not, but says nothing of that refusal.
        if (answered.length > 0 && !answered.includes(status)) {
          notProvoked.push(`${request} was answered ${answered.join('/')}, not ${status}`);
          continue;
        }
        if (status === 403 && limitAnswers403) {
          notProvoked.push(`${request}: over the limit this deployment answers 403 too (RL-5), so its scope refusals and its limit cannot be told apart`);
          continue;
        }
        // The limit's refusal is any refusal but the flood's own answer (a 403 flood: only a 429 or a 5xx).
        const limited = run.samples.find((s) => s.status !== status && isRefusal(s));
        if (limited === undefined) return violation({ summary: `${run.samples.length} requests answered ${answered.join('/') || 'nothing'} (${request}) at twice m + b a minute met no 429: they were not counted against the key`, why: `RL-9: ${status}s count` });
        // The flood's own refusals are what the limit admitted (a 403 is otherwise read as a limit's refusal).
        const admitted = { ...run, samples: run.samples.map((s) => (s.status === status ? { ...s, status: 200 } : s)) };
        const cap = capProblem(admitted, perMinute, burst, countsPerWindow(ctx, o, o.countsTier.tier), baseline);
        if (cap !== undefined) return violation({ summary: `requests answered ${status} (${request}): ${cap}`, why: `RL-9: ${status}s count` });
        judged.push(String(status));
      }
      const rested = o.tiers.find((t) => t.tier === o.countsTier!.tier)?.burst;
      const refused = refusals(o.afterUnauthorized);
      if (refused > (rested === undefined ? 0 : refusals(rested))) return violation({ summary: `a key whose wrong variants got ${o.unauthorizedFlood?.samples.length ?? 0} × 401 then got ${refused} × 429 in a burst of b (a rested key got ${rested === undefined ? 0 : refusals(rested)})`, why: 'RL-9: a 401 counts against no key' });
      if (judged.length === 0) return skip(`no refusal could be provoked to count${notProvoked.length > 0 ? `: ${notProvoked.join('; ')}` : ' (no fresh keys of a limited tier for the floods)'}`);
      return pass(`${judged.join(', ')} counted, 401 not${notProvoked.length > 0 ? `; not judged: ${notProvoked.join('; ')}` : ''}`);
    },
  },
  {
    requirement: 'RL-10',
    title: 'limits hold across every base URL of the deployment',
    async run(ctx) {
      const o = await observations(ctx);
      if (o.spread === undefined) return skip('the profile lists no other base URL of the deployment (target.extraBaseUrls)');
      const { run, limits } = o.spread;
      const baseline = o.tiers.find((t) => t.tier === o.spread!.tier)?.flood;
      const problem = capProblem(run, limits.perMinute, limits.burst, countsPerWindow(ctx, o, o.spread.tier), baseline);
      return problem === undefined ? pass(`${run.samples.length} requests over ${o.spread.urls.length} base URLs`) : violation({ summary: `${o.spread.tier}, load spread over ${o.spread.urls.length} base URLs: ${problem}`, why: 'RL-10: limits are global' });
    },
  },
  {
    requirement: 'RL-11',
    title: 'no 60-second window whatsoever holds more than m + b non-429 answers',
    async run(ctx) {
      const why = 'RL-11: a fixed window lets twice its allowance through across its edge';
      const o = await observations(ctx);
      const e = o.edge;
      // The edge probe first: where it shows the excess, it shows it plainly (twice m + b within seconds).
      const problem = e === undefined ? undefined : edgeProblem(e);
      if (e !== undefined && problem !== undefined) return violation({ summary: `${e.tier} (m = ${e.limits.perMinute}, b = ${e.limits.burst}): ${problem}`, why });
      const floods = await perTier(ctx, (t) => capProblem(t.flood, t.limits.perMinute, t.limits.burst, false), why);
      if (floods.outcome === 'violation') return floods;
      if (e === undefined) return floods.outcome === 'pass' ? pass(`${floods.note}; no edge probe (no further unused key of the lowest limited tier)`) : floods;
      const probe = `edge probe on ${e.tier}: at most ${e.most.count} of m + b = ${e.limits.perMinute + e.limits.burst} within 60 s; behaves like a ${describeAlgorithm(e.fingerprint)} (${e.fingerprint.evidence})`;
      return floods.outcome === 'pass' ? pass(`${floods.note}; ${probe}`) : pass(probe);
    },
  },
  {
    requirement: 'HDR-1',
    title: 'answers to a limited key carry X-RateLimit-Limit, -Remaining and -Reset, 429s included',
    async run(ctx) {
      const o = await observations(ctx);
      const all = limitedSamples(o).filter((x) => x.sample.status !== 401);
      const missing = all.find((x) => x.sample.limit === undefined || x.sample.remaining === undefined || x.sample.reset === undefined);
      if (all.length === 0) return skip('no answers to limited keys were recorded');
      return missing === undefined ? pass(`${all.length} answers`) : violation({ summary: `${describeSample(missing.run, missing.sample)} lacks ${['limit', 'remaining', 'reset'].filter((h) => missing.sample[h as 'limit'] === undefined).map((h) => `X-RateLimit-${h[0]!.toUpperCase()}${h.slice(1)}`).join(', ')}`, why: 'HDR-1: CaseBender’s OpenAPI document' });
    },
  },
  {
    requirement: 'HDR-2',
    title: 'X-RateLimit-Reset is Unix seconds, not past, at most 3600 s ahead',
    async run(ctx) {
      const o = await observations(ctx);
      // A quarter of a real second (a busy machine's timer jitter) and no less than 2 s; a clock
      // estimated from Date headers is known only to its uncertainty.
      const tolerance = Math.max(2, ctx.time.targetMs(250) / 1000) + o.clock.uncertaintyMs / 1000;
      let judged = 0;
      for (const { run, sample } of limitedSamples(o)) {
        if (sample.reset === undefined) continue;
        judged++;
        const now = (run.startedAt + sample.at) / 1000;
        const reset = Number(sample.reset);
        // The answer left the target up to its latency before it arrived: in target seconds, that
        // much earlier is still "not in the past".
        const lag = (sample.latency ?? 0) / 1000;
        if (!/^\d+$/.test(sample.reset.trim()) || reset < now - lag - tolerance || reset > now + 3600 + tolerance) {
          return violation({ summary: `${describeSample(run, sample)}: X-RateLimit-Reset ${sample.reset} against the target's clock ${Math.floor(now)} (${(reset - now).toFixed(0)} s ahead)`, expected: 'a Unix time in seconds within [now, now + 3600]', why: 'HDR-2' });
        }
      }
      return judged === 0 ? skip('no answer carried X-RateLimit-Reset (HDR-1 judges its absence)') : pass(`${judged} answers, judged against ${o.clock.describe()}`);
    },
  },
  {
    requirement: 'HDR-3',
    title: 'X-RateLimit-Limit is m; Remaining is a non-negative integer, 0 on a 429, rising no faster than the refill',
    async run(ctx) {
      const o = await observations(ctx);
      let judged = 0;
      for (const { run, sample, perMinute } of limitedSamples(o)) {
        if (sample.limit === undefined || sample.remaining === undefined) continue;
        judged++;
        if (sample.limit.trim() !== String(perMinute)) return violation({ summary: `${describeSample(run, sample)}: X-RateLimit-Limit ${sample.limit}, the tier's m is ${perMinute}`, why: 'HDR-3' });
        if (!/^\d+$/.test(sample.remaining.trim())) return violation({ summary: `${describeSample(run, sample)}: X-RateLimit-Remaining ${JSON.stringify(sample.remaining)}`, why: 'HDR-3: a non-negative integer' });
        if (sample.status === 429 && Number(sample.remaining) !== 0) return violation({ summary: `${describeSample(run, sample)}: X-RateLimit-Remaining ${sample.remaining} on a 429`, why: 'HDR-3: 0 on a 429' });
      }
      // Remaining must fall as a flood spends the allowance, and rise no faster than the tier's
      // algorithm refills (as the answers show it: the fingerprint): continuously for a bucket, at a
      // new window for a fixed window, as admissions age out for a sliding one.
      const refills: string[] = [];
      for (const t of o.tiers) {
        if (t.flood === undefined) continue;
        // Where the answers do not tell, the profile's algorithm (the reference's token bucket unless it declares another).
        const found = algorithmOf(o, t);
        const fp: Fingerprint = found.kind !== 'unknown' ? found : { kind: ctx.model.policy.rateLimitAlgorithm, evidence: `the declared algorithm; the answers did not tell (${found.evidence})` };
        refills.push(`${t.tier}: as a ${describeAlgorithm(fp)}${found.kind === 'unknown' ? ' (declared; the answers did not tell)' : ''}`);
        // Only pairs whose order of decision is certain are compared: a, whose answer had arrived
        // before b was sent, was decided before b. Requests in flight together (16 connections,
        // several nodes) may be decided in any order, and a request sent earlier can be decided
        // dozens of decisions later; comparing those in send order blamed correct targets.
        const admittedByArrival = t.flood.samples.filter((s) => ok(s) && wholeNumber(s.remaining) !== undefined).sort((x, y) => x.at - y.at);
        const sentAt = (s: (typeof admittedByArrival)[number]) => s.at - (s.latency ?? 0);
        const admitted = [...admittedByArrival].sort((x, y) => sentAt(x) - sentAt(y));
        const latest = Math.max(0, ...admitted.map((s) => s.latency ?? 0));
        /** How much Remaining may rise between a's decision and b's, or undefined when anything goes. */
        const mayRise = (a: Sample, b: Sample): number | undefined => {
          switch (fp.kind) {
            case 'token-bucket':
              // Decided after a was sent, b before it arrived: at most this much refill between them.
              return Math.ceil(((b.at - sentAt(a)) * t.limits.perMinute) / MINUTE);
            case 'fixed-window':
              return a.reset === b.reset ? 0 : undefined;
            case 'sliding-window': {
              // Admissions decided within (a's decision − 60 s, b's − 60 s] have aged out by b.
              const from = sentAt(a) - MINUTE;
              const to = b.at - MINUTE + latest;
              return admittedByArrival.filter((s) => s.at > from && s.at <= to).length;
            }
            case 'unknown':
              return undefined;
          }
        };
        let arrived = 0;
        for (const b of admitted) {
          // a: the last answer that had arrived when b was sent (the nearest certain predecessor).
          while (arrived < admittedByArrival.length && admittedByArrival[arrived]!.at <= sentAt(b)) arrived++;
          const a = admittedByArrival[arrived - 1];
          if (a === undefined) continue;
          const rise = mayRise(a, b);
          if (rise !== undefined && Number(b.remaining) > Number(a.remaining) + rise + 16) {
            return violation({ summary: `${t.tier} flood: X-RateLimit-Remaining rose from ${a.remaining} to ${b.remaining} within ${((b.at - sentAt(a)) / 1000).toFixed(2)} s (the first answer had arrived before the second request was sent${fp.kind === 'fixed-window' ? ', both in the window ending at ' + String(a.reset) : ''}), faster than a ${describeAlgorithm(fp)} refills (${fp.evidence})`, why: 'HDR-3 (REF): Remaining follows the algorithm' });
          }
        }
        const first = admitted[0];
        if (first !== undefined && admitted.length >= t.limits.burst && admitted.every((s) => s.remaining === first.remaining)) {
          return violation({ summary: `${t.tier} flood: X-RateLimit-Remaining stayed ${first.remaining} over ${admitted.length} admitted requests`, why: 'HDR-3: Remaining counts what is left' });
        }
      }
      return judged === 0 ? skip('no answer carried X-RateLimit-Limit and -Remaining (HDR-1 judges their absence)') : pass(`${judged} answers; Remaining's rises judged per tier, ${refills.join('; ')}`);
    },
  },
  {
    requirement: 'HDR-4',
    title: 'Unlimited keys get no X-RateLimit-* headers',
    async run(ctx) {
      const o = await observations(ctx);
      if (o.unlimited === undefined) return skip('the profile gives no unused active key of an Unlimited tier');
      const with_ = o.unlimited.samples.find((s) => s.limit !== undefined || s.remaining !== undefined || s.reset !== undefined);
      return with_ === undefined ? pass(`${o.unlimited.samples.length} answers`) : violation({ summary: `${describeSample(o.unlimited, with_)} carries X-RateLimit-* headers`, why: 'HDR-4 (REF)' });
    },
  },
  {
    requirement: 'HDR-5',
    title: 'IETF RateLimit / RateLimit-Policy headers, where sent, parse and agree with X-RateLimit-*',
    async run(ctx) {
      const o = await observations(ctx);
      if (limitedSamples(o).length === 0) return skip('no answers to limited keys were recorded');
      const sent = limitedSamples(o).filter((x) => x.sample.ratelimit !== undefined || x.sample.ratelimitPolicy !== undefined);
      if (sent.length === 0) return pass('the target sends no IETF RateLimit headers (nothing to compare)');
      for (const { run, sample } of sent) {
        const r = /(?:^|[;,\s])r=(\d+)/.exec(sample.ratelimit ?? '') ?? /remaining=(\d+)/.exec(sample.ratelimit ?? '');
        if (r === null) return violation({ summary: `${describeSample(run, sample)}: RateLimit ${JSON.stringify(sample.ratelimit)} has no remaining (r=)`, why: 'HDR-5' });
        if (sample.remaining !== undefined && r[1] !== sample.remaining.trim()) return violation({ summary: `${describeSample(run, sample)}: RateLimit says ${r[1]} remain, X-RateLimit-Remaining ${sample.remaining}`, why: 'HDR-5: the two must agree' });
      }
      return pass(`${sent.length} answers`);
    },
  },
];
