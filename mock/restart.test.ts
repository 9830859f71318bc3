// A mock restarted on the same `--data` directory, in-process: keys, entities, limiter state and
// the clock come back; the seeded keys keep working; their material comes back only when it is
// handed over and matches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockApp, type MockApp, type MockOptions } from './app.js';
import type { RequestFacts } from '../contract/handle-request.js';
import type { KeyMaterial } from '../contract/mint-key.js';

const START = Date.UTC(2026, 10, 27, 12);
const TOKEN = 'restart-test-control-token';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-restart-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const start = (options: MockOptions = {}) => createMockApp({ dataDir: dir, clock: 'virtual', clockStart: START, controlToken: TOKEN, saveDebounceMs: 60_000, ...options });
const restart = (options: MockOptions = {}) => createMockApp({ dataDir: dir, clock: 'virtual', controlToken: TOKEN, ...options });

const facts = (method: string, path: string, headers: string[], body?: unknown): RequestFacts => ({
  method,
  pathname: path,
  query: new URLSearchParams(),
  rawHeaders: headers,
  ...(body !== undefined ? { body: JSON.stringify(body), contentType: 'application/json' } : {}),
});
const api = (app: MockApp, method: string, path: string, key: string, body?: unknown) => app.handleApi(facts(method, `/api/v1${path}`, ['Authorization', `Bearer ${key}`], body));
const control = (app: MockApp, method: string, path: string, body?: unknown) => app.handleControl!(facts(method, `/__mock${path}`, ['X-Mock-Token', TOKEN], body), path);
const json = (body: string | undefined) => JSON.parse(body ?? 'null') as Record<string, unknown>;

function seededKey(app: MockApp, name: string): string {
  const material = app.seededKeys.find((k) => k.spec.name === name)?.material;
  if (material?.kind !== 'modern') throw new Error(`no material for ${name}`);
  return material.key;
}

describe('a restart on the same data directory', () => {
  it('keeps a key minted through the control API, and its revocation', async () => {
    const first = await start();
    const kept = json((await control(first, 'POST', '/keys', { tier: 'basic', scopes: ['alerts:read'] })).body);
    const revoked = json((await control(first, 'POST', '/keys', { tier: 'basic', scopes: ['alerts:read'] })).body);
    await control(first, 'POST', `/keys/${revoked['id'] as string}/revoke`);
    first.flush();
    const second = await restart();
    expect(second.restored).toBe(true);
    expect((await api(second, 'GET', '/alerts', kept['key'] as string)).status).toBe(200);
    expect((await api(second, 'GET', '/alerts', revoked['key'] as string)).status).toBe(401);
  });

  it('keeps entities created through the API, whole', async () => {
    const first = await start();
    const created = await api(first, 'POST', '/alerts', seededKey(first, 'read-write'), { title: 'kept across restarts', statusValue: 'new', severity: 2, type: 'siem', source: 'splunk', sourceRef: 'R-1', tags: [{ id: 4 }] });
    expect(created.status).toBe(200);
    const alert = json(created.body);
    expect(alert).toMatchObject({ title: 'kept across restarts', statusValue: 'new', status: { stage: 'New' }, severity: 2, tags: [{ id: 4 }], deletedAt: null });
    first.flush();
    const second = await restart({ knownMaterial: known(first) });
    const read = await api(second, 'GET', `/alerts/${alert['id'] as string}`, seededKey(second, 'read-write'));
    expect(read.status).toBe(200);
    expect(json(read.body)).toEqual(alert);
  });

  it('goes on with a virtual clock from where it stood', async () => {
    const first = await start();
    await control(first, 'POST', '/clock/advance', { ms: 90_000 });
    first.flush();
    const second = await restart();
    expect(second.clock.now()).toBe(START + 90_000);
  });

  it('keeps the limiter state of each key (a spent burst stays spent)', async () => {
    const first = await start();
    const key = json((await control(first, 'POST', '/keys', { tier: 'basic', scopes: ['alerts:read'] })).body);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await api(first, 'GET', '/alerts', key['key'] as string)).status);
    expect(statuses).toContain(429);
    first.flush();
    const second = await restart();
    expect(await second.stores.limiter.peek(key['id'] as string)).toEqual(await first.stores.limiter.peek(key['id'] as string));
    expect((await api(second, 'GET', '/alerts', key['key'] as string)).status).toBe(429);
  });

  it('starts the limiter afresh under another algorithm, whose state has another shape', async () => {
    const first = await start();
    await api(first, 'GET', '/alerts', seededKey(first, 'basic-a'));
    first.flush();
    const second = await restart({ algorithm: 'fixed-window' });
    const id = first.seededKeys.find((k) => k.spec.name === 'basic-a')!.record.id;
    expect(await second.stores.limiter.peek(id)).toBeUndefined();
  });

  it('keeps the seeded keys working, without their material unless it is handed back', async () => {
    const first = await start();
    const material = seededKey(first, 'read-write');
    first.flush();
    const blind = await restart();
    expect(blind.seededKeys.every((k) => k.material === undefined)).toBe(true);
    expect(blind.profile('http://127.0.0.1:1/api/v1').keys).toEqual([]);
    expect((await api(blind, 'GET', '/alerts', material)).status).toBe(200);
    const told = await restart({ knownMaterial: known(first) });
    expect(told.profile('http://127.0.0.1:1/api/v1')).toEqual(first.profile('http://127.0.0.1:1/api/v1'));
  });

  it('takes back no material that does not match the stored hash', async () => {
    const first = await start();
    first.flush();
    const forged: { id: string; material: KeyMaterial }[] = first.seededKeys.map((k) => ({ id: k.record.id, material: k.material!.kind === 'modern' ? { kind: 'modern', key: k.material!.key.slice(0, -1) + (k.material!.key.endsWith('x') ? 'y' : 'x') } : { ...k.material!, secret: 'wrong' } }));
    const second = await restart({ knownMaterial: forged });
    expect(second.seededKeys.filter((k) => k.material !== undefined)).toEqual([]);
  });

  it('resets to the seed as first minted: the seeded keys, not new ones', async () => {
    const first = await start();
    const before = first.seededKeys.map((k) => k.record);
    await control(first, 'POST', `/keys/${before[0]!.id}/revoke`);
    first.flush();
    const second = await restart();
    expect((await second.stores.keys.get(before[0]!.id))?.revokedAt).toBeDefined();
    await control(second, 'POST', '/reset');
    expect(await second.stores.keys.get(before[0]!.id)).toEqual(before[0]);
  });

  it('saves a change within the debounce delay without a flush', async () => {
    const first = await start({ saveDebounceMs: 5 });
    const key = json((await control(first, 'POST', '/keys', { tier: 'basic', scopes: [] })).body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await restart();
    expect(await second.stores.keys.get(key['id'] as string)).toBeDefined();
  });
});

describe('without a data directory', () => {
  it('refuses a data directory together with another store', async () => {
    const { createMemoryStore } = await import('./store/memory-store.js');
    await expect(createMockApp({ dataDir: dir, stores: createMemoryStore() })).rejects.toThrow('cannot be combined with other stores');
  });
});

/** The seeded keys' material of a running app, as a restart would read it from its profile. */
function known(app: MockApp): { id: string; material: KeyMaterial }[] {
  return app.seededKeys.map((k) => ({ id: k.record.id, material: k.material! }));
}
