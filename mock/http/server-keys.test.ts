// The mock over HTTP, the key lifecycle (KEY): unknown, expired, revoked and suspended keys, on
// the real clock and, for expiry to the millisecond (KEY-2), on a virtual one.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UNKNOWN_KEY as unknownKey, requestsTo } from './server-test-kit.js';
import { send, type HeaderList } from './test-client.js';
import { apiKey, bearer, expectProblem, legacy, startTestMock, type TestMock } from './test-server.js';
import type { ProblemCode } from '../../contract/problem.js';

// A local name, not the import: KEY-5's test names print its header builders' source, which reads
// `UNKNOWN_KEY` (an imported name would print as the bundler's rewrite of it).
const UNKNOWN_KEY = unknownKey;

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, raw } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

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
      expectProblem(await raw('/alerts', headers(mock)), 401, code as ProblemCode);
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
