// A client developer's unit tests: the client above against the mock's MSW handlers, on a
// virtual clock (a 429's Retry-After is "waited" by moving the clock: no real waiting).
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, type CaseBenderMock } from '../../mock/msw/index.js';
import { CaseBenderClient, CaseBenderError, type AlertInput } from './casebender-client.js';

let mock: CaseBenderMock;
let server: ReturnType<typeof setupServer>;

beforeAll(async () => {
  mock = await createHandlers({ clock: 'virtual' });
  server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => mock.reset());
afterAll(() => server.close());

describe('CaseBenderClient against the MSW handlers', () => {
  it('lists alerts with a valid key', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('read-only') });
    const alerts = await client.listAlerts();
    expect(Array.isArray(alerts)).toBe(true);
    expect(alerts.length).toBe(mock.app.seed.alerts.length);
    expect(alerts.every((a) => typeof a.id === 'string' && typeof a.status.stage === 'string')).toBe(true);
    // Newest first.
    expect(alerts.map((a) => a.createdAt)).toEqual(alerts.map((a) => a.createdAt).sort().reverse());
  });

  it('lists the alerts of one status, by its value or its stage', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('read-only') });
    const closed = await client.listAlerts({ status: 'closed' });
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((a) => a.statusValue === 'closed')).toBe(true);
    const inProgress = await client.listAlerts({ status: 'InProgress' });
    expect(inProgress.length).toBeGreaterThan(0);
    expect(inProgress.every((a) => a.status.stage === 'InProgress')).toBe(true);
    expect(closed.length + inProgress.length).toBeLessThan((await client.listAlerts()).length);
  });

  it('creates an alert (200) and reads it back', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('read-write') });
    const created = await client.createAlert({ title: 'From the client', statusValue: 'new', severity: 3, source: 'client', tags: [{ id: 2 }] });
    expect(created).toMatchObject({ title: 'From the client', statusValue: 'new', status: { stage: 'New' }, severity: 3, tags: [{ id: 2 }], deletedAt: null, case: null });
    expect(await client.getAlert(created.id)).toEqual(created);
    expect((await client.listAlerts()).map((a) => a.id)).toContain(created.id);
  });

  it('a body without the required statusValue and severity is a 400 problem', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('read-write') });
    const error = await client.createAlert({ title: 'incomplete' } as unknown as AlertInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaseBenderError);
    expect((error as CaseBenderError).status).toBe(400);
    expect((error as CaseBenderError).code).toBe('invalid_body');
  });

  it('KEY-3: a revoked key gets a 401 problem with WWW-Authenticate', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('revoked') });
    const error = await client.listAlerts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaseBenderError);
    expect((error as CaseBenderError).status).toBe(401);
    expect((error as CaseBenderError).headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('RL-1/HDR-3: retries after a 429 by waiting Retry-After on the virtual clock, and the retry succeeds', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      mock.clock.advance(ms);
    };
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('basic-a'), sleep });
    // The basic tier admits its burst at once; the next request is refused until a token refills.
    const { burst } = mock.app.model.tiers['basic']!;
    for (let i = 0; i < burst; i++) await client.listAlerts();
    expect(waits).toEqual([]);
    const before = mock.clock.now();
    await client.listAlerts();
    expect(waits.length).toBe(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(mock.clock.now() - before).toBe(waits[0]);
  });

  it('gives up with the 429 after maxRetries when the clock does not move', async () => {
    const client = new CaseBenderClient({ baseUrl: mock.baseUrl, apiKey: mock.key('basic-b'), maxRetries: 2, sleep: async () => undefined });
    const { burst } = mock.app.model.tiers['basic']!;
    for (let i = 0; i < burst; i++) await client.listAlerts();
    const error = await client.listAlerts().catch((e: unknown) => e);
    expect((error as CaseBenderError).status).toBe(429);
    expect((error as CaseBenderError).headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
