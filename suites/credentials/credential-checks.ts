// CRED: presenting a credential (contract CRED-1..8). Expected answers are the contract's words.
import { pass, skip, type Check } from '../harness/check.js';
import { accepted, acceptedRead, allAnswer, expectStatus, probe } from '../harness/expect.js';
import { credentialHeaders, MANGLINGS, mangle, type ModernKey } from '../harness/keyring.js';

const NO_READ = 'the profile gives no active modern key with a read it may make';

export const credentialChecks: Check[] = [
  {
    requirement: 'CRED-1',
    title: 'Authorization: Bearer with an active key is accepted',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern', 'bearer');
      if (read === undefined) return skip(NO_READ);
      return allAnswer(ctx, [probe('GET', read.path, credentialHeaders(read.key, 'bearer'))], accepted, 'CRED-1: Bearer with an active key is accepted');
    },
  },
  {
    requirement: 'CRED-2',
    title: 'X-Api-Key alone with an active key is accepted',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern', 'x-api-key');
      if (read === undefined) return skip(NO_READ);
      return allAnswer(ctx, [probe('GET', read.path, credentialHeaders(read.key, 'x-api-key'))], accepted, 'CRED-2: X-Api-Key alone is accepted');
    },
  },
  {
    requirement: 'CRED-3',
    title: 'no credential at all gets 401',
    async run(ctx) {
      return allAnswer(ctx, ['/alerts', '/cases?limit=1', '/users/me', '/api-keys'].map((p) => probe('GET', p, [])), 401, 'CRED-3: no credential → 401');
    },
  },
  {
    requirement: 'CRED-4',
    title: 'credential header names are case-insensitive, for all three methods',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip(NO_READ);
      const key = (read.key as ModernKey).key;
      const probes = [
        ...['authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'].map((n) => probe('GET', read.path, [[n, `Bearer ${key}`]])),
        ...['x-api-key', 'X-API-KEY', 'x-Api-KEY'].map((n) => probe('GET', read.path, [[n, key]])),
      ];
      const legacy = await acceptedRead(ctx, 'legacy');
      if (legacy !== undefined && legacy.key.kind === 'legacy') {
        for (const [k, s] of [['X-API-KEY', 'X-API-SECRET'], ['X-Api-Key', 'X-Api-Secret']] as const) {
          probes.push(probe('GET', legacy.path, [[k, legacy.key.accessKey], [s, legacy.key.secret]]));
        }
      }
      const verdict = await allAnswer(ctx, probes, accepted, 'CRED-4: field names are case-insensitive (RFC 9110 §5.1)');
      return verdict.outcome === 'pass' && legacy === undefined ? pass('Bearer and X-Api-Key only: the profile gives no active legacy pair') : verdict;
    },
  },
  {
    requirement: 'CRED-5',
    title: 'the Bearer scheme is case-insensitive',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern', 'bearer');
      if (read === undefined) return skip(NO_READ);
      const key = (read.key as ModernKey).key;
      return allAnswer(ctx, ['bearer', 'BEARER', 'BeArEr'].map((s) => probe('GET', read.path, [['Authorization', `${s} ${key}`]])), accepted, 'CRED-5: auth-scheme is case-insensitive (RFC 9110 §11.1)');
    },
  },
  {
    requirement: 'CRED-6',
    title: 'a flipped, missing or extra character, or another prefix, gets 401',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip(NO_READ);
      const key = (read.key as ModernKey).key;
      const probes = MANGLINGS.flatMap((how) => [
        probe('GET', read.path, [['Authorization', `Bearer ${mangle(key, how)}`]]),
        probe('GET', read.path, [['X-Api-Key', mangle(key, how)]]),
      ]);
      return allAnswer(ctx, probes, 401, 'CRED-6: the key value is exact');
    },
  },
  {
    requirement: 'CRED-7',
    title: 'another scheme, an empty token or a token with inner spaces gets 401, never 5xx',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip(NO_READ);
      const key = (read.key as ModernKey).key;
      const values = [`Basic ${Buffer.from(`user:${key}`).toString('base64')}`, `Token ${key}`, 'Bearer ', 'Bearer', `Bearer ${key.slice(0, 12)} ${key.slice(12)}`];
      return allAnswer(ctx, values.map((v) => probe('GET', read.path, [['Authorization', v]])), 401, 'CRED-7: a malformed Authorization is refused with 401');
    },
  },
  {
    requirement: 'CRED-8',
    title: 'a key in the query string is not accepted',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip(NO_READ);
      const key = encodeURIComponent((read.key as ModernKey).key);
      const sep = read.path.includes('?') ? '&' : '?';
      for (const name of ['api_key', 'apiKey', 'access_token']) {
        const exchange = await ctx.send(probe('GET', `${read.path}${sep}${name}=${key}`, []));
        const v = expectStatus(exchange, { test: (s) => s < 200 || s >= 300, text: 'a refusal (the query key ignored)' }, 'CRED-8: keys in URLs leak into logs and histories');
        if (v !== undefined) return v;
      }
      return pass();
    },
  },
];
