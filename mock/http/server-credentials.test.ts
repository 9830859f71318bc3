// The mock over HTTP, presenting credentials: Bearer, X-Api-Key and the legacy pair, their
// field names and schemes, malformed and wrong material (CRED), several at once (PREC), LEG.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NEW_ALERT, REALM_CHALLENGE, flip, requestsTo } from './server-test-kit.js';
import { send, type HeaderList } from './test-client.js';
import { apiKey, bearer, expectProblem, jsonRequest, legacy, rateLimitOf, startTestMock, type TestMock } from './test-server.js';
import type { ProblemCode } from '../../contract/problem.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, raw } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

  describe('CRED — presenting a credential', () => {
    it.each(['/api/v1', '/api'])('CRED-1: Authorization: Bearer with an active key is accepted under %s', async (base) => {
      const reply = await send(`${mock.server.origin}${base}/alerts`, { headers: bearer(mock.key('read-write')) });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/json');
      // GET /alerts answers a top-level array of alerts.
      const alerts = reply.json<{ id: string }[]>();
      expect(Array.isArray(alerts)).toBe(true);
      expect(alerts.map((a) => a.id).sort()).toEqual(mock.entities('alerts').map((e) => e.id).sort());
    });

    it.each(['/api/v1', '/api'])('CRED-2: X-Api-Key alone with an active key is accepted under %s', async (base) => {
      const reply = await send(`${mock.server.origin}${base}/alerts`, { headers: apiKey(mock.key('read-write')) });
      expect(reply.status).toBe(200);
    });

    it.each([
      ['GET', '/api/v1/alerts'],
      ['POST', '/api/v1/alerts'],
      ['GET', '/api/v1/users/me'],
      ['GET', '/api/v1/api-keys'],
      ['GET', '/api/cases'],
    ])('CRED-3: no credential at all gives 401 missing_credentials (%s %s)', async (method, path) => {
      const reply = await send(`${mock.server.origin}${path}`, method === 'POST' ? jsonRequest(method, NEW_ALERT) : { method });
      expectProblem(reply, 401, 'missing_credentials');
    });

    it.each(['authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'])('CRED-4: the field name %s is accepted for a Bearer key', async (name) => {
      const reply = await raw('/alerts', [[name, `Bearer ${mock.key('read-write')}`]]);
      expect(reply.status).toBe(200);
    });

    it.each(['x-api-key', 'X-API-KEY', 'x-Api-kEY'])('CRED-4: the field name %s is accepted for X-Api-Key', async (name) => {
      const reply = await raw('/alerts', [[name, mock.key('read-write')]]);
      expect(reply.status).toBe(200);
    });

    it.each([
      ['x-api-key', 'x-api-secret'],
      ['X-API-KEY', 'X-API-SECRET'],
      ['X-Api-Key', 'x-API-Secret'],
    ])('CRED-4: the legacy pair is accepted as %s + %s', async (keyName, secretName) => {
      const { accessKey, secret } = mock.pair('legacy-rw');
      const reply = await raw('/alerts', [
        [keyName, accessKey],
        [secretName, secret],
      ]);
      expect(reply.status).toBe(200);
    });

    it.each(['bearer', 'BEARER', 'BeArEr'])('CRED-5: the auth-scheme %s is accepted', async (scheme) => {
      const reply = await raw('/alerts', [['Authorization', `${scheme} ${mock.key('read-write')}`]]);
      expect(reply.status).toBe(200);
    });

    const variants: [string, (key: string) => string][] = [
      ['one character changed in the secret part', (k) => flip(k, k.length - 1)],
      ['one character changed in the lookup id', (k) => flip(k, 'cbr_live_'.length)],
      ['truncated by one character', (k) => k.slice(0, -1)],
      ['one extra character', (k) => k + 'A'],
      ['another prefix (cbr_test_)', (k) => 'cbr_test_' + k.slice('cbr_live_'.length)],
      ['upper-cased', (k) => k.toUpperCase()],
    ];

    it.each(variants)('CRED-6: a Bearer key %s gives 401 invalid_key', async (_name, change) => {
      const reply = await api('/alerts', { headers: bearer(change(mock.key('read-write'))) });
      expectProblem(reply, 401, 'invalid_key');
    });

    it.each(variants.slice(0, 4))('CRED-6: an X-Api-Key %s gives 401 invalid_key', async (_name, change) => {
      const reply = await api('/alerts', { headers: apiKey(change(mock.key('read-write'))) });
      expectProblem(reply, 401, 'invalid_key');
    });

    it('CRED-6: an X-Api-Key with another prefix and no secret gives 401 malformed_credentials', async () => {
      const reply = await api('/alerts', { headers: apiKey('cbr_test_' + mock.key('read-write').slice('cbr_live_'.length)) });
      expectProblem(reply, 401, 'malformed_credentials');
    });

    it.each<[string, (key: string) => string]>([
      ['Basic', () => `Basic ${Buffer.from('analyst:hunter2').toString('base64')}`],
      ['Token', (k) => `Token ${k}`],
      ['a bare key without scheme', (k) => k],
      ['Bearer with an empty token', () => 'Bearer'],
      ['Bearer followed by spaces only', () => 'Bearer    '],
      ['a token with inner spaces', (k) => `Bearer ${k.slice(0, 20)} ${k.slice(20)}`],
      ['two tokens', (k) => `Bearer ${k} ${k}`],
      ['an empty field', () => ''],
    ])('CRED-7: Authorization with %s gives 401 malformed_credentials, never a 5xx', async (_name, value) => {
      const reply = await raw('/alerts', [['Authorization', value(mock.key('read-write'))]]);
      expectProblem(reply, 401, 'malformed_credentials');
    });

    it.each(['api_key', 'apiKey'])('CRED-8: a key in the query string (?%s=) alone gives 401 missing_credentials', async (param) => {
      const reply = await api(`/alerts?${param}=${mock.key('read-write')}`);
      expectProblem(reply, 401, 'missing_credentials');
      expect(reply.headers.get('www-authenticate')).toBe(REALM_CHALLENGE);
    });
  });

  describe('PREC — several credentials in one request', () => {
    it('PREC-1: Bearer wins over X-Api-Key: read-only Bearer + read-write X-Api-Key cannot create an alert (403)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, { ...bearer(mock.key('read-only')), ...apiKey(mock.key('read-write')) }));
      expectProblem(reply, 403, 'insufficient_scope');
    });

    it('PREC-1: Bearer wins over X-Api-Key: read-write Bearer + read-only X-Api-Key creates an alert (200)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, { ...bearer(mock.key('read-write')), ...apiKey(mock.key('read-only')) }));
      expect(reply.status).toBe(200);
      // Created as the Bearer key's user.
      expect(reply.json()).toMatchObject({ title: NEW_ALERT.title, createdById: mock.keyOf('read-write').userId });
    });

    it("PREC-1: the request gets the winning credential's identity (GET /users/me)", async () => {
      const reply = await api('/users/me', { headers: { ...bearer(mock.key('read-only')), ...apiKey(mock.key('read-write')) } });
      expect(reply.status).toBe(200);
      expect(reply.json()['id']).toBe(mock.keyOf('read-only').userId);
    });

    it("PREC-1: the request gets the winning credential's tier (basic Bearer + unlimited X-Api-Key is limited)", async () => {
      const limited = await api('/alerts', { headers: { ...bearer(mock.key('basic-a')), ...apiKey(mock.key('unlimited-a')) } });
      expect(limited.status).toBe(200);
      expect(rateLimitOf(limited)).toEqual({ limit: 60, remaining: 9, reset: expect.any(Number) });
      const unlimited = await api('/alerts', { headers: { ...bearer(mock.key('unlimited-a')), ...apiKey(mock.key('basic-b')) } });
      expect(rateLimitOf(unlimited)).toEqual({});
    });

    it('PREC-1: Bearer wins over the legacy pair (read-only Bearer + read-write pair: 403, no Deprecation)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, { ...bearer(mock.key('read-only')), ...legacy(mock.pair('legacy-rw')) }));
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('deprecation')).toBeNull();
    });

    it('PREC-2: an invalid Bearer beside a valid X-Api-Key gives 401 (no fallback)', async () => {
      const reply = await api('/alerts', { headers: { ...bearer(flip(mock.key('read-only'), 20)), ...apiKey(mock.key('read-write')) } });
      expectProblem(reply, 401, 'invalid_key');
    });

    it('PREC-2: a revoked Bearer beside a valid X-Api-Key gives 401 revoked_key', async () => {
      const reply = await api('/alerts', { headers: { ...bearer(mock.key('revoked')), ...apiKey(mock.key('read-write')) } });
      expectProblem(reply, 401, 'revoked_key');
    });

    it('PREC-2: a malformed Authorization beside a valid X-Api-Key gives 401', async () => {
      const reply = await api('/alerts', { headers: { Authorization: 'Bearer', ...apiKey(mock.key('read-write')) } });
      expectProblem(reply, 401, 'malformed_credentials');
    });

    it('PREC-3: x-api-key holding a cbr_live_ key is a modern key; a junk x-api-secret beside it is ignored (200)', async () => {
      const reply = await api('/alerts', { headers: { 'x-api-key': mock.key('read-write'), 'x-api-secret': 'junk secret %%%' } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('deprecation')).toBeNull();
    });

    it("PREC-3: an invalid cbr_live_ x-api-key is not rescued by a legacy pair's valid secret (401 invalid_key)", async () => {
      const reply = await api('/alerts', { headers: { 'x-api-key': flip(mock.key('read-write'), 30), 'x-api-secret': mock.pair('legacy-rw').secret } });
      expectProblem(reply, 401, 'invalid_key');
    });

    it.each<[string, (m: TestMock) => HeaderList]>([
      ['two Authorization lines with the same key', (m) => [['Authorization', `Bearer ${m.key('read-write')}`], ['Authorization', `Bearer ${m.key('read-write')}`]]],
      ['two Authorization lines with different keys', (m) => [['Authorization', `Bearer ${m.key('read-write')}`], ['Authorization', `Bearer ${m.key('read-only')}`]]],
      ['Authorization and AUTHORIZATION', (m) => [['Authorization', `Bearer ${m.key('read-write')}`], ['AUTHORIZATION', `Bearer ${m.key('read-write')}`]]],
      ['two X-Api-Key lines', (m) => [['X-Api-Key', m.key('read-write')], ['X-Api-Key', m.key('read-only')]]],
      ['a legacy pair with x-api-secret twice', (m) => [['x-api-key', m.pair('legacy-rw').accessKey], ['x-api-secret', m.pair('legacy-rw').secret], ['x-api-secret', m.pair('legacy-rw').secret]]],
    ])('PREC-4: %s gives 401 ambiguous_credentials', async (_name, headers) => {
      const reply = await raw('/alerts', headers(mock));
      expectProblem(reply, 401, 'ambiguous_credentials');
    });
  });

  describe('LEG — legacy pair', () => {
    it.each(['/api/v1', '/api'])('LEG-1: a valid x-api-key + x-api-secret pair is accepted under %s', async (base) => {
      const reply = await send(`${mock.server.origin}${base}/alerts`, { headers: legacy(mock.pair('legacy-rw')) });
      expect(reply.status).toBe(200);
    });

    it.each<[string, (m: TestMock) => Record<string, string>, string]>([
      ['the access key alone', (m) => ({ 'x-api-key': m.pair('legacy-rw').accessKey }), 'malformed_credentials'],
      ['the secret alone', (m) => ({ 'x-api-secret': m.pair('legacy-rw').secret }), 'malformed_credentials'],
      ['a wrong secret', (m) => legacy({ ...m.pair('legacy-rw'), secret: flip(m.pair('legacy-rw').secret, 5) }), 'invalid_key'],
      ["another pair's secret", (m) => legacy({ accessKey: m.pair('legacy-rw').accessKey, secret: m.pair('legacy-read-only').secret }), 'invalid_key'],
    ])('LEG-2: %s gives 401', async (_name, headers, code) => {
      expectProblem(await api('/alerts', { headers: headers(mock) }), 401, code as ProblemCode);
    });

    it('LEG-3: a legacy answer carries Deprecation (RFC 9745) and Link rel="deprecation"', async () => {
      const reply = await api('/alerts', { headers: legacy(mock.pair('legacy-rw')) });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('deprecation')).toMatch(/^@\d+$/);
      expect(reply.headers.get('link')).toMatch(/^<https:\/\/[^>]+>; rel="deprecation"/);
    });

    it('LEG-3: a legacy 403 carries Deprecation and Link too', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, legacy(mock.pair('legacy-read-only'))));
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('deprecation')).toMatch(/^@\d+$/);
      expect(reply.headers.get('link')).toContain('rel="deprecation"');
    });

    it.each<[string, (m: TestMock) => Record<string, string>, number]>([
      ['Bearer 200', (m) => bearer(m.key('read-write')), 200],
      ['X-Api-Key 200', (m) => apiKey(m.key('read-write')), 200],
      ['Bearer 403', (m) => bearer(m.key('no-scope')), 403],
      ['X-Api-Key 401', (m) => apiKey(m.key('revoked')), 401],
    ])('LEG-3: a modern answer (%s) carries no Deprecation', async (_name, headers, status) => {
      const reply = await api('/alerts', { headers: headers(mock) });
      expect(reply.status).toBe(status);
      expect(reply.headers.get('deprecation')).toBeNull();
    });

    it.each([
      ['legacy-revoked', 'revoked_key'],
      ['legacy-suspended', 'suspended_key'],
    ])('LEG-4: the %s pair gives 401 %s', async (name, code) => {
      expectProblem(await api('/alerts', { headers: legacy(mock.pair(name)) }), 401, code as ProblemCode);
    });

    it('LEG-4: a read-only legacy pair cannot create an alert (403)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, legacy(mock.pair('legacy-read-only'))));
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBeNull();
    });

    it('LEG-4: a legacy pair on the basic tier carries X-RateLimit-* headers', async () => {
      const reply = await api('/alerts', { headers: legacy(mock.pair('legacy-basic')) });
      expect(reply.status).toBe(200);
      expect(rateLimitOf(reply)).toEqual({ limit: 60, remaining: 9, reset: expect.any(Number) });
    });
  });
});
