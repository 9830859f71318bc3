// The mock over HTTP, the API itself: query validation and paging of lists, soft delete, users and
// API keys (a key or secret shown once), unknown paths (404) and methods (405 with Allow).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestsTo } from './server-test-kit.js';
import { send } from './test-client.js';
import { bearer, expectProblem, jsonRequest, legacy, startTestMock, type TestMock } from './test-server.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, alertId } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

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
