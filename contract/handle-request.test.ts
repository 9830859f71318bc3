// The ordered pipeline, in-process: the order of checks (ERR-4) and what counts (RL-9).
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockApp, type MockApp } from '../mock/app.js';
import { referenceValidators } from './validation.js';
import type { Stores } from './store-types.js';
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
    const body = { title: 't', statusValue: 'new', severity: 2, type: 'x', source: 's', sourceRef: 'r' };
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
    // GET /alerts: a top-level array of every alert the key may see, newest first, and no other.
    const answer = await send(request('GET', '/alerts', material('tlp-green')));
    expect(answer.status).toBe(200);
    const alerts = answer.json as unknown as { id: string; tlp: number; createdAt: string }[];
    expect(Array.isArray(alerts)).toBe(true);
    expect(alerts.every((a) => a.tlp <= 1)).toBe(true);
    const visible = app.seed.alerts.filter((a) => (a.tlp as number) <= 1);
    expect(visible).toHaveLength(10);
    expect(alerts.map((a) => a.id).sort()).toEqual(visible.map((a) => a.id).sort());
    expect(alerts.map((a) => a.createdAt)).toEqual(alerts.map((a) => a.createdAt).sort().reverse());
    // A paged list (/cases): its page and its total count only what the key may see.
    const cases = await send(request('GET', '/cases?limit=100', material('tlp-green')));
    const data = cases.json?.['data'] as { tlp: number }[];
    expect(data.every((c) => c.tlp <= 1)).toBe(true);
    expect(data).toHaveLength(4);
    expect(cases.json?.['pagination']).toEqual({ page: 1, limit: 100, total: 4, totalPages: 1 });
  });

  it('creates a case from alerts and links them', async () => {
    const ids = app.seed.alerts.filter((a) => a.tlp === 0 && a['case'] === null).slice(0, 2).map((a) => a.id);
    expect(ids).toHaveLength(2);
    const body = { title: 'From two alerts', statusValue: 'new', severity: 3, tlp: 0, pap: 0, alertIds: ids };
    const answer = await send(request('POST', '/alerts/create-case', material('read-write'), body));
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json ?? {})).toEqual(['caseId']);
    const caseId = answer.json?.['caseId'] as string;
    const created = await send(request('GET', `/cases/${caseId}`, material('read-write')));
    expect(created.json).toMatchObject({ id: caseId, title: 'From two alerts', statusValue: 'new', severity: 3, alertIds: ids, tlp: 0 });
    for (const id of ids) {
      const linked = (await send(request('GET', `/alerts/${id}`, material('read-write')))).json!;
      expect(linked['case']).toEqual({ id: caseId, tinyId: created.json?.['tinyId'], title: 'From two alerts' });
      expect(linked).not.toHaveProperty('caseId');
    }
  });

  it('soft-deletes: the entity is gone from reads and lists', async () => {
    const id = app.seed.alerts[0]!.id;
    const key = material('read-write');
    expect((await send(request('DELETE', `/alerts/${id}`, key))).status).toBe(204);
    expect((await send(request('GET', `/alerts/${id}`, key))).status).toBe(404);
    const list = await send(request('GET', '/alerts', key));
    const ids = (list.json as unknown as { id: string }[]).map((a) => a.id);
    expect(ids).not.toContain(id);
    expect(ids).toHaveLength(app.seed.alerts.length - 1);
  });

  it('a new entity without a marking gets AMBER, or the key’s clearance if lower', async () => {
    const body = { title: 't', statusValue: 'new', severity: 2, type: 'x', source: 's', sourceRef: 'r' };
    const created = await send(request('POST', '/alerts', material('read-write'), body));
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ tlp: 2, pap: 2, statusValue: 'new', status: { stage: 'New', value: 'new' }, severity: 2, deletedAt: null, case: null });
    const green = await send(request('POST', '/alerts', material('tlp-green'), body));
    expect(green.status).toBe(200);
    expect(green.json).toMatchObject({ tlp: 1, pap: 2 });
  });
});

describe('the documented alert operations', () => {
  const ALERT = { title: 'documented', statusValue: 'new', severity: 2 };
  /** A multipart/form-data request (Create Alert with files): the AlertInput in `alert`, the files in `file`. */
  const multipart = async (key: string, alert: unknown, files: readonly string[]): Promise<RequestFacts> => {
    const form = new FormData();
    form.set('alert', typeof alert === 'string' ? alert : JSON.stringify(alert));
    for (const name of files) form.append('file', new File([`bytes of ${name}`], name, { type: 'application/octet-stream' }));
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    return { ...request('POST', '/alerts-attachments', key), body: await encoded.text(), contentType: encoded.headers.get('content-type')! };
  };

  it('GET /alerts?status= keeps the alerts of one status, by value or stage, any case; page and limit still checked', async () => {
    const key = material('read-write');
    const byValue = (await send(request('GET', '/alerts?status=CLOSED', key))).json as unknown as { statusValue: string }[];
    expect(byValue.length).toBe(app.seed.alerts.filter((a) => a['statusValue'] === 'closed').length);
    expect(byValue.every((a) => a.statusValue === 'closed')).toBe(true);
    const byStage = (await send(request('GET', '/alerts?status=inprogress', key))).json as unknown as { status: { stage: string } }[];
    expect(byStage.length).toBe(app.seed.alerts.filter((a) => a['statusValue'] === 'in-progress').length);
    expect(byStage.every((a) => a.status.stage === 'InProgress')).toBe(true);
    expect(await send(request('GET', '/alerts?status=nothing-like-it', key))).toMatchObject({ status: 200, json: [] });
    for (const query of ['status=', 'limit=0', 'limit=101', 'page=0']) {
      const answer = await send(request('GET', `/alerts?${query}`, key));
      expect(answer.status, query).toBe(400);
      expect(answer.json?.['code'], query).toBe('invalid_query');
    }
  });

  it('PUT /alerts/{id} updates as PATCH does, under the same scope and clearance checks', async () => {
    const alert = app.seed.alerts.find((a) => a.tlp === 0 && a.pap === 0)!;
    const put = await send(request('PUT', `/alerts/${alert.id}`, material('read-write'), { fields: { statusValue: 'closed', severity: 4 } }));
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id: alert.id, statusValue: 'closed', status: { stage: 'Closed' }, severity: 4, severityLabel: 'Critical' });
    expect((await send(request('GET', `/alerts/${alert.id}`, material('read-write')))).json).toEqual(put.json);
    expect((await send(request('PUT', `/alerts/${alert.id}`, material('read-only'), { fields: { severity: 1 } }))).json?.['code']).toBe('insufficient_scope');
    const amber = app.seed.alerts.find((a) => a.tlp === 2)!;
    expect((await send(request('PUT', `/alerts/${amber.id}`, material('tlp-green'), { fields: { severity: 1 } }))).json?.['code']).toBe('tlp_restricted');
    const invalid = await send(request('PUT', `/alerts/${alert.id}`, material('read-write'), { fields: { severity: 9 } }));
    expect(invalid.status).toBe(400);
    expect(invalid.json?.['errors']).toEqual([{ field: 'fields.severity', message: 'must be <= 4' }]);
  });

  it('POST /alerts/{alertId}/merge/{caseId} needs alerts:write and cases:write, links the alert and answers it (200)', async () => {
    const alert = app.seed.alerts.find((a) => a.tlp === 1 && a['case'] === null)!;
    const target = app.seed.cases.find((c) => c.tlp === 0)!;
    const path = `/alerts/${alert.id}/merge/${target.id}`;
    const scope = await send(request('POST', path, material('cases-only')));
    expect(scope.status).toBe(403);
    expect(scope.headers['WWW-Authenticate']).toContain('scope="alerts:write"');
    const merged = await send(request('POST', path, material('read-write')));
    expect(merged.status).toBe(200);
    expect(merged.json).toMatchObject({ id: alert.id, case: { id: target.id, tinyId: target['tinyId'], title: target['title'] } });
    const after = (await send(request('GET', `/cases/${target.id}`, material('read-write')))).json!;
    expect(after['alertIds']).toContain(alert.id);
    // The case rises to the alert's marking: it must not show the alert to keys the alert is hidden from.
    expect(after['tlp']).toBe(1);
  });

  it('ERR-4: merge checks the alert, then the case: clearance before existence for each', async () => {
    const green = material('tlp-green');
    const visible = app.seed.alerts.find((a) => a.tlp === 0)!;
    const hidden = app.seed.alerts.find((a) => a.tlp === 2)!;
    const hiddenCase = app.seed.cases.find((c) => c.tlp === 2)!;
    const code = async (path: string) => (await send(request('POST', path, green))).json?.['code'];
    expect(await code(`/alerts/${hidden.id}/merge/case_unknown`)).toBe('tlp_restricted');
    expect(await code(`/alerts/alert_unknown/merge/${hiddenCase.id}`)).toBe('not_found');
    expect(await code(`/alerts/${visible.id}/merge/${hiddenCase.id}`)).toBe('tlp_restricted');
    expect(await code(`/alerts/${visible.id}/merge/case_unknown`)).toBe('not_found');
    // Nothing was linked by the refusals.
    expect((await send(request('GET', `/alerts/${visible.id}`, material('read-write')))).json?.['case']).toEqual(visible['case']);
  });

  it('POST /alerts-attachments creates an alert from multipart/form-data whose file observables name uploaded files', async () => {
    const key = material('read-write');
    const alert = { ...ALERT, observables: [{ dataType: 'file', attachment: 'sample.exe' }, { dataType: 'ip', data: '203.0.113.7' }] };
    const created = await send(await multipart(key, alert, ['sample.exe', 'notes.txt']));
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ title: 'documented', statusValue: 'new', severity: 2, observables: [{ dataType: 'file', attachment: 'sample.exe', data: 'sample.exe' }, { dataType: 'ip', data: '203.0.113.7' }] });
    expect((await send(request('GET', `/alerts/${created.json?.['id'] as string}`, key))).status).toBe(200);

    const unmatched = await send(await multipart(key, alert, ['other.exe']));
    expect(unmatched.status).toBe(400);
    expect(unmatched.json?.['errors']).toEqual([{ field: 'alert.observables.0.attachment', message: expect.stringContaining('sample.exe') }]);
    const unnamed = await send(await multipart(key, { ...ALERT, observables: [{ dataType: 'file' }] }, ['sample.exe']));
    expect(unnamed.json?.['errors']).toEqual([{ field: 'alert.observables.0.attachment', message: 'is required for a file observable' }]);
    // The AlertInput inside the form is validated as Create Alert's body, every failing field named.
    const invalid = await send(await multipart(key, { title: 'x' }, []));
    expect(invalid.status).toBe(400);
    expect(invalid.json?.['errors']).toEqual([
      { field: 'alert.statusValue', message: 'is required' },
      { field: 'alert.severity', message: 'is required' },
    ]);
    expect((await send(await multipart(key, '{not json', []))).json?.['errors']).toEqual([{ field: 'alert', message: 'is not valid JSON' }]);
    // A JSON body is not this operation's: 415.
    expect((await send(request('POST', '/alerts-attachments', key, ALERT))).status).toBe(415);
  });

  it('ERR-4, TLP-4: Create Alert with files checks scope first, then the markings the form asks for', async () => {
    expect((await send(await multipart(material('read-only'), ALERT, []))).json?.['code']).toBe('insufficient_scope');
    expect((await send(await multipart(material('tlp-green'), { ...ALERT, tlp: 3 }, []))).json?.['code']).toBe('tlp_restricted');
    expect((await send(await multipart(material('tlp-green'), { ...ALERT, tlp: 1 }, []))).json).toMatchObject({ tlp: 1 });
  });

  it('Create Alert and Create Case answer 200 with the documented shape; a body without statusValue and severity is 400 naming both', async () => {
    const key = material('read-write');
    const alert = await send(request('POST', '/alerts', key, { ...ALERT, tags: [{ id: 3 }] }));
    expect(alert.status).toBe(200);
    expect(alert.json).toMatchObject({ type: null, source: null, sourceRef: null, externalLink: null, tags: [{ id: 3 }], count: 1, severityLabel: 'Medium' });
    expect(alert.json).not.toHaveProperty('deleted');
    const created = await send(request('POST', '/cases', key, { ...ALERT, description: 'a case' }));
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ title: 'documented', statusValue: 'new', severity: 2, description: 'a case', deletedAt: null, tasks: [], observables: [], alertIds: [] });
    expect(created.json).not.toHaveProperty('deleted');
    for (const path of ['/alerts', '/cases']) {
      const missing = await send(request('POST', path, key, { title: 't' }));
      expect(missing.status, path).toBe(400);
      expect(missing.json?.['errors'], path).toEqual([
        { field: 'statusValue', message: 'is required' },
        { field: 'severity', message: 'is required' },
      ]);
    }
    const unknownField = await send(request('POST', '/alerts', key, { ...ALERT, caseId: 'case_x' }));
    expect(unknownField.status).toBe(400);
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
      request('POST', '/alerts', keyOf(a, 'read-write'), { title: 't', statusValue: 'new', severity: 2, type: 'siem', source: 's', sourceRef: 'r' }),
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
    expect(sync.map((s) => s.status)).toEqual([200, 401, ...Array(10).fill(200), 429, 429, 403, 200, 404]);
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
