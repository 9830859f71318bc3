// Deliberately broken variants of the mock: each fault breaks one contract requirement the way a
// real deployment gets it wrong, and only that one. The suites must catch each under the
// requirement it names. Faults wrap the mock from outside (requests, answers, stores, one rule
// hook), so the clean mock's code path is the same with or without this module.
import { authenticate } from '../core/authenticate.js';
import type { Answer } from '../core/answer.js';
import { extractCredential } from '../core/credentials.js';
import type { RequestFacts, Rules } from '../core/handle-request.js';
import type { KeyRecord } from '../core/types.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { KeyStore, LimiterStore, Stores } from '../store/types.js';

export interface Fault {
  readonly name: string;
  /** The requirement IDs it breaks. */
  readonly breaks: readonly string[];
  readonly description: string;
  readonly keys?: (store: KeyStore) => KeyStore;
  readonly limiter?: (store: LimiterStore) => LimiterStore;
  readonly rules?: Partial<Rules>;
  readonly before?: (facts: RequestFacts, stores: Stores, now: number) => Promise<RequestFacts> | RequestFacts;
  readonly after?: (answer: Answer, facts: RequestFacts) => Answer;
  /** Shows only across several worker processes (--workers): a single process cannot break it. */
  readonly multiProcess?: true;
}

const withoutHeader = (facts: RequestFacts, name: string): RequestFacts => {
  const raw: string[] = [];
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) if (facts.rawHeaders[i]!.toLowerCase() !== name) raw.push(facts.rawHeaders[i]!, facts.rawHeaders[i + 1]!);
  return { ...facts, rawHeaders: raw };
};

const headerValues = (facts: RequestFacts, name: string) => {
  const out: string[] = [];
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) if (facts.rawHeaders[i]!.toLowerCase() === name) out.push(facts.rawHeaders[i + 1]!);
  return out;
};

/** Whether one credential header alone would authenticate now. */
async function accepted(raw: string[], stores: Stores, now: number): Promise<boolean> {
  const credential = extractCredential(raw);
  let record: KeyRecord | undefined;
  if (credential.kind === 'bearer' || credential.kind === 'x-api-key') record = await stores.keys.findModern(credential.key);
  else if (credential.kind === 'legacy') record = await stores.keys.findLegacy(credential.accessKey, credential.secret);
  return authenticate(credential, record, now, '').ok;
}

const wrapKeys = (store: KeyStore, map: (r: KeyRecord | undefined) => KeyRecord | undefined, legacy?: (accessKey: string) => Promise<KeyRecord | undefined>): KeyStore => ({
  findModern: async (key) => map(await store.findModern(key)),
  findLegacy: async (accessKey, secret) => map(legacy !== undefined ? await legacy(accessKey) : await store.findLegacy(accessKey, secret)),
  get: (id) => store.get(id),
  list: () => store.list(),
  put: (record) => store.put(record),
});

export const FAULTS: readonly Fault[] = [
  {
    name: 'accept-revoked',
    breaks: ['KEY-3'],
    description: 'a revoked modern key is still accepted',
    keys: (store) => wrapKeys(store, (r) => (r !== undefined && r.kind === 'modern' && r.revokedAt !== undefined ? { ...r, revokedAt: undefined } as KeyRecord : r)),
  },
  {
    name: 'forbid-missing-credentials',
    breaks: ['CRED-3'],
    description: 'a request without any credential gets 403 instead of 401',
    after: (answer) => {
      if (answer.status !== 401 || answer.body === undefined || !answer.body.includes('"missing_credentials"')) return answer;
      const headers = { ...answer.headers };
      delete headers['WWW-Authenticate'];
      return { ...answer, status: 403, headers, body: answer.body.replace('"status":401', '"status":403').replace('"title":"Unauthorized"', '"title":"Forbidden"') };
    },
  },
  {
    name: 'x-api-key-beats-bearer',
    breaks: ['PREC-1'],
    description: 'when Bearer and X-Api-Key are both valid, X-Api-Key wins',
    before: async (facts, stores, now) => {
      const auth = headerValues(facts, 'authorization');
      const apiKey = headerValues(facts, 'x-api-key');
      if (auth.length !== 1 || apiKey.length !== 1 || !apiKey[0]!.trim().startsWith('cbr_live_')) return facts;
      const both = (await accepted(['Authorization', auth[0]!], stores, now)) && (await accepted(['X-Api-Key', apiKey[0]!], stores, now));
      return both ? withoutHeader(facts, 'authorization') : facts;
    },
  },
  {
    name: 'fallback-past-invalid-bearer',
    breaks: ['PREC-2'],
    description: 'an invalid Bearer is skipped when X-Api-Key or a legacy pair is also sent',
    before: async (facts, stores, now) => {
      const auth = headerValues(facts, 'authorization');
      if (auth.length !== 1 || headerValues(facts, 'x-api-key').length === 0) return facts;
      return (await accepted(['Authorization', auth[0]!], stores, now)) ? facts : withoutHeader(facts, 'authorization');
    },
  },
  {
    name: 'ignore-legacy-secret',
    breaks: ['LEG-2'],
    description: 'a legacy pair is accepted whatever its secret',
    keys: (store) =>
      wrapKeys(
        store,
        (r) => r,
        async (accessKey) => (await store.list()).find((r) => r.kind === 'legacy' && r.accessKey === accessKey),
      ),
  },
  {
    name: 'no-deprecation-header',
    breaks: ['LEG-3'],
    description: 'answers to legacy pairs carry no Deprecation or Link header',
    after: (answer) => {
      if (answer.headers['Deprecation'] === undefined) return answer;
      const headers = { ...answer.headers };
      delete headers['Deprecation'];
      delete headers['Link'];
      delete headers['Sunset'];
      return { ...answer, headers };
    },
  },
  {
    name: 'list-shows-restricted',
    breaks: ['TLP-3'],
    description: 'lists include entities above the key’s TLP/PAP clearance',
    rules: { visibleTo: () => true },
  },
  {
    name: 'burst-off-by-one',
    breaks: ['RL-1'],
    description: 'the token bucket holds b − 1, so a rested key cannot send b at once',
    limiter: (store) => ({ take: (id, now, tier, algorithm) => store.take(id, now, { ...tier, burst: tier.burst - 1 }, algorithm), peek: (id) => store.peek(id) }),
  },
  {
    name: 'limits-per-ip',
    breaks: ['RL-6'],
    description: 'one limit for every key of a tier from the same client, as a per-IP limiter behaves',
    limiter: (store) => ({ take: (_id, now, tier, algorithm) => store.take(`shared:${tier.perMinute}`, now, tier, algorithm), peek: (id) => store.peek(id) }),
  },
  {
    name: 'retry-after-too-short',
    breaks: ['RL-8'],
    description: 'Retry-After is one second shorter than the wait',
    after: (answer) => (answer.status === 429 && answer.headers['Retry-After'] !== undefined ? { ...answer, headers: { ...answer.headers, 'Retry-After': String(Math.max(0, Number(answer.headers['Retry-After']) - 1)) } } : answer),
  },
  {
    name: 'remaining-does-not-fall',
    breaks: ['HDR-3'],
    description: 'X-RateLimit-Remaining on admitted answers is always the tier’s per-minute figure',
    after: (answer) =>
      answer.status !== 429 && answer.headers['X-RateLimit-Limit'] !== undefined ? { ...answer, headers: { ...answer.headers, 'X-RateLimit-Remaining': answer.headers['X-RateLimit-Limit'] } } : answer,
  },
  {
    name: 'reset-in-milliseconds',
    breaks: ['HDR-2'],
    description: 'X-RateLimit-Reset is a Unix time in milliseconds',
    after: (answer) => (answer.headers['X-RateLimit-Reset'] !== undefined ? { ...answer, headers: { ...answer.headers, 'X-RateLimit-Reset': String(Number(answer.headers['X-RateLimit-Reset']) * 1000) } } : answer),
  },
  {
    name: 'limits-per-process',
    breaks: ['RL-10'],
    description: 'with --workers, each process counts rate limits in its own memory (keys and entities still shared)',
    multiProcess: true,
    limiter: () => createMemoryStore().limiter,
  },
];

/** The faults that break a rate-limit requirement in one process (judged by the load suites). */
export const RATE_LIMIT_FAULTS: readonly Fault[] = FAULTS.filter((f) => f.multiProcess !== true && f.breaks.some((id) => id.startsWith('RL-') || id.startsWith('HDR-')));

/** The faults named, or an Error naming the unknown ones and the known ones. */
export function resolveFaults(names: readonly string[]): Fault[] {
  const unknown = names.filter((n) => !FAULTS.some((f) => f.name === n));
  if (unknown.length > 0) throw new Error(`unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.name).join(', ')}`);
  return FAULTS.filter((f) => names.includes(f.name));
}
