// The fast lane on a real Redis: the same replies as ioredis (text, nil, numbers, arrays, errors,
// replies split over many reads), in order, the same database and credentials as the client's
// URL, and failing rather than holding a command when Redis is lost or does not answer.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../test-support/redis-server.js';
import { FastLaneError, openFastLane, type FastLane } from './fast-lane.js';
import { createRedisClient, createRedisStore } from './redis-store.js';

const redisCheck = skipWithoutRedis();
/** A script that keeps Redis busy (answering nothing else) for `ms`. */
const busy = (ms: number) => ['EVAL', `local t = redis.call('TIME') local start = t[1] * 1e6 + t[2] repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - start > ${ms * 1000} return 1`, 0];
const outcome = (p: Promise<unknown>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));
const until = async (what: string, condition: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(redisCheck.skip)(`the fast lane${redisCheck.skip ? ` (skipped: ${redisCheck.reason})` : ''}`, () => {
  let redis: TestRedis;
  let admin: Redis;
  const lanes: FastLane[] = [];
  const lane = async (options: Partial<Parameters<typeof openFastLane>[0]> = {}) => {
    const opened = openFastLane({ host: '127.0.0.1', port: redis.port, timeoutMs: 2_000, ...options });
    lanes.push(opened);
    await until('the lane is ready', () => opened.ready);
    return opened;
  };

  beforeAll(async () => {
    redis = await startTestRedis({ fsync: 'everysec' });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const l of lanes) l.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('answers as Redis does: text (UTF-8, large, split over reads), nil, numbers, arrays, errors, in order', async () => {
    const l = await lane();
    const big = 'é'.repeat(300_000) + '\r\n$-1\r\n';
    await admin.hset('lane:h', 'small', 'héllo wörld', 'big', big, 'empty', '');
    const replies = await Promise.all([
      l.send(['HGET', 'lane:h', 'small']),
      l.send(['HGET', 'lane:h', 'big']),
      l.send(['HGET', 'lane:h', 'empty']),
      l.send(['HGET', 'lane:h', 'none']),
      l.send(['HLEN', 'lane:h']),
      l.send(['EVAL', "return {1, -2, 'x', {3}}", 0]),
      l.send(['HMGET', 'lane:h', 'none', 'small']),
      l.send(['PING']),
    ]);
    expect(replies).toEqual(['héllo wörld', big, '', null, 3, [1, -2, 'x', [3]], [null, 'héllo wörld'], 'PONG']);
    await expect(l.send(['EVALSHA', 'f'.repeat(40), 0])).rejects.toThrow(/^NOSCRIPT/);
    await expect(l.send(['HGET', 'lane:h'])).rejects.toBeInstanceOf(FastLaneError);
    // Still in step after the errors.
    expect(await l.send(['HGET', 'lane:h', 'small'])).toBe('héllo wörld');
  });

  it('uses the database and the credentials of the client URL', async () => {
    // A store on database 3: what it writes over ioredis, its lane reads there too.
    const client = createRedisClient(`${redis.url}/3`);
    await client.connect();
    const stores = createRedisStore(client, { prefix: 'lane:' });
    try {
      await stores.entities.put('alerts', { id: 'alert_in_db_3', title: 't' });
      await until('the store\'s lane is ready', () => stores.fastLane?.ready === true);
      const sent: unknown[] = [];
      const send = stores.fastLane!.send.bind(stores.fastLane);
      stores.fastLane!.send = (args) => (sent.push(args[0]), send(args));
      expect(await stores.entities.get('alerts', 'alert_in_db_3')).toEqual({ id: 'alert_in_db_3', title: 't' });
      expect(sent).toEqual(['HGET']);
      expect(await admin.hget('lane:entities:alerts', 'alert_in_db_3')).toBeNull();
    } finally {
      await stores.close();
    }

    // A password in the URL of a Redis that has none: ioredis goes on, and so does the lane.
    const needless = await lane({ password: 'not needed' });
    expect(await needless.send(['PING'])).toBe('PONG');
    // The credentials of the URL reach the lane through the store.
    await admin.config('SET', 'requirepass', 'secret');
    try {
      const viaUrl = createRedisClient(redis.url.replace('redis://', 'redis://:secret@'));
      await viaUrl.connect();
      const securedStores = createRedisStore(viaUrl, { prefix: 'lane-auth:' });
      try {
        await until("the password-protected store's lane is ready", () => securedStores.fastLane?.ready === true);
      } finally {
        await securedStores.close();
      }
      const authed = await lane({ password: 'secret' });
      expect(await authed.send(['PING'])).toBe('PONG');
      const wrong = openFastLane({ host: '127.0.0.1', port: redis.port, timeoutMs: 2_000, password: 'wrong' });
      lanes.push(wrong);
      await new Promise((r) => setTimeout(r, 300));
      expect(wrong.ready).toBe(false);
      await expect(wrong.send(['PING'])).rejects.toThrow('not connected');
    } finally {
      await admin.call('AUTH', 'secret');
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('fails a command Redis does not answer within the timeout, and comes back', async () => {
    const l = await lane({ timeoutMs: 200 });
    const started = Date.now();
    const stuck = await outcome(l.send(busy(700)));
    expect(stuck).toEqual({ error: expect.any(FastLaneError) });
    expect((stuck as { error: Error }).error.message).toMatch('did not answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(650);
    await new Promise((r) => setTimeout(r, 800));
    await until('the lane is back', () => l.ready, 5_000);
    expect(await l.send(['PING'])).toBe('PONG');
  });

  it('fails what is in flight when Redis is lost, refuses while it is away, and reconnects when it is back', async () => {
    const l = await lane();
    const inFlight = outcome(l.send(busy(500)));
    await new Promise((r) => setTimeout(r, 100));
    await redis.kill();
    expect(await inFlight).toEqual({ error: expect.any(FastLaneError) });
    await until('the lane sees the loss', () => !l.ready);
    await expect(l.send(['PING'])).rejects.toThrow('not connected');
    await redis.restart();
    await until('the lane is back', () => l.ready);
    expect(await l.send(['PING'])).toBe('PONG');
    admin.disconnect();
    admin = new Redis(redis.url);
  });
});
