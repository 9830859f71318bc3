// The mock over HTTP, TLP/PAP clearance (TLP): reading, changing, listing and creating entities
// above and within a key's clearance, and marks out of range.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NEW_ALERT, requestsTo } from './server-test-kit.js';
import { bearer, expectProblem, jsonRequest, startTestMock, withHeaders, type TestMock } from './test-server.js';
import type { ProblemCode } from '../../contract/problem.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, alertId } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

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
      expectProblem(reply, 403, code as ProblemCode);
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
});
