// Faults in presenting and checking credentials (CRED, PREC, LEG, KEY): each the way a real
// deployment gets authentication wrong.
import { failureAnswer } from '../../contract/answer.js';
import { MODERN_KEY_PREFIX } from '../../contract/credentials.js';
import { KEY_ID_PREFIX, modernLookupId } from '../../contract/key-material.js';
import { unauthorized } from '../../contract/problem.js';
import type { KeyRecord } from '../../contract/types.js';
import type { Stores } from '../../contract/store-types.js';
import { authenticatedKey, headerValues, withHeaders, withoutHeader, wrapKeys, type Fault } from './fault.js';

/** Whether one credential header alone would authenticate now. */
const accepted = async (raw: string[], stores: Stores, now: number): Promise<boolean> => (await authenticatedKey(raw, stores, now)) !== undefined;

/** How long the late-revocation fault goes on accepting a revoked key (the mock's time). */
const REVOCATION_DELAY_MS = 30_000;

/** The spellings of the credential headers in CaseBender's docs: a case-sensitive reader knows only these. */
const DOCUMENTED_NAMES = new Set(['Authorization', 'X-Api-Key', 'x-api-key', 'x-api-secret']);
const CREDENTIAL_NAMES = new Set(['authorization', 'x-api-key', 'x-api-secret']);

export const CREDENTIAL_FAULTS: readonly Fault[] = [
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
    name: 'header-names-case-sensitive',
    breaks: ['CRED-4'],
    description: 'credential headers are read only in the spelling of the docs (a case-sensitive header map)',
    before: (facts) => {
      const raw: string[] = [];
      for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) {
        const name = facts.rawHeaders[i]!;
        if (!CREDENTIAL_NAMES.has(name.toLowerCase()) || DOCUMENTED_NAMES.has(name)) raw.push(name, facts.rawHeaders[i + 1]!);
      }
      return { ...facts, rawHeaders: raw };
    },
  },
  {
    name: 'bearer-scheme-case-sensitive',
    breaks: ['CRED-5'],
    description: 'Authorization must start with "Bearer " exactly: "bearer" or "BEARER" is refused as malformed',
    wrap: (next, env) => async (facts) => {
      const auth = headerValues(facts, 'authorization');
      const scheme = auth.length === 1 ? /^\s*(\S+)\s/.exec(auth[0]!)?.[1] : undefined;
      if (scheme === undefined || scheme === 'Bearer' || scheme.toLowerCase() !== 'bearer') return next(facts);
      return failureAnswer(unauthorized('malformed_credentials', 'The Authorization header must start with "Bearer ".', env.model.policy.realm, true));
    },
  },
  {
    name: 'key-checked-by-lookup-id',
    breaks: ['CRED-6'],
    description: 'a modern key is found by its lookup id and its secret part never compared: a key that differs after the id is accepted',
    keys: (store) =>
      wrapKeys(store, (r) => r, undefined, async (key) => {
        const exact = await store.findModern(key);
        if (exact !== undefined) return exact;
        const id = modernLookupId(key);
        const record = id === undefined ? undefined : await store.get(KEY_ID_PREFIX + id);
        return record?.kind === 'modern' ? record : undefined;
      }),
  },
  {
    name: 'query-string-key-accepted',
    breaks: ['CRED-8'],
    description: 'a key in ?api_key= is taken when no credential header is sent',
    before: (facts) => {
      const key = facts.query.get('api_key') ?? facts.query.get('apiKey');
      if (key === null || !key.startsWith(MODERN_KEY_PREFIX) || headerValues(facts, 'authorization').length + headerValues(facts, 'x-api-key').length > 0) return facts;
      return { ...facts, rawHeaders: [...facts.rawHeaders, 'Authorization', `Bearer ${key}`] };
    },
  },
  {
    name: 'x-api-key-beats-bearer',
    breaks: ['PREC-1'],
    description: 'when Bearer and X-Api-Key are both valid, X-Api-Key wins',
    before: async (facts, stores, now) => {
      const auth = headerValues(facts, 'authorization');
      const apiKey = headerValues(facts, 'x-api-key');
      if (auth.length !== 1 || apiKey.length !== 1 || !apiKey[0]!.trim().startsWith(MODERN_KEY_PREFIX)) return facts;
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
    name: 'duplicate-authorization-accepted',
    breaks: ['PREC-4'],
    description: 'of two Authorization headers the first is used (what a parser that keeps one value does)',
    before: (facts) => {
      const auth = headerValues(facts, 'authorization');
      if (auth.length < 2) return facts;
      const rest = withoutHeader(facts, 'authorization');
      return { ...rest, rawHeaders: [...rest.rawHeaders, 'Authorization', auth[0]!] };
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
      return withHeaders(answer, (h) => {
        delete h['Deprecation'];
        delete h['Link'];
        delete h['Sunset'];
      });
    },
  },
  {
    name: 'deprecation-on-every-answer',
    breaks: ['LEG-3'],
    description: 'Deprecation and Link are sent on every answer, modern credentials included (a global middleware)',
    wrap: (next, env) => async (facts) => {
      const answer = await next(facts);
      if (answer.headers['Deprecation'] !== undefined) return answer;
      return withHeaders(answer, (h) => {
        h['Deprecation'] = env.model.policy.legacy.deprecation;
        h['Link'] = env.model.policy.legacy.link;
      });
    },
  },
  {
    name: 'accept-revoked',
    breaks: ['KEY-3'],
    description: 'a revoked modern key is still accepted',
    keys: (store) => wrapKeys(store, (r) => (r !== undefined && r.kind === 'modern' && r.revokedAt !== undefined ? ({ ...r, revokedAt: undefined } as KeyRecord) : r)),
  },
  {
    name: 'revocation-takes-effect-late',
    breaks: ['KEY-3'],
    description: 'a revoked modern key goes on working for 30 s (a key lookup cached at the edge)',
    keys: (store, now) => wrapKeys(store, (r) => (r !== undefined && r.kind === 'modern' && r.revokedAt !== undefined && now() < r.revokedAt + REVOCATION_DELAY_MS ? ({ ...r, revokedAt: undefined } as KeyRecord) : r)),
  },
  {
    name: 'expiry-a-minute-late',
    breaks: ['KEY-2'],
    description: 'an expired key is accepted for one more minute (expiry compared with a clock a minute behind)',
    keys: (store) => wrapKeys(store, (r) => (r !== undefined && r.expiresAt !== undefined ? { ...r, expiresAt: r.expiresAt + 60_000 } : r)),
  },
  {
    name: 'suspended-key-usable',
    breaks: ['KEY-4'],
    description: 'a suspended modern key is still accepted',
    keys: (store) => wrapKeys(store, (r) => (r !== undefined && r.kind === 'modern' && r.suspended === true ? { ...r, suspended: false } : r)),
  },
];
