// The mock over HTTP, error answers (ERR-1 to ERR-4): problem+json, the 401 challenges, no
// answer echoing a key or secret, and the order in which the checks are made.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REALM_CHALLENGE, UNKNOWN_KEY, flip, requestsTo } from './server-test-kit.js';
import type { HeaderList, Reply } from './test-client.js';
import { apiKey, bearer, expectProblem, jsonRequest, legacy, startTestMock, withHeaders, type TestMock } from './test-server.js';
import type { ProblemCode } from '../../contract/problem.js';

/** Header names and values of an answer, and its body, as one searchable text (ERR-3). */
const everything = (reply: Reply): string => reply.rawHeaders.join('\n') + '\n' + reply.text;

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, raw, alertId } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

  describe('ERR — error answers', () => {
    it.each<[string, string, RequestInit, (m: TestMock) => Record<string, string>, number, string]>([
      ['400', '/alerts?limit=0', {}, (m) => bearer(m.key('read-write')), 400, 'invalid_query'],
      ['401', '/alerts', {}, () => ({}), 401, 'missing_credentials'],
      ['403', '/api-keys', {}, (m) => bearer(m.key('read-write')), 403, 'insufficient_scope'],
      ['404', '/alerts/alert_does_not_exist', {}, (m) => bearer(m.key('read-write')), 404, 'not_found'],
      ['415', '/alerts', { method: 'POST', body: 'title=x', headers: { 'Content-Type': 'text/plain' } }, (m) => bearer(m.key('read-write')), 415, 'unsupported_media_type'],
    ])('ERR-1: a %s is application/problem+json with type, title, status, detail and code', async (_name, path, init, headers, status, code) => {
      const reply = await api(path, withHeaders(init, headers(mock)));
      expectProblem(reply, status, code as ProblemCode);
    });

    it('ERR-2: a 401 without any credential challenges Bearer with the realm and no error', async () => {
      const reply = await api('/alerts');
      expectProblem(reply, 401, 'missing_credentials');
      expect(reply.headers.get('www-authenticate')).toBe(REALM_CHALLENGE);
    });

    it.each<[string, (m: TestMock) => Record<string, string>]>([
      ['an unknown key', () => bearer(UNKNOWN_KEY)],
      ['an expired key', (m) => bearer(m.key('expired'))],
      ['a revoked key', (m) => apiKey(m.key('revoked'))],
      ['a malformed Authorization', () => ({ Authorization: 'Token abc' })],
      ['a legacy pair with a wrong secret', (m) => legacy({ ...m.pair('legacy-rw'), secret: flip(m.pair('legacy-rw').secret, 0) })],
    ])('ERR-2: a 401 for %s challenges Bearer with the realm and error="invalid_token"', async (_name, headers) => {
      const reply = await api('/alerts', { headers: headers(mock) });
      expect(reply.status).toBe(401);
      const challenge = reply.headers.get('www-authenticate') ?? '';
      expect(challenge.startsWith(`${REALM_CHALLENGE}, `)).toBe(true);
      expect(challenge).toContain('error="invalid_token"');
    });

    it.each<[string, (m: TestMock) => { path?: string; method?: string; headers: HeaderList; presented: string[] }]>([
      ['Basic with the key', (m) => ({ headers: [['Authorization', `Basic ${m.key('read-write')}`]], presented: [m.key('read-write')] })],
      ['Token with the key', (m) => ({ headers: [['Authorization', `Token ${m.key('read-write')}`]], presented: [m.key('read-write')] })],
      ['the key without a scheme', (m) => ({ headers: [['Authorization', m.key('read-write')]], presented: [m.key('read-write')] })],
      ['the key with inner spaces', (m) => ({ headers: [['Authorization', `Bearer ${m.key('read-write')} x`]], presented: [m.key('read-write')] })],
      ['the key with one extra character', (m) => ({ headers: [['Authorization', `Bearer ${m.key('read-write')}Q`]], presented: [m.key('read-write') + 'Q'] })],
      ['a truncated key', (m) => ({ headers: [['X-Api-Key', m.key('read-write').slice(0, -1)]], presented: [m.key('read-write').slice(0, -1)] })],
      ['a revoked key', (m) => ({ headers: [['Authorization', `Bearer ${m.key('revoked')}`]], presented: [m.key('revoked')] })],
      ['the key twice', (m) => ({ headers: [['X-Api-Key', m.key('read-write')], ['X-Api-Key', m.key('read-write')]], presented: [m.key('read-write')] })],
      ['the key in the query string', (m) => ({ path: `/alerts?api_key=${m.key('read-write')}`, headers: [], presented: [m.key('read-write')] })],
      ['a wrong legacy secret', (m) => ({ headers: [['x-api-key', m.pair('legacy-rw').accessKey], ['x-api-secret', m.pair('legacy-read-only').secret]], presented: [m.pair('legacy-read-only').secret] })],
      ['a legacy secret alone', (m) => ({ headers: [['x-api-secret', m.pair('legacy-rw').secret]], presented: [m.pair('legacy-rw').secret] })],
      ['a read-only key without the scope', (m) => ({ method: 'DELETE', path: `/alerts/${m.entities('alerts')[0]!.id}`, headers: [['Authorization', `Bearer ${m.key('read-only')}`]], presented: [m.key('read-only')] })],
      ['a legacy pair without the scope', (m) => ({ path: '/api-keys', headers: [['x-api-key', m.pair('legacy-rw').accessKey], ['x-api-secret', m.pair('legacy-rw').secret]], presented: [m.pair('legacy-rw').secret] })],
      ['a valid key reading its user', (m) => ({ path: '/users/me', headers: [['Authorization', `Bearer ${m.key('read-write')}`]], presented: [m.key('read-write')] })],
    ])('ERR-3: no answer echoes the presented key or secret (%s)', async (_name, build) => {
      const { path = '/alerts', method = 'GET', headers, presented } = build(mock);
      const reply = await raw(path, headers, { method });
      expect(reply.status).toBeLessThan(500);
      const text = everything(reply);
      for (const secret of presented) expect(text).not.toContain(secret);
    });

    it('ERR-4: scope (403) is checked before TLP: a key with no scopes gets insufficient_scope for a TLP:RED alert', async () => {
      const created = await mock.control('POST', '/keys', { tier: 'unlimited', scopes: [], tlpClearance: 0 });
      const id = alertId((e) => e.tlp === 4);
      expectProblem(await api(`/alerts/${id}`, { headers: bearer(created.json<{ key: string }>().key) }), 403, 'insufficient_scope');
    });

    it('ERR-4: TLP (403) is checked before validation: an invalid PATCH of a TLP:RED alert by tlp-green is 403', async () => {
      const id = alertId((e) => e.tlp === 4);
      const reply = await api(`/alerts/${id}`, jsonRequest('PATCH', { fields: { severity: 99 } }, bearer(mock.key('tlp-green'))));
      expectProblem(reply, 403, 'tlp_restricted');
    });

    it('ERR-4: validation (400) is checked before existence: an invalid PATCH of an unknown alert is 400', async () => {
      const reply = await api('/alerts/alert_does_not_exist', jsonRequest('PATCH', { fields: { severity: 99 } }, bearer(mock.key('read-write'))));
      expectProblem(reply, 400, 'invalid_body');
    });

    it('ERR-4: authentication (401) comes first: a revoked key gets 401 for an operation it lacks the scope for', async () => {
      expectProblem(await api('/api-keys', { headers: bearer(mock.key('revoked')) }), 401, 'revoked_key');
    });
  });
});
