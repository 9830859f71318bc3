// Replicas of the mock started separately on one Redis (#19: join, don't replace), each its own
// `casebender mock` as separate containers behind a load balancer would run them — not --workers.
// A start on a store that holds a mock joins it (keys, entities, limits, clock, control token stay
// as they are); only a start on an empty store seeds it, once; a start that cannot join (a busy
// port, another time scale) exits 2 having written nothing; with --key-secret every replica writes
// the same keys. Before the change, a second start replaced the store's keys: every key the first
// replica had handed out answered 401.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { send } from './http/test-client.js';
import { bearer } from './http/test-server.js';
import type { Profile } from '../contract/profile.js';
import { killMocks, mockWith, until, type MockRun } from './test-support/mock-process.js';
import { freePort, skipWithoutRedis, startTestRedis, type TestRedis } from './test-support/redis-server.js';
import { tempDir } from './test-support/temp-dir.js';
import { resolveProfile } from '../suites/harness/load-profile.js';
import { startRun } from '../suites/harness/run.js';
import { describeResult } from '../suites/harness/describe-result.js';

const redisCheck = skipWithoutRedis();
const dir = tempDir('casebender-replicas-');
afterEach(killMocks);

interface Replica {
  readonly run: MockRun;
  readonly profile: Profile;
  readonly baseUrl: string;
}

/** One `casebender mock` on `store`, started and listening; `env` for its environment (the key secret). */
async function replica(store: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Replica> {
  const profilePath = join(dir, `profile-${Math.random().toString(36).slice(2)}.json`);
  const run = mockWith(env, '--store', store, '--port', '0', '--quiet', '--profile-out', profilePath, ...args);
  // The start-up lines end with whether it seeded the store or joined the mock there.
  await until(`the replica starts (${JSON.stringify(run.output())})`, () => /(seeded this store|joined the mock)/.test(run.output().stdout) || run.child.exitCode !== null);
  if (run.child.exitCode !== null) throw new Error(`the replica exited ${run.child.exitCode}: ${run.output().stderr}`);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
  return { run, profile, baseUrl: profile.target.baseUrl };
}

const keyOf = (p: Profile, name: string) => p.keys.find((k) => k.name === name)!.key!;
const status = async (url: string, key: string) => (await send(`${url}/alerts?limit=1`, { headers: bearer(key) })).status;

async function mint(control: { url: string; token: string }, viaUrl: string, tier = 'unlimited'): Promise<string> {
  const r = await send(`${viaUrl.replace(/\/api\/v1$/, '')}/__mock/keys`, { method: 'POST', headers: { 'X-Mock-Token': control.token, 'Content-Type': 'application/json' }, body: JSON.stringify({ tier, scopes: ['alerts:read'] }) });
  expect(r.status).toBe(201);
  return r.json<{ key: string }>().key;
}

describe.skipIf(redisCheck.skip)(`replicas started separately on one Redis${redisCheck.skip ? ` (skipped: ${redisCheck.reason})` : ''}`, () => {
  let redis: TestRedis;
  let database = 0;
  const store = () => `${redis.url}/${database++}`;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** Every key of a database and its DUMP: the store byte for byte. */
  async function dumpAll(url: string): Promise<Map<string, string>> {
    const client = new Redis(url, { lazyConnect: true });
    await client.connect();
    try {
      const out = new Map<string, string>();
      for (const key of (await client.keys('*')).sort()) out.set(key, (await client.dumpBuffer(key))!.toString('hex'));
      return out;
    } finally {
      client.disconnect();
    }
  }

  it('three replicas: each joins the first; seeded and minted keys work on all; the suites over the three base URLs pass, RL-10 included', async () => {
    const url = store();
    const first = await replica(url, ['--time-scale', '10']);
    const second = await replica(url, ['--time-scale', '10']);
    const third = await replica(url, ['--time-scale', '10']);
    expect(first.run.output().stdout).toContain('seeded this store');
    for (const r of [second, third]) expect(r.run.output().stdout).toMatch(/joined the mock this store has held since/);
    // The first replica's keys work on every replica (before the change: 401 on all once another started).
    for (const r of [first, second, third]) expect(await status(r.baseUrl, keyOf(first.profile, 'unlimited-a'))).toBe(200);
    // A key minted through one replica's control API, with the first replica's token, works on all.
    const control = { url: first.profile.target.control!.url, token: first.profile.target.control!.token! };
    const minted = await mint(control, second.baseUrl);
    for (const r of [first, second, third]) expect(await status(r.baseUrl, minted)).toBe(200);
    expect((await send(`${third.baseUrl.replace(/\/api\/v1$/, '')}/__mock/clock`, { headers: { 'X-Mock-Token': 'not-the-token-at-all' } })).status).toBe(401);
    // A joining replica's profile holds no key it cannot vouch for, and no control token.
    expect(second.profile.keys).toEqual([]);
    expect(second.profile.target.control).toBeUndefined();

    const profile = { ...first.profile, target: { ...first.profile.target, extraBaseUrls: [second.baseUrl, third.baseUrl] } };
    const run = await startRun({ profile: resolveProfile(profile, 'three replicas'), rateLimit: { tiers: ['basic', 'standard'], unlimitedAmount: 2_000 } });
    const { results } = await run.runAll();
    run.close();
    const lines = results.map((r) => run.redact(describeResult(r)));
    expect(results.filter((r) => r.result !== 'pass' && r.result !== 'skipped').map((r) => r.requirement), lines.join('\n')).toEqual([]);
    expect(results.find((r) => r.requirement === 'RL-10')).toMatchObject({ result: 'pass', verdict: { note: expect.stringMatching(/over 3 base URLs/) } });
  }, 240_000);

  it('a replica killed and started again, and a fourth, leave every key working and every limit global', async () => {
    const url = store();
    const first = await replica(url);
    let second = await replica(url);
    const control = { url: first.profile.target.control!.url, token: first.profile.target.control!.token! };
    const minted = await mint(control, first.baseUrl);
    second.run.child.kill('SIGKILL');
    await second.run.exit;
    second = await replica(url);
    const fourth = await replica(url);
    for (const r of [first, second, fourth]) {
      expect(await status(r.baseUrl, keyOf(first.profile, 'unlimited-a'))).toBe(200);
      expect(await status(r.baseUrl, keyOf(first.profile, 'read-write'))).toBe(200);
      expect(await status(r.baseUrl, minted)).toBe(200);
    }
    // One limit for all: a basic key's burst of 10 spent on the restarted replica leaves none for the fourth.
    const basic = await mint(control, first.baseUrl, 'basic');
    const burst = await Promise.all(Array.from({ length: 10 }, () => status(second.baseUrl, basic)));
    expect(burst.filter((s) => s === 200)).toHaveLength(10);
    expect(await status(fourth.baseUrl, basic)).toBe(429);
    // A reset through any replica resets the shared state for all: minted keys gone, the seed's back, still joinable.
    const reset = await send(`${fourth.baseUrl.replace(/\/api\/v1$/, '')}/__mock/reset`, { method: 'POST', headers: { 'X-Mock-Token': control.token } });
    expect(reset.status).toBeLessThan(300);
    expect(await status(first.baseUrl, minted)).toBe(401);
    expect(await status(second.baseUrl, keyOf(first.profile, 'unlimited-a'))).toBe(200);
    expect((await replica(url)).run.output().stdout).toMatch(/joined the mock/);
  }, 60_000);

  it('a start on a busy port, or with another time scale or algorithm, exits 2 and leaves the store byte for byte as it was', async () => {
    const url = store();
    const port = await freePort();
    const profilePath = join(dir, 'busy.json');
    const first = mockWith({}, '--store', url, '--port', String(port), '--quiet', '--profile-out', profilePath);
    await until('the first replica listens', () => /listening on/.test(first.output().stdout));
    const before = await dumpAll(url);
    expect(before.size).toBeGreaterThan(5);
    const tries: [string[], RegExp][] = [
      [['--port', String(port)], /port \d+ on 127\.0\.0\.1 is in use/],
      [['--port', '0', '--time-scale', '10'], /the store already holds a mock started with --time-scale 1 \(this start: 10\)/],
      [['--port', '0', '--algorithm', 'fixed-window'], /--algorithm token-bucket \(this start: fixed-window\)/],
    ];
    for (const [args, message] of tries) {
      const run = mockWith({}, '--store', url, '--quiet', '--profile-out', join(dir, 'never.json'), ...args);
      expect(await run.exit).toBe(2);
      expect(run.output().stderr).toMatch(message);
      expect(await dumpAll(url)).toEqual(before);
    }
    expect(await status(`http://127.0.0.1:${port}/api/v1`, keyOf(JSON.parse(readFileSync(profilePath, 'utf8')) as Profile, 'unlimited-a'))).toBe(200);
  }, 60_000);

  it('two first starts at the same instant seed once: one seeds, the other joins, and the seeder’s keys work on both', async () => {
    const url = store();
    const [a, b] = await Promise.all([replica(url), replica(url)]);
    const seeders = [a, b].filter((r) => r.run.output().stdout.includes('seeded this store'));
    expect(seeders).toHaveLength(1);
    const key = keyOf(seeders[0]!.profile, 'unlimited-a');
    for (const r of [a, b]) expect(await status(r.baseUrl, key)).toBe(200);
  }, 60_000);

  it('with --key-secret (here from CASEBENDER_KEY_SECRET) every replica, and a fresh store, gets the same keys; the secret is nowhere', async () => {
    const secret = 'replica-secret-' + Math.random().toString(36).slice(2);
    const url = store();
    const a = await replica(url, [], { CASEBENDER_KEY_SECRET: secret });
    const b = await replica(url, [], { CASEBENDER_KEY_SECRET: secret });
    expect(a.profile.keys.length).toBeGreaterThan(20);
    expect(b.profile.keys).toEqual(a.profile.keys);
    expect(b.run.output().stdout).toMatch(/joined/);
    const elsewhere = await replica(store(), [], { CASEBENDER_KEY_SECRET: secret });
    expect(elsewhere.profile.keys.map((k) => k.key ?? k.secret)).toEqual(a.profile.keys.map((k) => k.key ?? k.secret));
    for (const r of [a, b, elsewhere]) expect(JSON.stringify(r.profile) + r.run.output().stdout + r.run.output().stderr).not.toContain(secret);
    for (const value of (await dumpAll(url)).values()) expect(value).not.toContain(Buffer.from(secret).toString('hex'));
    // Another secret cannot join: exit 2, nothing written.
    const before = await dumpAll(url);
    const wrong = mockWith({ CASEBENDER_KEY_SECRET: 'another-secret-of-16' }, '--store', url, '--port', '0', '--quiet', '--profile-out', join(dir, 'never.json'));
    expect(await wrong.exit).toBe(2);
    expect(wrong.output().stderr).toMatch(/not the secret the store’s seeded keys were derived from/);
    expect(await dumpAll(url)).toEqual(before);
  }, 60_000);
});
