// Integration tests of the mock over real HTTP (node:http adapter + core pipeline + control API):
// every requirement of the access contract the mock implements, checked on the wire. Each group
// starts its own mock where state matters (a virtual clock, rate limits); stateful tests start
// from the seed (app.reset() before each).
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { send, sendBytes, sendRaw, type HeaderList, type Reply } from './test-client.js';
import { apiKey, bearer, expectProblem, jsonRequest, legacy, rateLimitOf, startTestMock, withHeaders, type TestMock } from './test-server.js';

const REALM_CHALLENGE = 'Bearer realm="CaseBender"';
// A documented AlertInput: title, statusValue and severity are required.
const NEW_ALERT = { title: 'Integration test alert', statusValue: 'new', severity: 2, type: 'siem', source: 'splunk', sourceRef: 'IT-1' };
const UNKNOWN_KEY = 'cbr_live_' + 'Zz9'.repeat(13) + 'Z'; // well-formed, never minted

/** The key with one character changed at `index` (still base62, so still well-formed). */
function flip(key: string, index: number): string {
  const c = key[index] === 'A' ? 'B' : 'A';
  return key.slice(0, index) + c + key.slice(index + 1);
}

/** Header names and values of an answer, and its body, as one searchable text (ERR-3). */
const everything = (reply: Reply): string => reply.rawHeaders.join('\n') + '\n' + reply.text;

describe('test client', () => {
  let capture: Server;
  let lines: Promise<string>;

  beforeAll(async () => {
    capture = createServer();
    lines = new Promise((resolve) => {
      capture.once('connection', (socket) => {
        let head = '';
        socket.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (head.includes('\r\n\r\n')) {
            socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
            resolve(head);
          }
        });
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => capture.close(() => resolve())));

  it('sendRaw writes a repeated header as two lines, names in the case given', async () => {
    const address = capture.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const reply = await sendRaw(`http://127.0.0.1:${address.port}/x`, {
      headers: [
        ['Authorization', 'Bearer a'],
        ['AUTHORIZATION', 'Bearer b'],
      ],
    });
    expect(reply.status).toBe(204);
    const head = (await lines).split('\r\n');
    expect(head.filter((l) => /^authorization:/i.test(l))).toEqual(['Authorization: Bearer a', 'AUTHORIZATION: Bearer b']);
  });
});

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const api = (path: string, init?: RequestInit) => send(`${mock.baseUrl}${path}`, init);
  const raw = (path: string, headers: HeaderList, options: { method?: string; body?: string | Buffer } = {}) =>
    sendRaw(`${mock.baseUrl}${path}`, { headers, ...options });
  const alertId = (where: (e: { tlp: number; pap: number }) => boolean = (e) => e.tlp === 0 && e.pap === 0) => mock.entities('alerts', where)[0]!.id;

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
      expectProblem(await api('/alerts', { headers: headers(mock) }), 401, code);
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
      expectProblem(await api('/alerts', { headers: legacy(mock.pair(name)) }), 401, code);
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

  describe('KEY — key lifecycle', () => {
    it.each<[string, (k: string) => Record<string, string>]>([
      ['Bearer', bearer],
      ['X-Api-Key', apiKey],
    ])('KEY-1: an unknown, well-formed key (%s) gives 401 invalid_key', async (_name, headers) => {
      const reply = await api('/alerts', { headers: headers(UNKNOWN_KEY) });
      expectProblem(reply, 401, 'invalid_key');
    });

    it('KEY-2: the seeded expired key gives 401 expired_key', async () => {
      expectProblem(await api('/alerts', { headers: bearer(mock.key('expired')) }), 401, 'expired_key');
    });

    it('KEY-3: a key revoked through the control API gives 401 revoked_key on the very next request', async () => {
      const created = await mock.control('POST', '/keys', { tier: 'unlimited', scopes: ['alerts:read'] });
      expect(created.status).toBe(201);
      const { id, key } = created.json<{ id: string; key: string }>();
      expect((await api('/alerts', { headers: bearer(key) })).status).toBe(200);
      expect((await mock.control('POST', `/keys/${id}/revoke`)).status).toBe(200);
      expectProblem(await api('/alerts', { headers: bearer(key) }), 401, 'revoked_key');
    });

    it('KEY-3: a key revoked by an admin (DELETE /api-keys/{id}) gives 401 revoked_key on the next request', async () => {
      const target = mock.keyOf('read-write');
      expect((await api('/alerts', { headers: bearer(target.key!) })).status).toBe(200);
      const revoked = await api(`/api-keys/${target.id}`, { method: 'DELETE', headers: bearer(mock.key('admin')) });
      expect({ status: revoked.status, body: revoked.text }).toEqual({ status: 204, body: '' });
      expectProblem(await api('/alerts', { headers: bearer(target.key!) }), 401, 'revoked_key');
    });

    it('KEY-4: a suspended key gives 401 suspended_key, and works again once reinstated', async () => {
      const target = mock.keyOf('read-write');
      expect((await mock.control('POST', `/keys/${target.id}/suspend`)).status).toBe(200);
      expectProblem(await api('/alerts', { headers: bearer(target.key!) }), 401, 'suspended_key');
      expect((await mock.control('POST', `/keys/${target.id}/reinstate`)).status).toBe(200);
      expect((await api('/alerts', { headers: bearer(target.key!) })).status).toBe(200);
    });

    it('KEY-4: a key suspended by an admin (POST /api-keys/{id}/suspend) gives 401 suspended_key until reinstated', async () => {
      const target = mock.keyOf('read-write');
      const admin = bearer(mock.key('admin'));
      const suspended = await api(`/api-keys/${target.id}/suspend`, { method: 'POST', headers: admin });
      expect(suspended.status).toBe(200);
      expect(suspended.json()).toMatchObject({ id: target.id, status: 'suspended' });
      expectProblem(await api('/alerts', { headers: bearer(target.key!) }), 401, 'suspended_key');
      expect((await api(`/api-keys/${target.id}/reinstate`, { method: 'POST', headers: admin })).status).toBe(200);
      expect((await api('/alerts', { headers: bearer(target.key!) })).status).toBe(200);
    });

    it('KEY-4: the seeded suspended key gives 401 suspended_key', async () => {
      expectProblem(await api('/alerts', { headers: apiKey(mock.key('suspended')) }), 401, 'suspended_key');
    });

    it.each<[string, (m: TestMock) => HeaderList, string]>([
      ['no credential', () => [], 'missing_credentials'],
      ['an unknown key', () => [['Authorization', `Bearer ${UNKNOWN_KEY}`]], 'invalid_key'],
      ['an expired key', (m) => [['Authorization', `Bearer ${m.key('expired')}`]], 'expired_key'],
      ['a revoked key', (m) => [['Authorization', `Bearer ${m.key('revoked')}`]], 'revoked_key'],
      ['a suspended key', (m) => [['Authorization', `Bearer ${m.key('suspended')}`]], 'suspended_key'],
      ['a Basic credential', () => [['Authorization', 'Basic YTpi']], 'malformed_credentials'],
      ['two Authorization lines', (m) => [['Authorization', `Bearer ${m.key('read-write')}`], ['Authorization', `Bearer ${m.key('read-write')}`]], 'ambiguous_credentials'],
    ])('KEY-5: %s gives a 401 whose body names the reason (%s)', async (_name, headers, code) => {
      expectProblem(await raw('/alerts', headers(mock)), 401, code);
    });
  });

  describe('SCOPE — what a key may do', () => {
    it.each([
      ['read-only', 'POST', '/api/v1/alerts', 'alerts:write'],
      ['read-only', 'POST', '/api/cases', 'cases:write'],
      ['read-write', 'GET', '/api/v1/api-keys', 'admin:*'],
      ['read-write', 'POST', '/api/v1/users', 'admin:*'],
      ['cases-only', 'GET', '/api/v1/alerts', 'alerts:read'],
    ])('SCOPE-1: the %s key gets 403 for %s %s (needs %s)', async (name, method, path, scope) => {
      const reply = await send(`${mock.server.origin}${path}`, { method, headers: bearer(mock.key(name)) });
      const problem = expectProblem(reply, 403, 'insufficient_scope');
      expect(problem.detail).toContain(scope);
    });

    it.each([
      ['GET', '/api-keys', undefined, 200],
      ['POST', '/users', { email: 'new.analyst@example.org', firstName: 'New', lastName: 'Analyst', role: 'analyst' }, 201],
      ['GET', '/alerts', undefined, 200],
      ['POST', '/alerts', NEW_ALERT, 200],
    ])('SCOPE-2: admin:* grants %s %s', async (method, path, body, status) => {
      const admin = bearer(mock.key('admin'));
      const reply = await api(path, body === undefined ? { method, headers: admin } : jsonRequest(method, body, admin));
      expect(reply.status).toBe(status);
    });

    it.each([
      ['GET', '/alerts'],
      ['GET', '/cases/case_seed000000000001'],
    ])('SCOPE-3: write does not imply read: the write-only key gets 403 for %s %s', async (method, path) => {
      expectProblem(await api(path, { method, headers: bearer(mock.key('write-only')) }), 403, 'insufficient_scope');
    });

    it('SCOPE-3: the write-only key can write (POST /alerts 200)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, bearer(mock.key('write-only'))));
      expect(reply.status).toBe(200);
    });

    it.each([
      ['odd-scopes', 'GET', '/alerts'],
      ['odd-scopes', 'GET', '/cases'],
      ['odd-scopes', 'GET', '/api-keys'],
      ['no-scope', 'GET', '/alerts'],
      ['no-scope', 'GET', '/users/me'],
    ])('SCOPE-4: the %s key authenticates but gets 403 for %s %s', async (name, method, path) => {
      expectProblem(await api(path, { method, headers: bearer(mock.key(name)) }), 403, 'insufficient_scope');
    });

    it('SCOPE-5: a key without cases:read gets 403, not 404, for GET /cases/{unknown-id}', async () => {
      expectProblem(await api('/cases/case_does_not_exist', { headers: bearer(mock.key('no-scope')) }), 403, 'insufficient_scope');
    });

    it.each([
      ['unparsable JSON', '{bad json'],
      ['a body failing validation', JSON.stringify({ fields: { severity: 9 } })],
      ['an empty body', ''],
    ])('SCOPE-5: a key without alerts:write gets 403 for PATCH /alerts/{id} with %s', async (_name, body) => {
      const reply = await api(`/alerts/${alertId()}`, jsonRequest('PATCH', body, bearer(mock.key('read-only'))));
      expectProblem(reply, 403, 'insufficient_scope');
    });

    it('SCOPE-5: a key without alerts:write gets 403, not 404, for PATCH /alerts/{unknown-id}', async () => {
      const reply = await api('/alerts/alert_does_not_exist', jsonRequest('PATCH', { fields: { severity: 3 } }, bearer(mock.key('read-only'))));
      expectProblem(reply, 403, 'insufficient_scope');
    });

    it('SCOPE-6: a 403 to a Bearer request carries WWW-Authenticate with error="insufficient_scope" and the scope needed', async () => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, bearer(mock.key('read-only'))));
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="CaseBender", error="insufficient_scope", scope="alerts:write"');
    });

    it.each<[string, (m: TestMock) => Record<string, string>]>([
      ['X-Api-Key', (m) => apiKey(m.key('read-only'))],
      ['legacy pair', (m) => legacy(m.pair('legacy-read-only'))],
    ])('SCOPE-6: a 403 to a %s request carries no WWW-Authenticate', async (_name, headers) => {
      const reply = await api('/alerts', jsonRequest('POST', NEW_ALERT, headers(mock)));
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBeNull();
    });
  });

  describe('create-case needs alerts:write and cases:write', () => {
    // AlertInput plus alertIds: title, statusValue, severity and alertIds are required.
    const createCase = (headers: Record<string, string>, alertIds: string[]) =>
      api('/alerts/create-case', jsonRequest('POST', { title: 'Case from alerts', statusValue: 'new', severity: 3, alertIds }, headers));

    it('SCOPE-1: the cases-only key (no alerts:write) gets 403 naming alerts:write', async () => {
      const reply = await createCase(bearer(mock.key('cases-only')), [alertId()]);
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="CaseBender", error="insufficient_scope", scope="alerts:write"');
    });

    it('SCOPE-1: a key with alerts:read and alerts:write but no cases:write gets 403 naming cases:write', async () => {
      const created = await mock.control('POST', '/keys', { tier: 'unlimited', scopes: ['alerts:read', 'alerts:write'] });
      const reply = await createCase(bearer(created.json<{ key: string }>().key), [alertId()]);
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="CaseBender", error="insufficient_scope", scope="cases:write"');
    });

    it('SCOPE-1: the read-only key gets 403 naming both scopes', async () => {
      const reply = await createCase(bearer(mock.key('read-only')), [alertId()]);
      expectProblem(reply, 403, 'insufficient_scope');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="CaseBender", error="insufficient_scope", scope="alerts:write cases:write"');
    });

    it('POST /alerts/create-case answers 200 {caseId}, and the case exists with those alerts', async () => {
      const ids = mock.entities('alerts', (e) => e.tlp <= 1 && e.pap <= 1).map((e) => e.id).slice(0, 2);
      const reply = await createCase(bearer(mock.key('read-write')), ids);
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ caseId: expect.stringMatching(/\S/) });
      const caseId = reply.json<{ caseId: string }>().caseId;
      const fetched = await api(`/cases/${encodeURIComponent(caseId)}`, { headers: bearer(mock.key('read-write')) });
      expect(fetched.status).toBe(200);
      const created = fetched.json<{ tinyId: number }>();
      expect(created).toMatchObject({ id: caseId, title: 'Case from alerts', statusValue: 'new', severity: 3, alertIds: ids, deletedAt: null });
      expect(created).not.toHaveProperty('deleted');
      // Each alert now names its case as {id, tinyId, title}.
      for (const id of ids) {
        const alert = (await api(`/alerts/${id}`, { headers: bearer(mock.key('read-write')) })).json<Record<string, unknown>>();
        expect(alert['case']).toEqual({ id: caseId, tinyId: created.tinyId, title: 'Case from alerts' });
        expect(alert).not.toHaveProperty('caseId');
      }
    });
  });

  describe('TLP — TLP/PAP clearance', () => {
    it.each([2, 3, 4])('TLP-1: the tlp-green key (clearance 1) gets 403 tlp_restricted reading an alert at TLP %i', async (tlp) => {
      const id = alertId((e) => e.tlp === tlp && e.pap === 0);
      expectProblem(await api(`/alerts/${id}`, { headers: bearer(mock.key('tlp-green')) }), 403, 'tlp_restricted');
    });

    it.each([0, 1])('TLP-1: the tlp-green key reads an alert at TLP %i', async (tlp) => {
      const id = alertId((e) => e.tlp === tlp && e.pap === 0);
      const reply = await api(`/alerts/${id}`, { headers: bearer(mock.key('tlp-green')) });
      expect(reply.status).toBe(200);
      expect(reply.json()).toMatchObject({ id, tlp });
    });

    it.each<[string, RequestInit]>([
      ['PATCH', jsonRequest('PATCH', { fields: { severity: 3 } })],
      ['DELETE', { method: 'DELETE' }],
    ])('TLP-1: the tlp-green key gets 403 tlp_restricted for %s of an alert at TLP 2', async (_name, init) => {
      const id = alertId((e) => e.tlp === 2 && e.pap === 0);
      const reply = await api(`/alerts/${id}`, withHeaders(init, bearer(mock.key('tlp-green'))));
      expectProblem(reply, 403, 'tlp_restricted');
      expect((await api(`/alerts/${id}`, { headers: bearer(mock.key('read-write')) })).json()).toMatchObject({ severity: expect.any(Number), deletedAt: null });
    });

    it.each(['cases', 'observables'] as const)('TLP-1: the tlp-green key gets 403 tlp_restricted reading %s at TLP 2', async (type) => {
      const id = mock.entities(type, (e) => e.tlp === 2)[0]!.id;
      expectProblem(await api(`/${type}/${id}`, { headers: bearer(mock.key('tlp-green')) }), 403, 'tlp_restricted');
    });

    it.each([3, 4])('TLP-2: the pap-amber key (PAP clearance 2) gets 403 pap_restricted reading an alert at PAP %i', async (pap) => {
      const id = alertId((e) => e.tlp === 0 && e.pap === pap);
      expectProblem(await api(`/alerts/${id}`, { headers: bearer(mock.key('pap-amber')) }), 403, 'pap_restricted');
    });

    it('TLP-2: the pap-amber key reads an alert at PAP 2', async () => {
      const id = alertId((e) => e.tlp === 4 && e.pap === 2);
      expect((await api(`/alerts/${id}`, { headers: bearer(mock.key('pap-amber')) })).status).toBe(200);
    });

    it('TLP-2: the pap-amber key gets 403 pap_restricted updating an alert at PAP 4', async () => {
      const id = alertId((e) => e.tlp === 0 && e.pap === 4);
      const reply = await api(`/alerts/${id}`, jsonRequest('PATCH', { fields: { severity: 1 } }, bearer(mock.key('pap-amber'))));
      expectProblem(reply, 403, 'pap_restricted');
    });

    it('TLP-3: the tlp-green key lists only alerts at TLP 0..1: the GET /alerts array holds exactly those, newest first', async () => {
      const visible = mock.entities('alerts', (e) => e.tlp <= 1);
      const reply = await api('/alerts', { headers: bearer(mock.key('tlp-green')) });
      expect(reply.status).toBe(200);
      const alerts = reply.json<{ id: string; tlp: number; createdAt: string }[]>();
      expect(alerts.every((a) => a.tlp <= 1)).toBe(true);
      expect(alerts.map((e) => e.id).sort()).toEqual(visible.map((e) => e.id).sort());
      expect(alerts.map((a) => a.createdAt)).toEqual(alerts.map((a) => a.createdAt).sort().reverse());
    });

    it.each(['cases', 'observables'] as const)('TLP-3: the tlp-green key lists only %s at TLP 0..1, and the total counts only those', async (type) => {
      const visible = mock.entities(type, (e) => e.tlp <= 1);
      const reply = await api(`/${type}?limit=100`, { headers: bearer(mock.key('tlp-green')) });
      expect(reply.status).toBe(200);
      const body = reply.json<{ data: { id: string; tlp: number }[]; pagination: { total: number; totalPages: number } }>();
      expect(body.data.map((e) => e.id).sort()).toEqual(visible.map((e) => e.id).sort());
      expect(body.pagination).toEqual({ page: 1, limit: 100, total: visible.length, totalPages: 1 });
    });

    it('TLP-3: the pap-amber key lists only alerts at PAP 0..2, across pages', async () => {
      const headers = bearer(mock.key('pap-amber'));
      const visible = mock.entities('alerts', (e) => e.pap <= 2);
      expect(visible.length).toBeGreaterThan(10);
      expect(visible.length).toBeLessThanOrEqual(20);
      const all = (await api('/alerts', { headers })).json<{ id: string; pap: number }[]>();
      expect(all.map((e) => e.id).sort()).toEqual(visible.map((e) => e.id).sort());
      const first = (await api('/alerts?limit=10&page=1', { headers })).json<{ id: string; pap: number }[]>();
      const second = (await api('/alerts?limit=10&page=2', { headers })).json<{ id: string; pap: number }[]>();
      expect([...first, ...second].every((e) => e.pap <= 2)).toBe(true);
      expect(first).toHaveLength(10);
      // The pages cut the same newest-first array: together they are all of it, once each.
      expect([...first, ...second].map((e) => e.id)).toEqual(all.map((e) => e.id));
      // A paged list's total counts only what the key may see, on every page.
      const cases = mock.entities('cases', (e) => e.pap <= 2);
      const page1 = (await api('/cases?limit=4&page=1', { headers })).json<{ data: { pap: number }[]; pagination: { total: number; totalPages: number } }>();
      const page2 = (await api('/cases?limit=4&page=2', { headers })).json<{ data: { pap: number }[]; pagination: { total: number; totalPages: number } }>();
      expect(page1.pagination).toMatchObject({ total: cases.length, totalPages: Math.ceil(cases.length / 4) });
      expect(page2.pagination).toEqual({ page: 2, limit: 4, total: cases.length, totalPages: Math.ceil(cases.length / 4) });
      expect([...page1.data, ...page2.data].every((e) => e.pap <= 2)).toBe(true);
      expect(page1.data.length + page2.data.length).toBe(Math.min(8, cases.length));
    });

    it.each([
      ['tlp-green', { tlp: 3 }, 'tlp_restricted'],
      ['tlp-green', { tlp: 2, pap: 0 }, 'tlp_restricted'],
      ['pap-amber', { pap: 3 }, 'pap_restricted'],
    ])('TLP-4: the %s key gets 403 creating an alert marked %j', async (name, marks, code) => {
      const reply = await api('/alerts', jsonRequest('POST', { ...NEW_ALERT, ...marks }, bearer(mock.key(name))));
      expectProblem(reply, 403, code);
    });

    it('TLP-4: the tlp-green key creates an alert at its own clearance (TLP 1)', async () => {
      const reply = await api('/alerts', jsonRequest('POST', { ...NEW_ALERT, tlp: 1 }, bearer(mock.key('tlp-green'))));
      expect(reply.status).toBe(200);
      expect(reply.json()).toMatchObject({ tlp: 1 });
    });

    it('TLP-4: the tlp-green key gets 403 raising an alert it can see to TLP 2', async () => {
      const id = alertId((e) => e.tlp === 1 && e.pap === 0);
      const reply = await api(`/alerts/${id}`, jsonRequest('PATCH', { fields: { tlp: 2 } }, bearer(mock.key('tlp-green'))));
      expectProblem(reply, 403, 'tlp_restricted');
    });

    it.each([
      ['tlp 7', { tlp: 7 }, 'tlp'],
      ['tlp -1', { tlp: -1 }, 'tlp'],
      ['pap 5', { pap: 5 }, 'pap'],
      ['tlp 1.5', { tlp: 1.5 }, 'tlp'],
    ])('TLP-5: creating an alert with %s gives 400 with errors naming the field', async (_name, marks, field) => {
      const reply = await api('/alerts', jsonRequest('POST', { ...NEW_ALERT, ...marks }, bearer(mock.key('tlp-green'))));
      const problem = expectProblem(reply, 400, 'invalid_body');
      expect(problem.errors).toEqual([{ field, message: expect.any(String) }]);
    });

    it('TLP-5: updating an alert to tlp 5 gives 400 naming fields.tlp', async () => {
      const reply = await api(`/alerts/${alertId()}`, jsonRequest('PATCH', { fields: { tlp: 5 } }, bearer(mock.key('read-write'))));
      const problem = expectProblem(reply, 400, 'invalid_body');
      expect(problem.errors).toEqual([{ field: 'fields.tlp', message: expect.any(String) }]);
    });
  });

  describe('ERR — error answers', () => {
    it.each<[string, string, RequestInit, (m: TestMock) => Record<string, string>, number, string]>([
      ['400', '/alerts?limit=0', {}, (m) => bearer(m.key('read-write')), 400, 'invalid_query'],
      ['401', '/alerts', {}, () => ({}), 401, 'missing_credentials'],
      ['403', '/api-keys', {}, (m) => bearer(m.key('read-write')), 403, 'insufficient_scope'],
      ['404', '/alerts/alert_does_not_exist', {}, (m) => bearer(m.key('read-write')), 404, 'not_found'],
      ['415', '/alerts', { method: 'POST', body: 'title=x', headers: { 'Content-Type': 'text/plain' } }, (m) => bearer(m.key('read-write')), 415, 'unsupported_media_type'],
    ])('ERR-1: a %s is application/problem+json with type, title, status, detail and code', async (_name, path, init, headers, status, code) => {
      const reply = await api(path, withHeaders(init, headers(mock)));
      expectProblem(reply, status, code);
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

    it('ERR-5: a 20 KiB header gives 431, not a 5xx', async () => {
      const reply = await raw('/alerts', [['Authorization', `Bearer ${mock.key('read-write')}`], ['X-Padding', 'p'.repeat(20 * 1024)]]);
      expectProblem(reply, 431, 'headers_too_large');
    });

    it('ERR-5: a 2 MiB body (Content-Length) gives 413, not a 5xx', async () => {
      const reply = await raw('/alerts', [['Authorization', `Bearer ${mock.key('read-write')}`], ['Content-Type', 'application/json']], { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
      expectProblem(reply, 413, 'body_too_large');
    });

    it('ERR-5: a 2 MiB chunked body gives 413, not a 5xx', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 2 * 1024 * 1024) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const reply = await api('/alerts', { method: 'POST', body, duplex: 'half', headers: { 'Content-Type': 'application/json', ...bearer(mock.key('read-write')) } } as RequestInit);
      expectProblem(reply, 413, 'body_too_large');
    });

    it('ERR-5: a body that is not JSON gives 400 invalid_json', async () => {
      const reply = await api('/alerts', jsonRequest('POST', '{bad json', bearer(mock.key('read-write'))));
      const problem = expectProblem(reply, 400, 'invalid_json');
      expect(problem.errors).toEqual([{ field: '(body)', message: 'is not valid JSON' }]);
    });

    it('ERR-5: bytes that are not HTTP give 400, not a 5xx', async () => {
      const reply = await sendBytes(mock.server.origin, 'HELLO THERE\r\n\r\n');
      expect(reply.status).toBe(400);
      expect(reply.head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 400, code: 'bad_request' });
    });

    it('an absolute-form request target (as sent through a proxy) is answered like its origin-form', async () => {
      const key = mock.key('read-write');
      const absolute = await sendBytes(mock.server.origin, `GET ${mock.server.origin}/api/v1/alerts?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      expect(absolute.status).toBe(200);
      expect(JSON.parse(absolute.body) as unknown[]).toHaveLength(1);
      const bare = await sendBytes(mock.server.origin, `GET HTTP://EXAMPLE.TEST?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      expect(bare.status).toBe(404);
    });

    it('ERR-5: non-ASCII bytes in Authorization give 401 malformed_credentials, not a 5xx', async () => {
      const request = Buffer.concat([
        Buffer.from('GET /api/v1/alerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '),
        Buffer.from([0xc3, 0xa9, 0xff, 0xfe]),
        Buffer.from('\r\n\r\n'),
      ]);
      const reply = await sendBytes(mock.server.origin, request);
      expect(reply.status).toBe(401);
      expect(reply.body).toContain('"code":"malformed_credentials"');
    });
  });

  describe('HDR — rate-limit headers (real clock)', () => {
    it('HDR-2: X-RateLimit-Reset is Unix seconds, not in the past and at most 3600 s ahead', async () => {
      const before = Date.now();
      const reply = await api('/alerts', { headers: bearer(mock.key('basic-a')) });
      const after = Date.now();
      const { reset } = rateLimitOf(reply);
      expect(reply.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(reset).toBeLessThanOrEqual(Math.ceil(after / 1000) + 3600);
    });

    it.each(['read-write', 'unlimited-a', 'admin'])('HDR-4: the Unlimited key %s gets no X-RateLimit-* headers', async (name) => {
      const reply = await api('/alerts', { headers: bearer(mock.key(name)) });
      expect(reply.status).toBe(200);
      expect(reply.rawHeaders.filter((h) => /^x-ratelimit-/i.test(h))).toEqual([]);
    });
  });

  describe('the API itself', () => {
    it('answers 400 invalid_query naming limit for ?limit=101', async () => {
      const reply = await api('/alerts?limit=101', { headers: bearer(mock.key('read-write')) });
      const problem = expectProblem(reply, 400, 'invalid_query');
      expect(problem.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
    });

    it('answers 400 invalid_query naming page for ?page=0', async () => {
      const problem = expectProblem(await api('/cases?page=0', { headers: bearer(mock.key('read-write')) }), 400, 'invalid_query');
      expect(problem.errors).toEqual([{ field: 'page', message: expect.any(String) }]);
    });

    it('pages lists with page 1 and limit 20 by default', async () => {
      const headers = bearer(mock.key('read-write'));
      const total = mock.entities('cases').length;
      const body = (await api('/cases', { headers })).json<{ data: unknown[]; pagination: unknown }>();
      expect(body.pagination).toEqual({ page: 1, limit: 20, total, totalPages: Math.ceil(total / 20) });
      expect(body.data).toHaveLength(Math.min(20, total));
      // GET /alerts is not paged unless asked: every alert, then limit 20 from page 1 when only one is given.
      const alerts = mock.entities('alerts').length;
      expect(alerts).toBeGreaterThan(20);
      const all = (await api('/alerts', { headers })).json<{ id: string }[]>();
      expect(all).toHaveLength(alerts);
      expect((await api('/alerts?page=1', { headers })).json<{ id: string }[]>()).toEqual(all.slice(0, 20));
      expect((await api('/alerts?limit=20', { headers })).json<{ id: string }[]>()).toEqual(all.slice(0, 20));
      expect((await api('/alerts?page=2', { headers })).json<{ id: string }[]>()).toEqual(all.slice(20));
    });

    it('soft-deletes: DELETE answers 204, then GET is 404, the list leaves it out, and DELETE again is 404', async () => {
      const id = alertId();
      const headers = bearer(mock.key('read-write'));
      const before = (await api('/alerts', { headers })).json<unknown[]>().length;
      const deleted = await api(`/alerts/${id}`, { method: 'DELETE', headers });
      expect({ status: deleted.status, body: deleted.text }).toEqual({ status: 204, body: '' });
      expectProblem(await api(`/alerts/${id}`, { headers }), 404, 'not_found');
      const list = (await api('/alerts', { headers })).json<{ id: string }[]>();
      expect(list.map((e) => e.id)).not.toContain(id);
      expect(list).toHaveLength(before - 1);
      expectProblem(await api(`/alerts/${id}`, { method: 'DELETE', headers }), 404, 'not_found');
    });

    it("GET /users/me answers the key's user", async () => {
      const reply = await api('/users/me', { headers: bearer(mock.key('read-write')) });
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual(mock.app.seed.users.find((u) => u.id === mock.keyOf('read-write').userId));
    });

    it('POST /users by the admin key answers 201 with the documented user, never a password or salt', async () => {
      const admin = bearer(mock.key('admin'));
      const body = { email: 'new.analyst@example.org', firstName: 'New', lastName: 'Analyst', role: 'analyst' };
      const created = await api('/users', jsonRequest('POST', body, admin));
      expect(created.status).toBe(201);
      const user = created.json<Record<string, unknown>>();
      expect(Object.keys(user).sort()).toEqual(['createdAt', 'deletedAt', 'email', 'firstName', 'id', 'image', 'lastName', 'role', 'status', 'updatedAt']);
      expect(user).toMatchObject({ ...body, image: null, status: 'active', deletedAt: null });
      expect((await api(`/users/${String(user['id'])}`, { headers: bearer(mock.key('read-write')) })).json()).toEqual(user);
      // The old body (a single name) is no longer a user: 400 naming what is missing and what is not allowed.
      const old = expectProblem(await api('/users', jsonRequest('POST', { email: 'x@example.org', name: 'X Y', role: 'analyst' }, admin)), 400, 'invalid_body');
      expect(old.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'firstName' }), expect.objectContaining({ field: 'lastName' })]));
    });

    it('POST /api-keys by the admin key shows the new key once; GET /api-keys never contains it', async () => {
      const admin = bearer(mock.key('admin'));
      const created = await api('/api-keys', jsonRequest('POST', { name: 'integration', tier: 'basic', scopes: ['alerts:read'] }, admin));
      expect(created.status).toBe(201);
      const minted = created.json<{ id: string; key: string; prefix: string }>();
      expect(minted).toMatchObject({ name: 'integration', kind: 'modern', tier: 'basic', scopes: ['alerts:read'], status: 'active' });
      expect(minted.key).toMatch(/^cbr_live_[0-9A-Za-z]{40}$/);
      expect(minted.key.startsWith(minted.prefix.replace(/…$/, ''))).toBe(true);
      const listed = await api('/api-keys?limit=100', { headers: admin });
      expect(listed.status).toBe(200);
      expect(listed.json<{ data: { id: string }[] }>().data.map((k) => k.id)).toContain(minted.id);
      expect(listed.text).not.toContain(minted.key);
      expect(listed.text).not.toMatch(/cbr_live_[0-9A-Za-z]{40}/);
      expect((await api('/alerts', { headers: bearer(minted.key) })).status).toBe(200);
    });

    it('POST /api-keys of a legacy pair shows the secret once; GET /api-keys never contains it', async () => {
      const admin = bearer(mock.key('admin'));
      const created = await api('/api-keys', jsonRequest('POST', { name: 'old-siem', kind: 'legacy', tier: 'basic', scopes: ['alerts:read'] }, admin));
      expect(created.status).toBe(201);
      const minted = created.json<{ accessKey: string; secret: string }>();
      const listed = await api('/api-keys?limit=100', { headers: admin });
      expect(listed.text).not.toContain(minted.secret);
      expect(listed.text).not.toContain('"secret"');
      expect((await api('/alerts', { headers: legacy(minted) })).status).toBe(200);
    });

    it.each(['/api/v1/nothing', '/api/nothing', '/api/v1/alerts/x/y', '/api/v2/alerts', '/elsewhere'])('answers 404 not_found for the unknown path %s', async (path) => {
      expectProblem(await send(`${mock.server.origin}${path}`, { headers: bearer(mock.key('read-write')) }), 404, 'not_found');
    });

    it.each([
      ['PUT', '/alerts', ['GET', 'POST']],
      ['POST', `/alerts/alert_seed000000000001`, ['GET', 'PATCH', 'PUT', 'DELETE']],
      ['PUT', `/cases/case_seed000000000001`, ['GET', 'PATCH', 'DELETE']],
      ['DELETE', '/users/me', ['GET']],
    ])('answers 405 with Allow for %s %s', async (method, path, allow) => {
      const reply = await api(path, { method, headers: bearer(mock.key('read-write')) });
      expectProblem(reply, 405, 'method_not_allowed');
      expect((reply.headers.get('allow') ?? '').split(', ').sort()).toEqual([...allow].sort());
    });
  });
});

describe('KEY-2 — expiry on a virtual clock', () => {
  const START = Date.UTC(2026, 0, 1, 12, 0, 0);
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ clock: 'virtual', clockStart: START });
  });
  afterAll(() => mock.close());
  beforeEach(async () => {
    await mock.app.reset();
    expect((await mock.control('PUT', '/clock', { now: START })).status).toBe(200);
  });

  type Material = { key?: string; accessKey?: string; secret?: string };

  it.each<[string, (m: Material) => Record<string, string>]>([
    ['modern', (m) => bearer(m.key!)],
    ['legacy', (m) => legacy({ accessKey: m.accessKey!, secret: m.secret! })],
  ])('KEY-2: a %s key works 1 ms before its expiry and gives 401 expired_key from that very millisecond', async (kind, headers) => {
    const created = await mock.control('POST', '/keys', { kind, tier: 'unlimited', scopes: ['alerts:read'], expiresAt: START + 1000 });
    expect(created.status).toBe(201);
    const material = created.json<Material>();
    await mock.control('POST', '/clock/advance', { ms: 999 });
    expect((await send(`${mock.baseUrl}/alerts`, { headers: headers(material) })).status).toBe(200);
    await mock.control('POST', '/clock/advance', { ms: 1 });
    expectProblem(await send(`${mock.baseUrl}/alerts`, { headers: headers(material) }), 401, 'expired_key');
  });
});

describe('RL / HDR — rate limits on a virtual clock', () => {
  const START = Date.UTC(2026, 5, 1, 8, 0, 0);
  let mock: TestMock;
  const get = (name: string, path = '/alerts') => send(`${mock.baseUrl}${path}`, { headers: bearer(mock.key(name)) });
  /** Spends the basic key's burst of 10 at one instant. */
  const exhaust = async (name: string) => {
    for (let i = 0; i < 10; i++) expect((await get(name)).status).toBe(200);
  };

  beforeAll(async () => {
    mock = await startTestMock({ clock: 'virtual', clockStart: START });
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset()); // empty rate-limit state; the clock stands still between requests

  it('RL-1: a fresh basic key sends its burst of 10 at once with no 429', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => get('basic-a')));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(replies.map((r) => rateLimitOf(r).remaining).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('RL-5: the 11th request of the burst is 429 rate_limited, with an integer Retry-After', async () => {
    await exhaust('basic-a');
    const reply = await get('basic-a');
    expectProblem(reply, 429, 'rate_limited');
    expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('RL-8: a request sent Retry-After seconds after a 429 is answered without 429', async () => {
    await exhaust('basic-a');
    const limited = await get('basic-a');
    expect(limited.status).toBe(429);
    const seconds = Number(limited.headers.get('retry-after'));
    expect((await mock.control('POST', '/clock/advance', { ms: seconds * 1000 })).status).toBe(200);
    expect((await get('basic-a')).status).toBe(200);
  });

  it('RL-6: exhausting basic-a leaves basic-b (same tier, same owner) untouched', async () => {
    await exhaust('basic-a');
    expect((await get('basic-a')).status).toBe(429);
    const other = await get('basic-b');
    expect(other.status).toBe(200);
    expect(rateLimitOf(other).remaining).toBe(9);
  });

  it('RL-7: an Unlimited key never gets 429 over 300 requests at one instant', async () => {
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => get('unlimited-a')));
      statuses.push(...replies.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("RL-9: a basic key's 403s, 404s and 400s consume its allowance", async () => {
    const answers: [number, number | undefined][] = [];
    for (const path of ['/api-keys', '/api-keys', '/api-keys', '/api-keys', '/alerts/nope', '/alerts/nope', '/alerts/nope', '/alerts?limit=101', '/alerts?limit=101', '/users']) {
      const reply = await get('basic-a', path);
      answers.push([reply.status, rateLimitOf(reply).remaining]);
    }
    expect(answers).toEqual([
      [403, 9],
      [403, 8],
      [403, 7],
      [403, 6],
      [404, 5],
      [404, 4],
      [404, 3],
      [400, 2],
      [400, 1],
      [200, 0],
    ]);
    expectProblem(await get('basic-a'), 429, 'rate_limited');
  });

  it('RL-9: 401s with a wrong key count against no key', async () => {
    const wrong = flip(mock.key('basic-a'), mock.key('basic-a').length - 1); // same lookup id, wrong secret part
    for (let i = 0; i < 20; i++) {
      const reply = await send(`${mock.baseUrl}/alerts`, { headers: bearer(wrong) });
      expect(reply.status).toBe(401);
      expect(rateLimitOf(reply)).toEqual({});
    }
    expect(rateLimitOf(await get('basic-a')).remaining).toBe(9);
    expect(rateLimitOf(await get('basic-b')).remaining).toBe(9);
  });

  it.each<[string, string, RequestInit]>([
    ['an operation it lacks the scope for (GET /api-keys)', '/api-keys', {}],
    ['an unparsable PATCH of an unknown alert', '/alerts/nope', jsonRequest('PATCH', '{bad json')],
    ['an unknown alert', '/alerts/nope', {}],
  ])('ERR-4: a rate-limited key gets 429 before anything else, even for %s', async (_name, path, init) => {
    await exhaust('basic-a');
    const reply = await send(`${mock.baseUrl}${path}`, withHeaders(init, bearer(mock.key('basic-a'))));
    expectProblem(reply, 429, 'rate_limited');
  });

  it('ERR-4: authentication comes before the rate limit: a wrong key gets 401 while the real one is limited', async () => {
    await exhaust('basic-a');
    expectProblem(await send(`${mock.baseUrl}/alerts`, { headers: bearer(flip(mock.key('basic-a'), 40)) }), 401, 'invalid_key');
  });

  it('HDR-1: every answer to a limited key carries X-RateLimit-Limit, -Remaining and -Reset, 429 included', async () => {
    const statuses: number[] = [];
    for (const path of ['/alerts', '/api-keys', '/alerts/nope', '/alerts?limit=101', ...Array(6).fill('/alerts'), '/alerts']) {
      const reply = await get('basic-a', path);
      statuses.push(reply.status);
      expect(rateLimitOf(reply)).toEqual({ limit: 60, remaining: expect.any(Number), reset: expect.any(Number) });
    }
    expect(statuses).toEqual([200, 403, 404, 400, 200, 200, 200, 200, 200, 200, 429]);
  });

  it('HDR-2: X-RateLimit-Reset is Unix seconds between now and now + 3600 s, on 200 and 429', async () => {
    const now = mock.app.clock.now();
    for (let i = 0; i < 11; i++) {
      const reply = await get('basic-a');
      expect(reply.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      const reset = Number(reply.headers.get('x-ratelimit-reset'));
      expect(reset * 1000).toBeGreaterThanOrEqual(now);
      expect(reset).toBeLessThanOrEqual(now / 1000 + 3600);
    }
  });

  it('HDR-3: Limit is the per-minute figure and Remaining falls by one a request, to 0 on the 429', async () => {
    const seen: [number, number | undefined, number | undefined][] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await get('basic-a');
      seen.push([reply.status, rateLimitOf(reply).limit, rateLimitOf(reply).remaining]);
    }
    expect(seen).toEqual([...[9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((r): [number, number, number] => [200, 60, r]), [429, 60, 0]]);
  });

  it('HDR-3: a standard key reports its tier: Limit 300, Remaining 49 after one request', async () => {
    expect(rateLimitOf(await get('standard-a'))).toEqual({ limit: 300, remaining: 49, reset: expect.any(Number) });
  });

  it('HDR-4: an Unlimited key gets no X-RateLimit-* headers', async () => {
    const reply = await get('unlimited-a');
    expect(reply.rawHeaders.filter((h) => /^x-ratelimit-/i.test(h))).toEqual([]);
  });

  it('LEG-4: a legacy pair on the basic tier is limited like a modern key: its 11th request is 429 with Deprecation', async () => {
    const headers = legacy(mock.pair('legacy-basic'));
    for (let i = 0; i < 10; i++) expect((await send(`${mock.baseUrl}/alerts`, { headers })).status).toBe(200);
    const reply = await send(`${mock.baseUrl}/alerts`, { headers });
    expectProblem(reply, 429, 'rate_limited');
    expect(reply.headers.get('deprecation')).toMatch(/^@\d+$/);
  });
});
