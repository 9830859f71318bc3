// The Redis store on a real Redis: the same behaviour as the memory store behind the store
// interfaces, the seed put back in one step, the mock's answers over it, and what happens when
// Redis is lost and comes back (503, reconnect, nothing lost that Redis kept).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintKey } from '../../../contract/mint-key.js';
import type { Entity } from '../../../contract/store-types.js';
import { startTestMock, bearer, type TestMock } from '../../http/test-server.js';
import { send } from '../../http/test-client.js';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../test-support/redis-server.js';
import { createRedisClient, createRedisStore, type RedisStores } from './redis-store.js';
import { openRedisStore, StoreConnectError, type OpenedStore } from './open-redis-store.js';
import { startRun } from '../../../suites/harness/run.js';
import { embeddedTarget } from '../../../suites/harness/target.js';
import { describeResult } from '../../../suites/harness/describe-result.js';

const redisCheck = skipWithoutRedis();
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const DEFAULTS = { tlp: 2, pap: 2 };
const until = async (what: string, condition: () => Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${ms} ms`);
};

describe.skipIf(redisCheck.skip)(`the Redis store${redisCheck.skip ? ` (skipped: ${redisCheck.reason})` : ''}`, () => {
  let redis: TestRedis;
  let stores: RedisStores;
  let prefix = 0;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    const client = createRedisClient(redis.url);
    await client.connect();
    stores = createRedisStore(client, { prefix: `test${prefix++}:` });
  });
  afterEach(async () => {
    await stores?.close();
  });

  it('KEY-1, CRED-6: a key put is found by its material only, legacy pairs by access key and secret, in creation order', async () => {
    const modern = mintKey({ name: 'm', kind: 'modern', tier: 'basic', scopes: ['alerts:read'] }, T0, DEFAULTS);
    const legacy = mintKey({ name: 'l', kind: 'legacy', tier: 'basic', scopes: [] }, T0, DEFAULTS);
    await stores.keys.put(modern.record);
    await stores.keys.put(legacy.record);
    if (modern.material.kind !== 'modern' || legacy.material.kind !== 'legacy') throw new Error('unexpected material');
    expect(await stores.keys.findModern(modern.material.key)).toEqual(modern.record);
    expect(await stores.keys.findModern(modern.material.key.slice(0, -1) + (modern.material.key.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await stores.keys.findLegacy(legacy.material.accessKey, legacy.material.secret)).toEqual(legacy.record);
    expect(await stores.keys.findLegacy(legacy.material.accessKey, 'wrong')).toBeUndefined();
    // KEY-3: a change replaces the record in place, and the lookup sees it.
    await stores.keys.put({ ...modern.record, revokedAt: T0 + 1 });
    expect((await stores.keys.findModern(modern.material.key))?.revokedAt).toBe(T0 + 1);
    expect((await stores.keys.list()).map((r) => r.name)).toEqual(['m', 'l']);
    expect(await stores.keys.get(legacy.record.id)).toEqual(legacy.record);
  });

  it('keeps entities in creation order and replaces one in place', async () => {
    const a: Entity = { id: 'al_1', title: 'one', tlp: 2 };
    const b: Entity = { id: 'al_2', title: 'two', tlp: 4 };
    await stores.entities.put('alerts', a);
    await stores.entities.put('alerts', b);
    await stores.entities.put('alerts', { ...a, deleted: true });
    expect(await stores.entities.all('alerts')).toEqual([{ ...a, deleted: true }, b]);
    expect(await stores.entities.get('alerts', 'al_2')).toEqual(b);
    expect(await stores.entities.get('cases', 'al_2')).toBeUndefined();
  });

  it('puts several entities as one script (all or none): a case and the alerts linked to it', async () => {
    const a: Entity = { id: 'al_1', title: 'one' };
    const b: Entity = { id: 'al_2', title: 'two' };
    const c: Entity = { id: 'ca_1', title: 'case', alertIds: ['al_1', 'al_2'] };
    await stores.entities.put('alerts', a);
    const scripts = vi.spyOn(stores.redis, 'putEntities');
    await stores.entities.putAll([
      { collection: 'cases', entity: c },
      { collection: 'alerts', entity: { ...a, caseId: 'ca_1' } },
      { collection: 'alerts', entity: { ...b, caseId: 'ca_1' } },
    ]);
    expect(scripts).toHaveBeenCalledTimes(1);
    // One script for all three writes: six keys (a hash and its order a write), not one call a write.
    expect(scripts.mock.calls[0]![0]).toBe(6);
    expect(await stores.entities.all('cases')).toEqual([c]);
    expect(await stores.entities.all('alerts')).toEqual([{ ...a, caseId: 'ca_1' }, { ...b, caseId: 'ca_1' }]);
    await stores.entities.putAll([]);
    expect(scripts).toHaveBeenCalledTimes(1);
  });

  it('puts a snapshot back in one step, and with ifEmpty only when Redis lost its state', async () => {
    const key = mintKey({ name: 'k', kind: 'modern', tier: 'basic', scopes: [] }, T0, DEFAULTS).record;
    const snapshot = { keys: [key], entities: [{ collection: 'users' as const, entity: { id: 'us_1' } }] };
    expect(await stores.replaceAll(snapshot)).toBe(true);
    await stores.entities.put('alerts', { id: 'al_9' });
    await stores.limiter.take(key.id, T0, { perMinute: 60, perHour: 1000, burst: 10 }, 'token-bucket');
    expect(await stores.replaceAll(snapshot, { ifEmpty: true })).toBe(false);
    expect(await stores.entities.all('alerts')).toHaveLength(1);
    expect(await stores.replaceAll(snapshot)).toBe(true);
    expect(await stores.entities.all('alerts')).toEqual([]);
    expect(await stores.limiter.peek(key.id)).toBeUndefined();
    expect(await stores.keys.list()).toEqual([key]);
    await stores.clear();
    expect(await stores.replaceAll(snapshot, { ifEmpty: true })).toBe(true);
    expect(await stores.entities.all('users')).toEqual([{ id: 'us_1' }]);
  });

  it('every functional check of the suites passes against a mock over Redis', async () => {
    const opened = await openRedisStore(redis.url, { mode: 'closed', log: () => undefined, prefix: `suites${prefix++}:` });
    const target = await embeddedTarget({ stores: opened.stores });
    try {
      const run = await startRun({ profile: target.profile, numRuns: 25, seed: 7, skip: ['RL', 'HDR'] });
      const { results } = await run.runAll();
      run.close();
      const bad = results.filter((r) => r.result !== 'pass' && r.result !== 'skipped');
      expect(bad.map((r) => run.redact(describeResult(r)))).toEqual([]);
    } finally {
      await target.stop();
      await opened.close();
    }
  }, 60_000);
});

describe.skipIf(redisCheck.skip)(`a mock over Redis when Redis goes away${redisCheck.skip ? ` (skipped: ${redisCheck.reason})` : ''}`, () => {
  let redis: TestRedis;
  let opened: OpenedStore;
  let mock: TestMock;
  const logs: string[] = [];

  const start = async (mode: 'closed' | 'open') => {
    redis = await startTestRedis();
    opened = await openRedisStore(redis.url, { mode, log: (line) => logs.push(line) });
    mock = await startTestMock({ stores: opened.stores });
  };
  afterEach(async () => {
    await mock?.close();
    await opened?.close();
    await redis?.stop();
    logs.length = 0;
  });

  it('a Redis that is down at start is a StoreConnectError naming it', async () => {
    const { freePort } = await import('../../test-support/redis-server.js');
    const port = await freePort();
    await expect(openRedisStore(`redis://127.0.0.1:${port}`, { mode: 'closed', log: () => undefined })).rejects.toThrow(
      new StoreConnectError(`cannot reach the store at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
  });

  it('answers 503 problem+json while Redis is away (fail closed), reconnects, says so, and keeps what Redis kept', async () => {
    await start('closed');
    const key = mock.key('basic-a');
    const minted = (await mock.control('POST', '/keys', { tier: 'basic', scopes: ['alerts:read'] })).json<{ key: string }>().key;
    for (let i = 0; i < 10; i++) expect((await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(key) })).status).toBe(200);
    expect((await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(key) })).status).toBe(429);

    await redis.kill();
    await until('the mock notices', async () => logs.some((l) => l.startsWith('lost the store')));
    const away = await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(minted) });
    expect(away.status).toBe(503);
    expect(away.headers.get('content-type')).toBe('application/problem+json');
    expect(away.headers.get('retry-after')).toBe('1');
    expect(away.json()).toMatchObject({ status: 503, code: 'store_unavailable', title: 'Service Unavailable' });
    expect((await mock.control('GET', '/keys')).status).toBe(503);

    await redis.restart();
    await until('the mock reconnects', async () => (await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(minted) })).status === 200);
    expect(logs).toEqual([expect.stringMatching(/^lost the store at redis:\/\/127\.0\.0\.1:\d+.*answering 503/), expect.stringMatching(/^reconnected to the store/)]);
    // Kept by Redis (append-only file): the key minted before the crash, and the basic key's spent
    // burst, less what refilled meanwhile (1 a second at 60/min).
    const again = await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(key) });
    expect(Number(again.headers.get('x-ratelimit-remaining'))).toBeLessThan(9);
  }, 30_000);

  it('puts the seed back when Redis comes back without the mock’s state', async () => {
    await start('closed');
    opened.setSnapshot((await import('../../../contract/seed.js')).seedSnapshot(mock.app.seed, mock.app.seededKeys));
    await redis.kill();
    const { rmSync } = await import('node:fs');
    rmSync(redis.dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(redis.dir);
    await redis.restart();
    await until('the seed is back', async () => (await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(mock.key('read-write')) })).status === 200);
    expect(logs.at(-1)).toMatch(/came back without the mock's state; the seed is back/);
  }, 30_000);

  it('with --on-store-error open, admits known keys from the last reads with per-process limits, and refuses writes with 503', async () => {
    await start('open');
    const key = mock.key('basic-a');
    expect((await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(key) })).status).toBe(200);
    expect((await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(mock.key('read-write')) })).status).toBe(200);
    // A valid Create Alert body (title, statusValue, severity): answered 200 while the store is up.
    const create = () =>
      send(`${mock.baseUrl}/alerts`, { method: 'POST', headers: { ...bearer(mock.key('read-write')), 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 't', statusValue: 'new', description: 'd', severity: 2, source: 's', sourceRef: 'r', type: 'x' }) });
    expect((await create()).status).toBe(200);
    await redis.kill();
    await until('the mock notices', async () => logs.some((l) => l.startsWith('lost the store')));
    const during = await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(key) });
    expect(during.status).toBe(200);
    // RL: the per-process limiter starts afresh, but it limits.
    expect(during.headers.get('x-ratelimit-remaining')).toBe('9');
    const write = await create();
    expect(write.status).toBe(503);
    expect(write.json()).toMatchObject({ code: 'store_unavailable' });
    // A key this process never read is not known while the store is away.
    expect((await send(`${mock.baseUrl}/alerts?limit=1`, { headers: bearer(mock.key('basic-b')) })).status).toBe(503);
    expect(logs).toContainEqual(expect.stringMatching(/last reads and per-process limits/));
  }, 30_000);
});
