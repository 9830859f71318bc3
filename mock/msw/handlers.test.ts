// The MSW adapter itself: its options, the policy's size limits, the control API through MSW, and
// the seeded keys it hands to a test.
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, MockOptionsError, type CaseBenderMock } from './index.js';

let mock: CaseBenderMock;
let server: ReturnType<typeof setupServer>;

beforeAll(async () => {
  mock = await createHandlers({ origin: 'https://cb.example.test', clock: 'virtual', clockStart: Date.UTC(2026, 5, 1) });
  server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: 'error' });
});
afterAll(() => server.close());

const bearer = (name: string) => ({ Authorization: `Bearer ${mock.key(name)}` });

describe('createHandlers options', () => {
  it('refuses unknown options, bad origins, clocks and algorithms with a clear error', async () => {
    await expect(createHandlers({ orign: 'x' } as never)).rejects.toThrow(/unknown option "orign"/);
    await expect(createHandlers({ origin: 'casebender.test' })).rejects.toThrow(MockOptionsError);
    await expect(createHandlers({ origin: 'http://casebender.test/api/v1' })).rejects.toThrow(/no path/);
    await expect(createHandlers({ clock: 'fake' as never })).rejects.toThrow(/clock must be/);
    await expect(createHandlers({ algorithm: 'leaky' as never })).rejects.toThrow(/algorithm must be one of/);
    await expect(createHandlers({ clockStart: Number.NaN })).rejects.toThrow(/clockStart/);
  });

  it('names the seeded keys when asked for one that does not exist, and the right accessor for legacy pairs', () => {
    expect(() => mock.key('nobody')).toThrow(/no seeded key is named "nobody"; the seed has: .*basic-a/);
    expect(() => mock.key('legacy-rw')).toThrow(/legacyPair/);
    expect(mock.legacyPair('legacy-rw').accessKey).toMatch(/^cbak_/);
  });
});

describe('the MSW adapter', () => {
  it('CRED-1: answers the API under /api/v1 and /api with the seeded keys', async () => {
    for (const base of [mock.baseUrl, 'https://cb.example.test/api']) {
      const response = await fetch(`${base}/users/me`, { headers: bearer('read-only') });
      expect(response.status).toBe(200);
    }
  });

  it('ERR-5: headers past the policy limit get 431, bodies past it 413, as problem+json', async () => {
    const { maxBodyBytes, maxHeaderBytes } = mock.app.model.policy.limits;
    const big = await fetch(`${mock.baseUrl}/alerts`, { headers: { ...bearer('read-only'), 'X-Padding': 'x'.repeat(maxHeaderBytes + 1) } });
    expect(big.status).toBe(431);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    const body = await fetch(`${mock.baseUrl}/alerts`, { method: 'POST', headers: { ...bearer('read-write'), 'Content-Type': 'application/json' }, body: `{"title":"${'x'.repeat(maxBodyBytes)}"}` });
    expect(body.status).toBe(413);
    expect(((await body.json()) as { code: string }).code).toBe('body_too_large');
  });

  it('KEY-3: the control API through MSW revokes a key, and the next request gets 401; reset() restores it', async () => {
    const keys = await fetch(`${mock.controlUrl}/keys`, { headers: { 'X-Mock-Token': mock.controlToken! } });
    const { data } = (await keys.json()) as { data: { id: string; name: string }[] };
    const id = data.find((k) => k.name === 'read-write')!.id;
    expect((await fetch(`${mock.controlUrl}/keys/${id}/revoke`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${mock.controlUrl}/keys/${id}/revoke`, { method: 'POST', headers: { 'X-Mock-Token': mock.controlToken! } })).status).toBe(200);
    const refused = await fetch(`${mock.baseUrl}/alerts`, { headers: bearer('read-write') });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('revoked_key');
    await mock.reset();
    expect((await fetch(`${mock.baseUrl}/alerts`, { headers: bearer('read-write') })).status).toBe(200);
  });

  it('KEY-2: a virtual clock of the test moves expiry: the expired key is refused, a fresh one only after its end', async () => {
    const minted = await fetch(`${mock.controlUrl}/keys`, {
      method: 'POST',
      headers: { 'X-Mock-Token': mock.controlToken!, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived', tier: 'unlimited', scopes: ['alerts:read'], expiresAt: mock.clock.now() + 60_000 }),
    });
    expect(minted.status).toBe(201);
    const { key } = (await minted.json()) as { key: string };
    expect((await fetch(`${mock.baseUrl}/alerts`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    mock.clock.advance(60_000);
    expect((await fetch(`${mock.baseUrl}/alerts`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('HEAD answers carry no body', async () => {
    const response = await fetch(`${mock.baseUrl}/nowhere`, { method: 'HEAD' });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('');
  });
});
