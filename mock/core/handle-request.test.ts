// The ordered pipeline, in-process: the order of checks (ERR-4) and what counts (RL-9).
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockApp, referenceValidators, type MockApp } from '../app.js';
import type { Stores } from '../store/types.js';
import type { Answer } from './answer.js';
import { createRequestHandler, type RequestFacts } from './handle-request.js';

const START = Date.UTC(2026, 10, 27, 12, 0, 0);
let app: MockApp;

const material = (name: string) => {
  const k = app.seededKeys.find((s) => s.spec.name === name);
  if (k === undefined || k.material?.kind !== 'modern') throw new Error(`no modern seeded key ${name}`);
  return k.material.key;
};
const request = (method: string, path: string, key?: string, body?: unknown): RequestFacts => ({
  method,
  pathname: `/api/v1${path}`,
  query: new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?') + 1) : ''),
  rawHeaders: key === undefined ? [] : ['Authorization', `Bearer ${key}`],
  ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json' } : {}),
});
const send = async (facts: RequestFacts) => {
  const answer = await app.handleApi({ ...facts, pathname: facts.pathname.split('?')[0]! });
  return { ...answer, json: answer.body === undefined ? undefined : (JSON.parse(answer.body) as Record<string, unknown>) };
};
const restricted = () => app.seed.alerts.find((a) => a.tlp === 4 && a.pap === 0)!;

beforeEach(async () => {
  app = await createMockApp({ clock: 'virtual', clockStart: START, control: false });
});

describe('the order of checks (ERR-4)', () => {
  it('ERR-4: authentication comes first: a revoked key gets 401 even where it lacks scope', async () => {
    const answer = await send(request('GET', '/api-keys', material('revoked')));
    expect(answer.status).toBe(401);
    expect(answer.json?.['code']).toBe('revoked_key');
  });

  it('ERR-4, RL-5: the rate limit comes before scope: a spent key gets 429 on an operation it may not call', async () => {
    const key = material('basic-a');
    for (let i = 0; i < 10; i++) expect((await send(request('GET', '/alerts', key))).status).toBe(200);
    const answer = await send(request('GET', '/api-keys', key));
    expect(answer.status).toBe(429);
    expect(answer.headers).toMatchObject({ 'Retry-After': '1', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Limit': '60' });
  });

  it('ERR-4, SCOPE-5: scope comes before clearance, validation and existence', async () => {
    const noScope = material('no-scope');
    for (const facts of [request('GET', `/alerts/${restricted().id}`, noScope), request('PATCH', '/alerts/nope', noScope, '{bad'), request('GET', '/cases/nope', noScope)]) {
      const answer = await send(facts);
      expect(answer.status).toBe(403);
      expect(answer.json?.['code']).toBe('insufficient_scope');
    }
  });

  it('ERR-4, TLP-1: clearance comes before validation', async () => {
    const alert = app.seed.alerts.find((a) => a.tlp === 2)!;
    const answer = await send(request('PATCH', `/alerts/${alert.id}`, material('tlp-green'), { fields: { severity: 99 } }));
    expect(answer.status).toBe(403);
    expect(answer.json?.['code']).toBe('tlp_restricted');
  });

  it('ERR-4: validation comes before existence', async () => {
    const answer = await send(request('PATCH', '/alerts/alert_unknown', material('read-write'), { fields: { severity: 99 } }));
    expect(answer.status).toBe(400);
    expect(answer.json?.['errors']).toEqual([{ field: 'fields.severity', message: 'must be <= 4' }]);
  });

  it('ERR-4: existence comes last', async () => {
    const answer = await send(request('PATCH', '/alerts/alert_unknown', material('read-write'), { fields: { severity: 3 } }));
    expect(answer.status).toBe(404);
    expect(answer.json?.['code']).toBe('not_found');
  });

  it('TLP-4 before TLP-5: a valid marking above clearance is 403, an invalid one 400', async () => {
    const body = { title: 't', type: 'x', source: 's', sourceRef: 'r' };
    expect((await send(request('POST', '/alerts', material('tlp-green'), { ...body, tlp: 3 }))).status).toBe(403);
    const invalid = await send(request('POST', '/alerts', material('tlp-green'), { ...body, tlp: 7 }));
    expect(invalid.status).toBe(400);
    expect(invalid.json?.['errors']).toEqual([{ field: 'tlp', message: 'must be <= 4' }]);
  });
});

describe('what counts against a key (RL-9)', () => {
  it('RL-9: 403, 404 and 400 answers each spend the key’s allowance', async () => {
    const key = material('basic-a');
    const spenders = [request('GET', '/api-keys', key), request('GET', '/alerts/alert_unknown', key), request('GET', '/alerts?limit=500', key)];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(spenders[i % 3]!)).status);
    expect(new Set(statuses)).toEqual(new Set([403, 404, 400]));
    expect((await send(request('GET', '/alerts', key))).status).toBe(429);
  });

  it('RL-9: a 401 counts against no key', async () => {
    const key = material('basic-a');
    for (let i = 0; i < 50; i++) await send(request('GET', '/alerts', key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x')));
    const answer = await send(request('GET', '/alerts', key));
    expect(answer.status).toBe(200);
    expect(answer.headers['X-RateLimit-Remaining']).toBe('9');
  });

  it('RL-6: spending one key leaves another of the same tier untouched', async () => {
    for (let i = 0; i < 11; i++) await send(request('GET', '/alerts', material('basic-a')));
    expect((await send(request('GET', '/alerts', material('basic-b')))).headers['X-RateLimit-Remaining']).toBe('9');
  });

  it('HDR-4: an Unlimited key gets no X-RateLimit-* headers; HDR-1: a limited key gets all three', async () => {
    const unlimited = await send(request('GET', '/alerts', material('unlimited-a')));
    expect(Object.keys(unlimited.headers).filter((h) => h.startsWith('X-RateLimit'))).toEqual([]);
    const limited = await send(request('GET', '/alerts', material('basic-a')));
    expect(limited.headers).toMatchObject({ 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '9', 'X-RateLimit-Reset': String(START / 1000 + 1) });
  });
});

describe('resources', () => {
  it('TLP-3: lists leave out entities above the clearance, and so do their totals', async () => {
    const answer = await send(request('GET', '/alerts?limit=100', material('tlp-green')));
    const data = answer.json?.['data'] as { tlp: number }[];
    expect(data.every((a) => a.tlp <= 1)).toBe(true);
    expect(answer.json?.['pagination']).toEqual({ page: 1, limit: 100, total: 10, totalPages: 1 });
  });

  it('creates a case from alerts and links them', async () => {
    const ids = app.seed.alerts.filter((a) => a.tlp === 0).slice(0, 2).map((a) => a.id);
    const answer = await send(request('POST', '/alerts/create-case', material('read-write'), { alertIds: ids }));
    expect(answer.status).toBe(201);
    const caseId = answer.json?.['caseId'] as string;
    const created = await send(request('GET', `/cases/${caseId}`, material('read-write')));
    expect(created.json).toMatchObject({ id: caseId, alertIds: ids, tlp: 0 });
    expect((await send(request('GET', `/alerts/${ids[0]}`, material('read-write')))).json?.['caseId']).toBe(caseId);
  });

  it('soft-deletes: the entity is gone from reads and lists', async () => {
    const id = app.seed.alerts[0]!.id;
    const key = material('read-write');
    expect((await send(request('DELETE', `/alerts/${id}`, key))).status).toBe(204);
    expect((await send(request('GET', `/alerts/${id}`, key))).status).toBe(404);
    const list = await send(request('GET', '/alerts?limit=100', key));
    expect((list.json?.['data'] as { id: string }[]).map((a) => a.id)).not.toContain(id);
  });

  it('a new entity without a marking gets AMBER, or the key’s clearance if lower', async () => {
    const body = { title: 't', type: 'x', source: 's', sourceRef: 'r' };
    expect((await send(request('POST', '/alerts', material('read-write'), body))).json).toMatchObject({ tlp: 2, pap: 2, statusValue: 'New' });
    expect((await send(request('POST', '/alerts', material('tlp-green'), body))).json).toMatchObject({ tlp: 1, pap: 2 });
  });
});

describe('synchronous and promised stores', () => {
  /** The same stores, every answer deferred to a later tick (the shape of a Redis store). */
  const deferred = (stores: Stores): Stores => {
    const later = <T>(value: T | Promise<T>): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));
    return {
      keys: {
        findModern: (k) => later(stores.keys.findModern(k)),
        findLegacy: (a, s) => later(stores.keys.findLegacy(a, s)),
        get: (id) => later(stores.keys.get(id)),
        list: () => later(stores.keys.list()),
        put: (r) => later(stores.keys.put(r)),
      },
      limiter: { take: (...args) => later(stores.limiter.take(...args)), peek: (id) => later(stores.limiter.peek(id)) },
      entities: { get: (c, id) => later(stores.entities.get(c, id)), all: (c) => later(stores.entities.all(c)), put: (c, e) => later(stores.entities.put(c, e)), putAll: (w) => later(stores.entities.putAll(w)) },
      clear: () => later(stores.clear()),
    };
  };

  it('answers at once, without a promise, over the memory store', () => {
    const answer = app.handleApi(request('GET', `/alerts/${app.seed.alerts[0]!.id}`, material('read-write')));
    expect(answer).not.toBeInstanceOf(Promise);
    expect((answer as Answer).status).toBe(200);
  });

  it('gives the same answers, in order, over stores that answer by promise (the one pipeline for both)', async () => {
    const other = await createMockApp({ clock: 'virtual', clockStart: START, control: false });
    const promised = createRequestHandler({ model: other.model, validators: referenceValidators(), stores: deferred(other.stores), now: other.clock.now });
    const keyOf = (a: MockApp, name: string) => {
      const m = a.seededKeys.find((s) => s.spec.name === name)!.material!;
      return m.kind === 'modern' ? m.key : '';
    };
    const script = (a: MockApp): RequestFacts[] => [
      request('GET', `/alerts/${a.seed.alerts[0]!.id}`, keyOf(a, 'read-write')),
      request('GET', '/alerts', 'cbr_live_' + 'x'.repeat(40)),
      ...Array.from({ length: 12 }, () => request('GET', '/alerts', keyOf(a, 'basic-a'))),
      request('GET', `/alerts/${restricted().id}`, keyOf(a, 'tlp-green')),
      request('POST', '/alerts', keyOf(a, 'read-write'), { title: 't', type: 'siem', source: 's', sourceRef: 'r' }),
      request('GET', '/alerts/alert_nothing00000000', keyOf(a, 'read-write')),
    ];
    const shape = (x: Answer) => ({ status: x.status, headers: x.headers, code: x.body === undefined ? undefined : (JSON.parse(x.body) as { code?: string }).code });
    const sync: ReturnType<typeof shape>[] = [];
    for (const f of script(app)) sync.push(shape(await app.handleApi(f)));
    const viaPromises: ReturnType<typeof shape>[] = [];
    for (const f of script(other)) {
      const pending = promised(f);
      expect(pending, `${f.method} ${f.pathname}`).toBeInstanceOf(Promise);
      viaPromises.push(shape(await pending));
    }
    expect(viaPromises).toEqual(sync);
    expect(sync.map((s) => s.status)).toEqual([200, 401, ...Array(10).fill(200), 429, 429, 403, 201, 404]);
  });

  it('over promised stores, reads the entity addressed with the rate decision, and only for an authenticated key', async () => {
    const read: string[] = [];
    const stores: Stores = {
      keys: app.stores.keys,
      limiter: { take: (...args) => Promise.resolve(app.stores.limiter.take(...args)), peek: (id) => app.stores.limiter.peek(id) },
      entities: {
        get: (_c, id) => {
          read.push(id);
          return Promise.reject(new Error('store down'));
        },
        all: (c) => app.stores.entities.all(c),
        put: (c, e) => app.stores.entities.put(c, e),
        putAll: (w) => app.stores.entities.putAll(w),
      },
      clear: () => app.stores.clear(),
    };
    const handler = createRequestHandler({ model: app.model, validators: referenceValidators(), stores, now: app.clock.now });
    const id = app.seed.alerts[0]!.id;
    expect((await handler(request('GET', `/alerts/${id}`, 'cbr_live_' + 'x'.repeat(40)))).status).toBe(401);
    expect(read).toEqual([]);
    // Spent: answered 429 without waiting on the read, whose failure must not go unhandled.
    for (let i = 0; i < 10; i++) await handler(request('GET', '/alerts', material('basic-a')));
    expect((await handler(request('GET', `/alerts/${id}`, material('basic-a')))).status).toBe(429);
    expect(read).toEqual([id]);
    await new Promise((resolve) => setImmediate(resolve));
    // Admitted: the read's failure is the request's.
    await expect(handler(request('GET', `/alerts/${id}`, material('read-write')))).rejects.toThrow('store down');
  });

  it('turns a store that fails by promise into a rejection of the request, as a failing synchronous store throws', async () => {
    const failing: Stores = { ...app.stores, keys: { ...app.stores.keys, findModern: () => Promise.reject(new Error('store down')) } };
    const handler = createRequestHandler({ model: app.model, validators: referenceValidators(), stores: failing, now: app.clock.now });
    await expect(handler(request('GET', '/alerts', material('read-write')))).rejects.toThrow('store down');
  });
});
