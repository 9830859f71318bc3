// ERR: error answers (contract ERR-1..5).
import { pass, skip, violation, type Check, type CheckContext } from '../harness/check.js';
import type { Exchange } from '../harness/http-client.js';
import { acceptedRead, expectStatus, header, notServerError, probe } from '../harness/expect.js';
import { jsonBody } from '../harness/http-client.js';
import { activeKeys, credentialHeaders, mangle, stateOf, unknownModernKey, type ModernKey } from '../harness/keyring.js';
import { scopeMatrix, UNKNOWN_ID } from '../scopes/scope-matrix.js';

/** Answers of each error status this run can provoke without harm. */
async function errorAnswers(ctx: CheckContext): Promise<Exchange[]> {
  const out: Exchange[] = [await ctx.send(probe('GET', '/alerts', []))];
  const read = await acceptedRead(ctx);
  if (read !== undefined) {
    out.push(await ctx.send(probe('GET', '/alerts?limit=1000', credentialHeaders(read.key))));
    out.push(await ctx.send(probe('GET', `/alerts/${UNKNOWN_ID}`, credentialHeaders(read.key))));
  }
  const refused = (await scopeMatrix(ctx)).find((c) => c.expected === 403 && c.exchange.status === 403);
  if (refused !== undefined) out.push(refused.exchange);
  return out;
}

export const errorChecks: Check[] = [
  {
    requirement: 'ERR-1',
    title: '4xx bodies are problem+json with type, title, status, detail and code',
    async run(ctx) {
      const answers = (await errorAnswers(ctx)).filter((e) => [400, 401, 403, 404, 429].includes(e.status));
      if (answers.length === 0) return skip('no 400, 401, 403, 404 or 429 was answered to inspect (see CRED-3, KEY-1, SCOPE-1)');
      for (const e of answers) {
        const type = (header(e, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
        const body = jsonBody(e);
        const missing = ['type', 'title', 'status', 'detail', 'code'].filter((f) => body?.[f] === undefined);
        if (type !== 'application/problem+json' || missing.length > 0 || body?.['status'] !== e.status) {
          return violation({
            summary: `a ${e.status} answer: ${type !== 'application/problem+json' ? `Content-Type ${JSON.stringify(type)}` : missing.length > 0 ? `no ${missing.join(', ')}` : `status ${JSON.stringify(body?.['status'])} in the body`}`,
            exchange: e,
            expected: 'application/problem+json with type, title, status (= the HTTP status), detail, code',
            why: 'ERR-1: RFC 9457 problem details',
          });
        }
      }
      return pass(`statuses ${[...new Set(answers.map((a) => a.status))].join(', ')}`);
    },
  },
  {
    requirement: 'ERR-2',
    title: 'a 401 carries WWW-Authenticate: Bearer, with error="invalid_token" when a credential was refused',
    async run(ctx) {
      const none = await ctx.send(probe('GET', '/alerts', []));
      if (none.status === 401) {
        const challenge = header(none, 'www-authenticate');
        if (challenge === undefined || !/^bearer\b/i.test(challenge) || /error=/.test(challenge)) {
          return violation({ summary: `a 401 to a request without credentials has WWW-Authenticate ${JSON.stringify(challenge ?? null)}`, exchange: none, expected: 'Bearer (with no error parameter)', why: 'ERR-2: RFC 9110 §15.5.2, RFC 6750 §3.1' });
        }
      }
      const refused = await ctx.send(probe('GET', '/alerts', [['Authorization', `Bearer ${unknownModernKey()}`]]));
      if (refused.status === 401) {
        const challenge = header(refused, 'www-authenticate');
        if (challenge === undefined || !/^bearer\b/i.test(challenge) || !/error="invalid_token"/.test(challenge)) {
          return violation({ summary: `a 401 to a refused key has WWW-Authenticate ${JSON.stringify(challenge ?? null)}`, exchange: refused, expected: 'Bearer ..., error="invalid_token"', why: 'ERR-2: RFC 6750 §3.1' });
        }
      }
      return none.status === 401 || refused.status === 401 ? pass() : skip('no 401 was answered to inspect (see CRED-3, KEY-1)');
    },
  },
  {
    requirement: 'ERR-3',
    title: 'no answer contains the presented key or secret',
    async run(ctx) {
      const read = await acceptedRead(ctx);
      if (read === undefined) return skip('the profile gives no active modern key');
      const key = (read.key as ModernKey).key;
      const presented = [key, mangle(key, 'flip-middle'), mangle(key, 'extend')];
      const probes = [
        probe('GET', '/alerts', [['Authorization', presented[1]!]]),
        probe('GET', '/alerts', [['Authorization', `Token ${presented[0]}`]]),
        probe('GET', '/alerts', [['Authorization', `Bearer ${presented[1]}`]]),
        probe('GET', '/alerts', [['X-Api-Key', presented[2]!]]),
        probe('GET', '/alerts', [['Authorization', `Bearer ${presented[0]}`], ['Authorization', `Bearer ${presented[0]}`]]),
        probe('GET', `/alerts?api_key=${presented[0]}`, []),
      ];
      for (const pair of ctx.profile.keys.filter((k) => k.kind === 'legacy').slice(0, 1)) {
        if (pair.kind === 'legacy') {
          presented.push(pair.secret);
          probes.push(probe('GET', '/alerts', [['x-api-key', pair.accessKey], ['x-api-secret', mangle(pair.secret, 'flip-last')]]));
          presented.push(mangle(pair.secret, 'flip-last'));
        }
      }
      for (const p of probes) {
        const e = await ctx.send(p);
        const text = e.body + '\n' + Object.entries(e.headers).map(([n, v]) => `${n}: ${v.join(', ')}`).join('\n');
        const echoed = presented.find((secret) => text.includes(secret) || text.includes(secret.slice(-24)));
        if (echoed !== undefined) return violation({ summary: `the answer to ${p.method} ${p.path} contains the presented key or secret (or its last 24 characters)`, exchange: e, expected: 'no key material in any answer', why: 'ERR-3: errors end up in logs' });
      }
      return pass(`${probes.length} refused requests`);
    },
  },
  {
    requirement: 'ERR-4',
    title: 'checks run in order: authentication, rate limit, scope, TLP/PAP, validation, existence',
    async run(ctx) {
      const steps: { summary: string; run: () => Promise<ReturnType<typeof expectStatus>> }[] = [];
      // A key the target itself refuses (401) on a read: it must be refused, not forbidden, on an admin operation too.
      for (const refused of ctx.profile.keys.filter((k) => stateOf(k) !== 'active' && !k.scopes.includes('admin:*'))) {
        if ((await ctx.send(probe('GET', '/alerts?limit=1', credentialHeaders(refused)))).status !== 401) continue;
        steps.push({ summary: 'authentication before scope', run: async () => expectStatus(await ctx.send(probe('POST', '/api-keys', credentialHeaders(refused), {})), 401, 'ERR-4: 401 before 403') });
        break;
      }
      const noScope = (await scopeMatrix(ctx)).find((c) => c.expected === 403 && c.operation.path.includes('{id}') && c.operation.method !== 'GET');
      if (noScope !== undefined) steps.push({ summary: 'scope before validation and existence', run: async () => expectStatus(await ctx.send(noScope.probe), 403, 'ERR-4: 403 before 400 and 404') });
      const writer = activeKeys(ctx.profile).find((k) => k.scopes.includes('alerts:write') || k.scopes.includes('admin:*'));
      if (writer !== undefined) {
        steps.push({ summary: 'validation before existence', run: async () => expectStatus(await ctx.send(probe('PATCH', `/alerts/${UNKNOWN_ID}`, credentialHeaders(writer), { fields: { severity: 99 } })), 400, 'ERR-4: 400 before 404') });
        const restricted = (ctx.profile.entities ?? []).find((e) => e.type === 'alerts' && (e.tlp ?? 0) > (writer.tlpClearance ?? 4));
        if (restricted !== undefined) steps.push({ summary: 'clearance before validation', run: async () => expectStatus(await ctx.send(probe('PATCH', `/alerts/${restricted.id}`, credentialHeaders(writer), { fields: { severity: 99 } })), 403, 'ERR-4: 403 (TLP) before 400') });
      }
      if (steps.length === 0) return skip('the profile gives no keys to order the checks with');
      for (const step of steps) {
        const v = await step.run();
        if (v !== undefined) return v;
      }
      return pass(steps.map((s) => s.summary).join('; '));
    },
  },
  {
    requirement: 'ERR-5',
    title: 'malformed input never yields 5xx: oversize headers 431, oversize bodies 413, bad JSON 400',
    async run(ctx) {
      const writer = activeKeys(ctx.profile).find((k) => k.scopes.includes('alerts:write') || k.scopes.includes('admin:*'));
      const auth = writer === undefined ? [] : credentialHeaders(writer);
      const cases = [
        { p: probe('GET', '/alerts', [...auth, ['X-Padding', 'x'.repeat(64 * 1024)]]), want: 431 },
        { p: probe('POST', '/alerts', auth, `{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`), want: 413 },
        { p: probe('POST', '/alerts', auth, '{"title": "unterminated'), want: 400 },
      ];
      for (const c of cases) {
        let e: Exchange;
        try {
          e = await ctx.send(c.p);
        } catch (error) {
          // The client takes an answer that began before a reset as the answer (a 413 sent while the
          // body was still going out): only a connection that ended before any answer is blamed.
          return violation({ summary: `${c.p.method} ${c.p.path} (${c.want === 431 ? 'oversize headers' : c.want === 413 ? 'oversize body' : 'bad JSON'}): no answer came before the connection ended: ${(error as Error).message}`, expected: String(c.want), why: 'ERR-5: malformed input gets a clear 4xx' });
        }
        const server = expectStatus(e, notServerError, 'ERR-5: malformed input never yields 5xx');
        if (server !== undefined) return server;
        const exact = expectStatus(e, c.want, 'ERR-5');
        if (exact !== undefined && (writer !== undefined || c.want === 431)) return exact;
      }
      return pass(writer === undefined ? 'bodies sent without a key that may write (statuses not compared)' : undefined);
    },
  },
];
