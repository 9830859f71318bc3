// Integration tests of the mock's control API under /__mock/ (not part of CaseBender), over HTTP:
// its token, key minting and lifecycle, the clock, reset, and turning it off.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { send } from '../http/test-client.js';
import { bearer, expectProblem, legacy, startTestMock, type TestMock } from '../http/test-server.js';

const MODERN_KEY = /cbr_live_[0-9A-Za-z]{40}/;

describe('control API on a real clock', () => {
  let mock: TestMock;
  const api = (path: string, headers: Record<string, string>) => send(`${mock.baseUrl}${path}`, { headers });

  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

  describe('its token', () => {
    it('answers 401 control_token_required without X-Mock-Token', async () => {
      expectProblem(await send(`${mock.server.controlUrl}/keys`), 401, 'control_token_required');
    });

    it.each([
      ['a wrong token', () => 'not-the-token-at-all'],
      ['an empty token', () => ''],
      ['the token with one character more', (token: string) => token + 'x'],
    ])('answers 401 control_token_required with %s', async (_name, token) => {
      const reply = await send(`${mock.server.controlUrl}/keys`, { headers: { 'X-Mock-Token': token(mock.app.controlToken!) } });
      expectProblem(reply, 401, 'control_token_required');
    });

    it('checks the token before the route: an unknown operation without a token is 401', async () => {
      expectProblem(await send(`${mock.server.controlUrl}/nothing-here`, { method: 'POST' }), 401, 'control_token_required');
    });

    it('answers 404 not_found for an unknown operation with the token', async () => {
      expectProblem(await mock.control('POST', '/nothing-here'), 404, 'not_found');
    });

    it('does not accept the token as an API credential', async () => {
      expectProblem(await api('/alerts', bearer(mock.app.controlToken!)), 401, 'invalid_key');
    });
  });

  describe('GET /__mock/keys', () => {
    it('lists every seeded key with its metadata', async () => {
      const reply = await mock.control('GET', '/keys');
      expect(reply.status).toBe(200);
      const data = reply.json<{ data: { id: string; name: string; status: string }[] }>().data;
      expect(data.map((k) => k.name).sort()).toEqual(mock.profile.keys.map((k) => k.name).sort());
      expect(data.find((k) => k.name === 'revoked')?.status).toBe('revoked');
      expect(data.find((k) => k.name === 'expired')?.status).toBe('expired');
    });

    it('never contains key material: no cbr_live_ key, no secret field, no seeded secret', async () => {
      const text = (await mock.control('GET', '/keys')).text;
      expect(text).not.toMatch(MODERN_KEY);
      expect(text).not.toMatch(/"secret"\s*:/);
      for (const key of mock.profile.keys) {
        if (key.key !== undefined) expect(text).not.toContain(key.key);
        if (key.secret !== undefined) expect(text).not.toContain(key.secret);
      }
    });
  });

  describe('POST /__mock/keys', () => {
    it('mints a modern key: the answer is the only place its material appears, and the key works', async () => {
      const created = await mock.control('POST', '/keys', { tier: 'basic', scopes: ['alerts:read'], name: 'minted-by-test', tlpClearance: 1 });
      expect(created.status).toBe(201);
      const body = created.json<{ id: string; key: string }>();
      expect(body).toMatchObject({ name: 'minted-by-test', kind: 'modern', tier: 'basic', scopes: ['alerts:read'], tlpClearance: 1, papClearance: 4, status: 'active' });
      expect(body.key).toMatch(new RegExp(`^${MODERN_KEY.source}$`));
      expect((await api('/alerts', bearer(body.key))).status).toBe(200);
      const listed = await mock.control('GET', '/keys');
      expect(listed.json<{ data: { id: string }[] }>().data.map((k) => k.id)).toContain(body.id);
      expect(listed.text).not.toContain(body.key);
    });

    it('mints a legacy pair that works as x-api-key + x-api-secret', async () => {
      const created = await mock.control('POST', '/keys', { kind: 'legacy', tier: 'unlimited', scopes: ['alerts:read'] });
      expect(created.status).toBe(201);
      const pair = created.json<{ accessKey: string; secret: string }>();
      expect((await api('/alerts', legacy(pair))).status).toBe(200);
      expect((await mock.control('GET', '/keys')).text).not.toContain(pair.secret);
    });

    it('binds a minted key to the given user (GET /users/me)', async () => {
      const created = await mock.control('POST', '/keys', { tier: 'unlimited', scopes: ['users:read'], userId: 'user_analyst00000003' });
      const reply = await api('/users/me', bearer(created.json<{ key: string }>().key));
      expect(reply.json()).toMatchObject({ id: 'user_analyst00000003' });
    });

    it.each<[string, unknown, string]>([
      ['no tier', { scopes: [] }, 'tier must be one of basic, standard, professional, enterprise, unlimited.'],
      ['an unknown tier', { tier: 'gold', scopes: [] }, 'tier must be one of basic, standard, professional, enterprise, unlimited.'],
      ['no scopes', { tier: 'basic' }, 'scopes must be an array of strings (unknown scopes are allowed: they grant nothing).'],
      ['scopes that are not strings', { tier: 'basic', scopes: ['alerts:read', 7] }, 'scopes must be an array of strings (unknown scopes are allowed: they grant nothing).'],
      ['an unknown kind', { kind: 'ancient', tier: 'basic', scopes: [] }, 'kind must be "modern" or "legacy".'],
      ['an empty name', { name: '', tier: 'basic', scopes: [] }, 'name must be a non-empty string.'],
      ['a TLP clearance of 5', { tier: 'basic', scopes: [], tlpClearance: 5 }, 'tlpClearance must be an integer from 0 to 4.'],
      ['a PAP clearance of 1.5', { tier: 'basic', scopes: [], papClearance: 1.5 }, 'papClearance must be an integer from 0 to 4.'],
      ['an expiresAt that is no date', { tier: 'basic', scopes: [], expiresAt: 'tomorrow' }, 'expiresAt must be Unix milliseconds or an ISO 8601 date-time, within the years 1970 to 275759.'],
      ['a userId that is no string', { tier: 'basic', scopes: [], userId: 5 }, 'userId must be a string.'],
      ['a description that is no string', { tier: 'basic', scopes: [], description: ['x'] }, 'description must be a string.'],
      ['a body that is a JSON array', '[]', 'The body must be a JSON object.'],
      ['a body that is not JSON', '{bad json', 'The body is not valid JSON.'],
    ])('answers 400 with a clear message for %s', async (_name, body, detail) => {
      const problem = expectProblem(await mock.control('POST', '/keys', body), 400, 'invalid_control_request');
      expect(problem.detail).toBe(detail);
    });

    // Mock bug: the value passes validation (a finite number), the record is stored, and turning it
    // into an ISO date (keyView) throws a RangeError: the answer is a 500, and every later
    // GET /__mock/keys and admin GET /api-keys is a 500 too until a reset.
    it('answers 400 for an expiresAt beyond the range of dates (1e20 ms)', async () => {
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const reply = await mock.control('POST', '/keys', { tier: 'basic', scopes: [], expiresAt: 1e20 });
        expectProblem(reply, 400, 'invalid_control_request');
        expect((await mock.control('GET', '/keys')).status).toBe(200);
      } finally {
        quiet.mockRestore();
      }
    });
  });

  describe('key lifecycle', () => {
    it('revoke, suspend and reinstate answer the key view; the API follows at once', async () => {
      const target = mock.keyOf('read-write');
      const suspended = await mock.control('POST', `/keys/${target.id}/suspend`);
      expect(suspended.status).toBe(200);
      expect(suspended.json()).toMatchObject({ id: target.id, status: 'suspended' });
      expectProblem(await api('/alerts', bearer(target.key!)), 401, 'suspended_key');
      expect((await mock.control('POST', `/keys/${target.id}/reinstate`)).json()).toMatchObject({ status: 'active' });
      expect((await api('/alerts', bearer(target.key!))).status).toBe(200);
      expect((await mock.control('POST', `/keys/${target.id}/revoke`)).json()).toMatchObject({ status: 'revoked' });
      expectProblem(await api('/alerts', bearer(target.key!)), 401, 'revoked_key');
    });

    it('does not bring a revoked key back by reinstating it', async () => {
      const target = mock.keyOf('revoked');
      expect((await mock.control('POST', `/keys/${target.id}/reinstate`)).json()).toMatchObject({ status: 'revoked' });
      expectProblem(await api('/alerts', bearer(target.key!)), 401, 'revoked_key');
    });

    it.each(['revoke', 'suspend', 'reinstate'])('answers 404 not_found to %s of an unknown key', async (action) => {
      expectProblem(await mock.control('POST', `/keys/key_nope/${action}`), 404, 'not_found');
    });
  });

  describe('the clock', () => {
    it('GET /__mock/clock tells a real clock', async () => {
      const before = Date.now();
      const reply = await mock.control('GET', '/clock');
      expect(reply.status).toBe(200);
      const body = reply.json<{ now: number; iso: string; mode: string; timeScale: number }>();
      expect(body).toEqual({ now: expect.any(Number), iso: new Date(body.now).toISOString(), mode: 'real', timeScale: 1 });
      expect(body.now).toBeGreaterThanOrEqual(before);
      expect(body.now).toBeLessThanOrEqual(Date.now());
    });

    it.each([
      ['PUT', '/clock', { now: Date.UTC(2030, 0, 1) }],
      ['POST', '/clock/advance', { ms: 1000 }],
    ])('answers 409 clock_not_virtual to %s %s on a real clock', async (method, path, body) => {
      expectProblem(await mock.control(method, path, body), 409, 'clock_not_virtual');
    });
  });

  describe('faults (mock/faults)', () => {
    afterEach(() => mock.app.setFaults([]));

    it('GET /__mock/faults lists none set, and every known fault with what it breaks', async () => {
      const reply = await mock.control('GET', '/faults');
      const body = reply.json<{ faults: string[]; known: { name: string; breaks: string[] }[] }>();
      expect(reply.status).toBe(200);
      expect(body.faults).toEqual([]);
      expect(body.known.find((f) => f.name === 'accept-revoked')?.breaks).toEqual(['KEY-3']);
    });

    it('PUT /__mock/faults switches a fault on and off while the mock runs (KEY-3 broken, then kept)', async () => {
      const target = mock.keyOf('read-write');
      await mock.control('POST', `/keys/${target.id}/revoke`);
      const on = await mock.control('PUT', '/faults', { faults: ['accept-revoked'] });
      expect({ status: on.status, faults: on.json<{ faults: string[] }>().faults }).toEqual({ status: 200, faults: ['accept-revoked'] });
      expect((await api('/alerts', bearer(target.key!))).status).toBe(200);
      expect((await mock.control('PUT', '/faults', { faults: [] })).status).toBe(200);
      expectProblem(await api('/alerts', bearer(target.key!)), 401, 'revoked_key');
    });

    it('answers 400 to an unknown fault and keeps the faults set', async () => {
      await mock.control('PUT', '/faults', { faults: ['no-deprecation-header'] });
      const reply = await mock.control('PUT', '/faults', { faults: ['no-such-fault'] });
      expectProblem(reply, 400, 'invalid_control_request');
      expect(reply.text).toContain('no-such-fault');
      expect(mock.app.faults).toEqual(['no-deprecation-header']);
    });

    it('answers 400 when faults is not an array of names', async () => {
      expectProblem(await mock.control('PUT', '/faults', { faults: 'accept-revoked' }), 400, 'invalid_control_request');
    });

    it('runs the clean handler itself when no fault is set: no wrapper on the hot path', async () => {
      const clean = mock.app.handleApi;
      mock.app.setFaults(['accept-revoked']);
      expect(mock.app.handleApi).not.toBe(clean);
      mock.app.setFaults([]);
      expect(mock.app.handleApi.name).toBe('handleRequest');
    });
  });

  describe('POST /__mock/reset', () => {
    it('restores a revoked seeded key', async () => {
      const target = mock.keyOf('read-write');
      await mock.control('POST', `/keys/${target.id}/revoke`);
      expectProblem(await api('/alerts', bearer(target.key!)), 401, 'revoked_key');
      const reset = await mock.control('POST', '/reset');
      expect({ status: reset.status, body: reset.text }).toEqual({ status: 204, body: '' });
      expect((await api('/alerts', bearer(target.key!))).status).toBe(200);
    });

    it('forgets keys minted since the start', async () => {
      const created = (await mock.control('POST', '/keys', { tier: 'unlimited', scopes: ['alerts:read'] })).json<{ id: string; key: string }>();
      expect((await api('/alerts', bearer(created.key))).status).toBe(200);
      expect((await mock.control('POST', '/reset')).status).toBe(204);
      expectProblem(await api('/alerts', bearer(created.key)), 401, 'invalid_key');
      expect((await mock.control('GET', '/keys')).json<{ data: { id: string }[] }>().data.map((k) => k.id)).not.toContain(created.id);
    });

    it('restores entities and the rate-limit state', async () => {
      const headers = bearer(mock.key('read-write'));
      const id = mock.entities('alerts')[0]!.id;
      expect((await send(`${mock.baseUrl}/alerts/${id}`, { method: 'DELETE', headers })).status).toBe(204);
      for (let i = 0; i < 3; i++) await api('/alerts', bearer(mock.key('basic-a')));
      await mock.control('POST', '/reset');
      expect((await api(`/alerts/${id}`, headers)).status).toBe(200);
      expect((await api('/alerts', bearer(mock.key('basic-a')))).headers.get('x-ratelimit-remaining')).toBe('9');
    });
  });
});

describe('control API on a virtual clock', () => {
  const START = Date.UTC(2026, 2, 1, 0, 0, 0);
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ clock: 'virtual', clockStart: START });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.app.clock.set(START));

  it('GET /__mock/clock tells the virtual time, which stands still', async () => {
    const first = (await mock.control('GET', '/clock')).json();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(first).toEqual({ now: START, iso: new Date(START).toISOString(), mode: 'virtual', timeScale: 1 });
    expect((await mock.control('GET', '/clock')).json()).toEqual(first);
  });

  it.each([
    ['Unix milliseconds', Date.UTC(2027, 6, 4, 10, 30), Date.UTC(2027, 6, 4, 10, 30)],
    ['an ISO 8601 date-time', '2027-07-04T10:30:00.000Z', Date.UTC(2027, 6, 4, 10, 30)],
  ])('PUT /__mock/clock sets the time from %s', async (_name, now, expected) => {
    const reply = await mock.control('PUT', '/clock', { now });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ now: expected, iso: new Date(expected).toISOString(), mode: 'virtual' });
    expect(mock.app.clock.now()).toBe(expected);
  });

  it('POST /__mock/clock/advance moves the time forward by ms', async () => {
    const reply = await mock.control('POST', '/clock/advance', { ms: 1500 });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ now: START + 1500 });
  });

  it.each<[string, string, unknown, string]>([
    ['a negative advance', '/clock/advance', { ms: -1 }, 'ms must be a non-negative number of milliseconds.'],
    ['an advance that is no number', '/clock/advance', { ms: '10' }, 'ms must be a non-negative number of milliseconds.'],
    ['an advance without ms', '/clock/advance', {}, 'ms must be a non-negative number of milliseconds.'],
  ])('answers 400 to %s', async (_name, path, body, detail) => {
    expect(expectProblem(await mock.control('POST', path, body), 400, 'invalid_control_request').detail).toBe(detail);
    expect(mock.app.clock.now()).toBe(START);
  });

  it.each([
    ['a time that is no date', { now: 'soon' }],
    ['no time', {}],
  ])('answers 400 to PUT /__mock/clock with %s', async (_name, body) => {
    const problem = expectProblem(await mock.control('PUT', '/clock', body), 400, 'invalid_control_request');
    expect(problem.detail).toBe('now must be Unix milliseconds or an ISO 8601 date-time, within the years 1970 to 275759.');
    expect(mock.app.clock.now()).toBe(START);
  });

  // Mock bug: a finite number outside the range of dates passes the check, the clock is set, and
  // clockAnswer's toISOString throws: a 500, and the clock is left unusable.
  it('answers 400 to PUT /__mock/clock with a time beyond the range of dates (1e20 ms)', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expectProblem(await mock.control('PUT', '/clock', { now: 1e20 }), 400, 'invalid_control_request');
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('control API turned off (--no-control)', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock({ control: false });
  });
  afterAll(() => mock.close());

  it('has no control URL and no token', () => {
    expect(mock.server.controlUrl).toBeUndefined();
    expect(mock.app.controlToken).toBeUndefined();
    expect(mock.profile.target.control).toBeUndefined();
  });

  it.each([
    ['GET', '/__mock/keys'],
    ['POST', '/__mock/reset'],
    ['GET', '/__mock/clock'],
    ['GET', '/__mock'],
  ])('answers 404 not_found to %s %s', async (method, path) => {
    expectProblem(await send(`${mock.server.origin}${path}`, { method, headers: { 'X-Mock-Token': 'a-token-of-sixteen-chars' } }), 404, 'not_found');
  });

  it('still serves the API', async () => {
    expect((await send(`${mock.baseUrl}/alerts`, { headers: bearer(mock.key('read-write')) })).status).toBe(200);
  });
});
