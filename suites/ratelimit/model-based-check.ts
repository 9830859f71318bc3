// Against a target whose clock the suite can move (the mock with --clock virtual): random
// sequences of clock moves and requests, each answer compared with the core model's decision
// for the same key at the same instant — status, X-RateLimit-*, Retry-After. Exact, not sampled.
import fc from 'fast-check';
import { decideRate, type LimiterState, type TierLimits } from '../../contract/index.js';
import { pass, skip, violation, type Check } from '../harness/check.js';
import { header, type Exchange } from '../harness/http-client.js';
import { virtualClock } from '../harness/virtual-clock.js';

const step = fc.record({ advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 70_000 })), requests: fc.integer({ min: 1, max: 6 }) });

export const modelBasedCheck: Check = {
  requirement: 'RL-3',
  title: 'model-based (virtual clock): every answer is the reference algorithm’s, step by step',
  level: 'REF',
  policy: 'rateLimitAlgorithm',
  async run(ctx) {
    if (!(await virtualClock(ctx))) return skip('needs a target whose clock the suite moves (the mock with --clock virtual)');
    const control = ctx.control!;
    const tiers = Object.entries(ctx.model.tiers).filter((e): e is [string, TierLimits] => e[1] !== null && (ctx.rateLimit?.tiers === undefined || ctx.rateLimit.tiers.includes(e[0])));
    let problem: { text: string; exchange: Exchange } | undefined;
    let requests = 0;
    const result = await fc.check(
      fc.asyncProperty(fc.constantFrom(...tiers), fc.array(step, { minLength: 1, maxLength: 25 }), async ([tier, limits], steps) => {
        const key = await control.createKey({ tier, scopes: ['alerts:read'] });
        let state: LimiterState | undefined;
        for (const s of steps) {
          if (s.advanceMs > 0) await control.advance(s.advanceMs);
          const now = (await control.clock()).now;
          for (let i = 0; i < s.requests; i++) {
            const exchange = await ctx.client.send({ method: 'GET', path: '/alerts?limit=1', headers: [['Authorization', `Bearer ${key.key!}`]] });
            requests++;
            const d = decideRate(state, now, limits, ctx.model.policy.rateLimitAlgorithm);
            state = d.state;
            const want = { status: d.allowed ? 200 : 429, limit: String(d.limit), remaining: String(d.remaining), reset: String(d.reset), retryAfter: d.retryAfter === undefined ? undefined : String(d.retryAfter) };
            const got = { status: exchange.status, limit: header(exchange, 'x-ratelimit-limit'), remaining: header(exchange, 'x-ratelimit-remaining'), reset: header(exchange, 'x-ratelimit-reset'), retryAfter: header(exchange, 'retry-after') };
            const differing = (Object.keys(want) as (keyof typeof want)[]).filter((k) => String(want[k]) !== String(got[k]));
            if (differing.length > 0) {
              problem = { text: `${tier} key, clock ${new Date(now).toISOString()}: ${differing.map((k) => `${k} ${JSON.stringify(got[k] ?? null)} (model: ${JSON.stringify(want[k] ?? null)})`).join(', ')}`, exchange };
              return false;
            }
          }
        }
        return true;
      }),
      { seed: ctx.fc.seed, numRuns: Math.min(ctx.fc.numRuns, 20), endOnFailure: true },
    );
    if (!result.failed) return pass(`${result.numRuns} random sequences, ${requests} requests, seed ${ctx.fc.seed}`);
    return violation({ summary: `counterexample (seed ${ctx.fc.seed}): ${problem?.text ?? 'failed'}`, ...(problem !== undefined ? { exchange: problem.exchange } : {}), why: `RL (REF): the ${ctx.model.policy.rateLimitAlgorithm} as the core model computes it` });
  },
};
