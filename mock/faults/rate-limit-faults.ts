// Faults in rate limiting (RL) and its headers (HDR): a limiter store wrapped, or the headers of
// its answers written wrong.
import { extractCredential } from '../../contract/credentials.js';
import type { RequestFacts } from '../../contract/handle-request.js';
import { decideRate } from '../../contract/limits/index.js';
import { createRouter, relativePath } from '../../contract/router.js';
import { missingScopes } from '../../contract/scopes.js';
import type { LimiterStore } from '../../contract/store-types.js';
import { createMemoryStore, memoryLimiter } from '../store/memory-store.js';
import { authenticatedKey, withHeaders, type Fault } from './fault.js';

/**
 * A limiter that only looks: it decides from the key's state as it stands, records nothing, and
 * lets the request on to the checks after it (a refusal found later is then never counted).
 */
const lookOnly = (store: LimiterStore): LimiterStore => ({
  take: async (id, now, tier, algorithm) => ({ ...decideRate(await store.peek(id), now, tier, algorithm), allowed: true }),
  peek: (id) => store.peek(id),
});

/** A limiter whose key ids carry a prefix: a second node's own state. */
const ownState = (store: LimiterStore, node: string): LimiterStore => ({ take: (id, now, tier, algorithm) => store.take(`${node}:${id}`, now, tier, algorithm), peek: (id) => store.peek(`${node}:${id}`) });

export const LIMIT_FAULTS: readonly Fault[] = [
  {
    name: 'burst-off-by-one',
    breaks: ['RL-1'],
    description: 'the token bucket holds b − 1, so a rested key cannot send b at once',
    limiter: (store) => ({ take: (id, now, tier, algorithm) => store.take(id, now, { ...tier, burst: tier.burst - 1 }, algorithm), peek: (id) => store.peek(id) }),
  },
  {
    name: 'burst-plus-five',
    breaks: ['RL-3', 'RL-11'],
    description: 'the token bucket holds b + 5, so a minute admits m + b + 5 (an off-by-some capacity)',
    limiter: (store) => ({ take: (id, now, tier, algorithm) => store.take(id, now, { ...tier, burst: tier.burst + 5 }, algorithm), peek: (id) => store.peek(id) }),
  },
  {
    name: 'fixed-window-anchored-per-key',
    breaks: ['RL-11'],
    description: 'a fixed window of m + b anchored at each key’s first request (the default of @fastify/rate-limit and express-rate-limit): twice that passes around its edge, which an evenly paced flood never shows',
    limiter: () => memoryLimiter('fixed-window-per-key'),
  },
  {
    name: 'too-many-as-forbidden',
    breaks: ['RL-5'],
    description: 'over the limit the answer is 403 (as some gateways send), not 429',
    after: (answer) => (answer.status === 429 && answer.body !== undefined ? { ...answer, status: 403, body: answer.body.replace('"status":429', '"status":403').replace('"title":"Too Many Requests"', '"title":"Forbidden"') } : answer),
  },
  {
    name: 'limits-per-ip',
    breaks: ['RL-6'],
    description: 'one limit for every key of a tier from the same client, as a per-IP limiter behaves',
    limiter: (store) => ({ take: (_id, now, tier, algorithm) => store.take(`shared:${tier.perMinute}`, now, tier, algorithm), peek: (id) => store.peek(id) }),
  },
  {
    name: 'limits-per-node',
    breaks: ['RL-10'],
    description: 'each node (here: each base URL, /api and /api/v1) keeps its own limiter state, as an in-process limiter behind a load balancer does',
    wrap: (next, env) => {
      const other = env.handlerWith((stores) => ({ ...stores, limiter: ownState(stores.limiter, 'node-2') }));
      return (facts) => (facts.pathname.startsWith('/api/v1') ? next(facts) : other(facts));
    },
  },
  {
    name: 'scope-refusals-not-counted',
    breaks: ['RL-9'],
    description: 'a request refused 403 for a scope the key lacks is not counted (the scope is checked before the limiter)',
    wrap: (next, env) => {
      const uncounted = env.handlerWith((stores) => ({ ...stores, limiter: lookOnly(stores.limiter) }));
      const route = createRouter(env.model.operations);
      // Whether the request's key is active and lacks a scope of the operation it addresses.
      const lacksScope = async (facts: RequestFacts): Promise<boolean> => {
        const relative = relativePath(facts.pathname);
        const match = relative === undefined ? undefined : route(facts.method, relative);
        if (match?.kind !== 'operation') return false;
        const key = await authenticatedKey(facts.rawHeaders, env.stores, env.now());
        return key !== undefined && missingScopes(key.scopes, match.operation.scopes, env.model.policy).length > 0;
      };
      return async (facts) => ((await lacksScope(facts)) ? uncounted(facts) : next(facts));
    },
  },
  {
    name: 'no-retry-after',
    breaks: ['RL-8'],
    description: 'a 429 carries no Retry-After',
    after: (answer) => (answer.status === 429 && answer.headers['Retry-After'] !== undefined ? withHeaders(answer, (h) => delete h['Retry-After']) : answer),
  },
  {
    name: 'retry-after-too-short',
    breaks: ['RL-8'],
    description: 'Retry-After is one second shorter than the wait',
    after: (answer) => (answer.status === 429 && answer.headers['Retry-After'] !== undefined ? withHeaders(answer, (h) => (h['Retry-After'] = String(Math.max(0, Number(h['Retry-After']) - 1)))) : answer),
  },
  {
    name: 'no-ratelimit-headers-on-429',
    breaks: ['HDR-1'],
    description: 'a 429 carries no X-RateLimit-* headers (written by the handler, which a refusal never reaches)',
    after: (answer) =>
      answer.status === 429 && answer.headers['X-RateLimit-Limit'] !== undefined
        ? withHeaders(answer, (h) => {
            delete h['X-RateLimit-Limit'];
            delete h['X-RateLimit-Remaining'];
            delete h['X-RateLimit-Reset'];
          })
        : answer,
  },
  {
    name: 'reset-in-milliseconds',
    breaks: ['HDR-2'],
    description: 'X-RateLimit-Reset is a Unix time in milliseconds',
    after: (answer) => (answer.headers['X-RateLimit-Reset'] !== undefined ? withHeaders(answer, (h) => (h['X-RateLimit-Reset'] = String(Number(h['X-RateLimit-Reset']) * 1000))) : answer),
  },
  {
    name: 'remaining-does-not-fall',
    breaks: ['HDR-3'],
    description: 'X-RateLimit-Remaining on admitted answers is always the tier’s per-minute figure',
    after: (answer) => (answer.status !== 429 && answer.headers['X-RateLimit-Limit'] !== undefined ? withHeaders(answer, (h) => (h['X-RateLimit-Remaining'] = h['X-RateLimit-Limit']!)) : answer),
  },
  {
    name: 'ratelimit-headers-for-unlimited',
    breaks: ['HDR-4'],
    description: 'answers to Unlimited keys carry X-RateLimit-* headers with a made-up limit',
    wrap: (next, env) => async (facts) => {
      const answer = await next(facts);
      if (answer.status === 401 || answer.headers['X-RateLimit-Limit'] !== undefined || extractCredential(facts.rawHeaders).kind === 'none') return answer;
      return withHeaders(answer, (h) => {
        h['X-RateLimit-Limit'] = '1000000';
        h['X-RateLimit-Remaining'] = '1000000';
        h['X-RateLimit-Reset'] = String(Math.ceil(env.now() / 1000) + 60);
      });
    },
  },
  {
    name: 'ietf-ratelimit-disagrees',
    breaks: ['HDR-5'],
    description: 'IETF RateLimit-Policy/RateLimit headers are sent too, but RateLimit says one more request remains than X-RateLimit-Remaining',
    wrap: (next, env) => async (facts) => {
      const answer = await next(facts);
      const remaining = answer.headers['X-RateLimit-Remaining'];
      if (remaining === undefined) return answer;
      return withHeaders(answer, (h) => {
        h['RateLimit-Policy'] = `"default";q=${h['X-RateLimit-Limit']!};w=60`;
        h['RateLimit'] = `"default";r=${Number(remaining) + 1};t=${Math.max(0, Number(h['X-RateLimit-Reset']) - Math.floor(env.now() / 1000))}`;
      });
    },
  },
  {
    name: 'limits-per-process',
    breaks: ['RL-10'],
    description: 'with --workers, each process counts rate limits in its own memory (keys and entities still shared)',
    multiProcess: true,
    limiter: () => createMemoryStore().limiter,
  },
];
