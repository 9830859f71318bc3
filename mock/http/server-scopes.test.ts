// The mock over HTTP, what a key may do (SCOPE): 403 insufficient_scope before anything else,
// admin:*, write without read, WWW-Authenticate on a 403, and create-case's two scopes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NEW_ALERT, requestsTo } from './server-test-kit.js';
import { send } from './test-client.js';
import { apiKey, bearer, expectProblem, jsonRequest, legacy, startTestMock, type TestMock } from './test-server.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, alertId } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

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
});
