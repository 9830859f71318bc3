// Secrets (KEY, CRED-6, ERR-3): keys and secrets are kept only as SHA-256 hashes, compared in
// constant time (digest against digest, every byte of the 32), never written to an answer, a
// log line or the start-up table beyond a short prefix; the control API listens on loopback by
// default and refuses every request without its token.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { tempDir } from './test-support/temp-dir.js';
import { createMockApp } from './app.js';
import { parseMockArgs } from './cli.js';
import { MODERN_KEY_PREFIX } from '../contract/credentials.js';
import { startMockServer } from './http/server.js';
import { sendRaw, type Reply } from './http/test-client.js';
import { startTestMock, type TestMock } from './http/test-server.js';
import type { Profile } from '../contract/profile.js';
import { createMemoryStore } from './store/memory-store.js';
import * as keyMaterial from '../contract/key-material.js';
import type { Stores } from '../contract/store-types.js';

// Spies around the real digest comparisons: the comparisons still happen, and the tests see what
// each compared and what it answered.
vi.mock('../contract/key-material.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../contract/key-material.js')>();
  return { ...actual, secretMatches: vi.fn(actual.secretMatches), secretMatchesAt: vi.fn(actual.secretMatchesAt) };
});

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Every 12-character run of a secret's text after its public prefix: the display prefix shows 4
 * characters past `cbr_live_`, so any of these in an output is more than a short prefix.
 */
function windowsOf(secret: string): string[] {
  const body = secret.startsWith(MODERN_KEY_PREFIX) ? secret.slice(MODERN_KEY_PREFIX.length) : secret;
  return Array.from({ length: Math.max(0, body.length - 11) }, (_, i) => body.slice(i, i + 12));
}

/** The secrets of a profile: each modern key and each legacy secret. */
const secretsOf = (profile: Profile): string[] => profile.keys.flatMap((k) => [k.key, k.secret].filter((s): s is string => s !== undefined));

function expectNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    const leaked = windowsOf(secret).find((w) => text.includes(w));
    expect(leaked, `${where} contains 12+ characters of a secret`).toBeUndefined();
  }
}

const everything = (r: Reply) => r.rawHeaders.join('\n') + '\n' + r.text;

describe('KEY: the memory store keeps hashes only', () => {
  let mock: TestMock;
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());

  it('KEY: no record holds a key or secret, seeded or minted; each holds the SHA-256 of its material', async () => {
    const modern = (await mock.control('POST', '/keys', { tier: 'basic', scopes: ['alerts:read'] })).json<{ id: string; key: string }>();
    const legacy = (await mock.control('POST', '/keys', { tier: 'basic', scopes: ['alerts:read'], kind: 'legacy' })).json<{ id: string; accessKey: string; secret: string }>();
    const records = await mock.app.stores.keys.list();
    const dump = JSON.stringify(records, (_k, v: unknown) => (v !== null && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v));
    const secrets = [...secretsOf(mock.profile), modern.key, legacy.secret];
    expect(secrets.length).toBeGreaterThan(25);
    expectNoSecret(dump, secrets, 'the key store');
    expect(dump).not.toMatch(/cbr_live_[0-9A-Za-z]{40}/);
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(Buffer.from(byId.get(modern.id)!.hash).equals(sha256(modern.key))).toBe(true);
    expect(Buffer.from(byId.get(legacy.id)!.hash).equals(sha256(legacy.secret))).toBe(true);
    // The legacy access key is the pair's public half (it finds the record); the secret is hashed.
    expect(byId.get(legacy.id)!.accessKey).toBe(legacy.accessKey);
  });
});

describe('CRED-6: keys, secrets and the control token are compared in constant time', () => {
  const matches = vi.mocked(keyMaterial.secretMatches);
  const matchesAt = vi.mocked(keyMaterial.secretMatchesAt);
  let stores: Stores;
  let key: string;
  let pair: { accessKey: string; secret: string };
  let app: Awaited<ReturnType<typeof createMockApp>>;

  beforeAll(async () => {
    stores = createMemoryStore();
    app = await createMockApp({ stores, controlToken: 'control-token-0123456789' });
    const profile = app.profile('http://127.0.0.1:1/api/v1');
    key = profile.keys.find((k) => k.name === 'read-only')!.key!;
    const legacy = profile.keys.find((k) => k.name === 'legacy-rw')!;
    pair = { accessKey: legacy.accessKey!, secret: legacy.secret! };
  });
  beforeEach(() => {
    matches.mockClear();
    matchesAt.mockClear();
  });

  /** The comparisons made: the stored digest each compared with (hex), and its answer. */
  function comparisons(): { digest: string; matched: boolean }[] {
    const made = [
      ...matches.mock.calls.map(([, digest], i) => ({ order: matches.mock.invocationCallOrder[i]!, digest, matched: matches.mock.results[i]!.value as boolean })),
      ...matchesAt.mock.calls.map(([, digests, at], i) => ({ order: matchesAt.mock.invocationCallOrder[i]!, digest: digests.subarray(at, at + 32), matched: matchesAt.mock.results[i]!.value as boolean })),
    ];
    return made.sort((a, b) => a.order - b.order).map(({ digest, matched }) => ({ digest: Buffer.from(digest).toString('hex'), matched }));
  }
  const hex = (text: string) => sha256(text).toString('hex');

  it('CRED-6: a modern key with a known lookup id but a wrong secret part is compared as its SHA-256 with the stored digest', async () => {
    const wrong = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await stores.keys.findModern(wrong)).toBeUndefined();
    expect(comparisons()).toEqual([{ digest: hex(key), matched: false }]);
  });

  it('CRED-6: the right modern key is accepted through the same comparison', async () => {
    expect((await stores.keys.findModern(key))?.name).toBe('read-only');
    expect(comparisons()).toEqual([{ digest: hex(key), matched: true }]);
  });

  it('CRED-6: a legacy secret, right or wrong, short or long, is compared as its SHA-256 with the stored digest', async () => {
    for (const secret of [pair.secret, 'x', pair.secret + 'x'.repeat(500)]) await stores.keys.findLegacy(pair.accessKey, secret);
    expect(comparisons()).toEqual([true, false, false].map((matched) => ({ digest: hex(pair.secret), matched })));
  });

  it('the control token, of any length, is compared as its SHA-256 with the stored digest', async () => {
    const facts = (token: string) => ({ method: 'GET', pathname: '/__mock/clock', query: new URLSearchParams(), rawHeaders: ['X-Mock-Token', token] });
    expect((await app.handleControl!(facts('short'), '/clock')).status).toBe(401);
    expect((await app.handleControl!(facts('control-token-0123456789'), '/clock')).status).toBe(200);
    expect(comparisons()).toEqual([false, true].map((matched) => ({ digest: hex('control-token-0123456789'), matched })));
  });

  it('CRED-6: the comparison reads every byte of the stored digest, whichever byte differs (no early exit)', async () => {
    const { secretMatchesAt } = await vi.importActual<typeof import('../contract/key-material.js')>('../contract/key-material.js');
    const secret = 'cbr_live_' + 'k'.repeat(40);
    const at = 64;
    /** The indices the comparison reads, from an array holding `digest` at `at` among other bytes. */
    const readsOf = (digest: Buffer): { matched: boolean; read: number[] } => {
      const bytes = Buffer.alloc(at + 32 + 16, 0xaa);
      digest.copy(bytes, at);
      const read: number[] = [];
      const watched = new Proxy(bytes, {
        get(target, property) {
          if (typeof property === 'string' && /^\d+$/.test(property)) read.push(Number(property));
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { matched: secretMatchesAt(secret, watched, at), read: read.sort((a, b) => a - b) };
    };
    const all = Array.from({ length: 32 }, (_, i) => at + i);
    const right = sha256(secret);
    expect(readsOf(right)).toEqual({ matched: true, read: all });
    for (const position of [0, 1, 16, 31]) {
      const wrong = Buffer.from(right);
      wrong[position]! ^= 0x01;
      expect(readsOf(wrong), `a digest differing at byte ${position}`).toEqual({ matched: false, read: all });
    }
    // A digest that does not fit where it is said to be is refused without reading.
    expect(secretMatchesAt(secret, right, 1)).toBe(false);
    expect(secretMatchesAt(secret, right, -1)).toBe(false);
  });
});

describe('ERR-3: no answer and no log line carries a presented key or secret', () => {
  let mock: TestMock;
  let logged: string[];

  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => {
    logged = [];
    for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it('ERR-3: 401, 403, 400, 404, 405, 415, 429 and control-API answers never echo the key, the legacy secret or the control token', async () => {
    const url = (p: string) => `${mock.baseUrl}${p}`;
    const rw = mock.key('read-write');
    const flipped = rw.slice(0, -1) + (rw.endsWith('A') ? 'B' : 'A');
    const pair = mock.pair('legacy-rw');
    const token = mock.app.controlToken!;
    const json = (h: [string, string][]): [string, string][] => [...h, ['Content-Type', 'application/json']];
    const requests: [string, Parameters<typeof sendRaw>[1], string[]][] = [
      [url('/alerts'), { headers: [['Authorization', `Bearer ${flipped}`]] }, [flipped]],
      [url('/alerts'), { headers: [['Authorization', `Bearer ${mock.key('revoked')}`]] }, [mock.key('revoked')]],
      [url('/alerts'), { headers: [['X-Api-Key', mock.key('expired')]] }, [mock.key('expired')]],
      [url('/alerts'), { headers: [['Authorization', `Bearer ${rw}`], ['Authorization', `Bearer ${rw}`]] }, [rw]],
      [url('/alerts'), { headers: [['x-api-key', pair.accessKey], ['x-api-secret', pair.secret + 'x']] }, [pair.secret + 'x']],
      [url('/alerts'), { headers: [['x-api-key', pair.accessKey], ['x-api-secret', pair.secret]], method: 'DELETE' }, [pair.secret]],
      [url('/api-keys'), { headers: [['Authorization', `Bearer ${mock.key('read-only')}`]] }, [mock.key('read-only')]],
      [url('/alerts'), { headers: json([['Authorization', `Bearer ${rw}`]]), method: 'POST', body: `{"title": "${rw}"` }, [rw]],
      [url('/alerts'), { headers: [['Authorization', `Bearer ${rw}`], ['Content-Type', 'text/plain']], method: 'POST', body: rw }, [rw]],
      [url('/alerts/zz-unknown'), { headers: [['Authorization', `Bearer ${rw}`]] }, [rw]],
      [`${mock.server.origin}/__mock/keys`, { headers: [['X-Mock-Token', token + 'x']] }, [token + 'x']],
      [`${mock.server.origin}/__mock/keys`, { headers: json([['X-Mock-Token', token]]), method: 'POST', body: `{"tier": "${token}"}` }, [token]],
    ];
    // A basic key spent to a 429 (b = 10, m = 60 a minute on the real clock).
    const basic = mock.key('basic-a');
    let limited: Reply | undefined;
    for (let i = 0; i < 40 && limited?.status !== 429; i++) limited = await sendRaw(url('/alerts?limit=1'), { headers: [['X-Api-Key', basic]] });
    expect(limited?.status).toBe(429);
    expectNoSecret(everything(limited!), [basic], 'a 429');
    const statuses: number[] = [];
    for (const [target, options, presented] of requests) {
      const reply = await sendRaw(target, options);
      statuses.push(reply.status);
      expectNoSecret(everything(reply), presented, `the ${reply.status} to ${options?.method ?? 'GET'} ${target}`);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 405, 403, 400, 415, 404, 401, 400]);
    expectNoSecret(logged.join('\n'), [...secretsOf(mock.profile), token], 'the log');
  });

  it('ERR-3: an internal error is logged (and answered 500) without the request’s key', async () => {
    const stores = createMemoryStore();
    const app = await createMockApp({ stores });
    const failing: Stores = { ...stores, keys: { ...stores.keys, list: () => stores.keys.list(), get: (id) => stores.keys.get(id), put: (r) => stores.keys.put(r), findLegacy: () => undefined, findModern: () => Promise.reject(new Error('the key store is down')) } };
    const broken = await createMockApp({ stores: failing });
    const server = await startMockServer(broken, { port: 0 });
    try {
      const key = app.profile(server.baseUrl).keys.find((k) => k.name === 'read-write')!.key!;
      const reply = await sendRaw(`${server.baseUrl}/alerts`, { headers: [['Authorization', `Bearer ${key}`]] });
      expect(reply.status).toBe(500);
      expect(logged.join('\n')).toContain('the key store is down');
      expectNoSecret(logged.join('\n') + everything(reply), [key], 'the internal-error log and answer');
    } finally {
      await server.close();
    }
  });
});

describe('the control API: loopback by default, and nothing without its token', () => {
  it('casebender mock listens on 127.0.0.1 unless --host says otherwise', () => {
    expect(parseMockArgs([]).host).toBe('127.0.0.1');
  });

  it('startMockServer binds 127.0.0.1 when given no host', async () => {
    const server = await startMockServer(await createMockApp(), { port: 0 });
    try {
      expect(server.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
      expect(server.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__mock$/);
    } finally {
      await server.close();
    }
  });

  describe('refusals', () => {
    let mock: TestMock;
    beforeAll(async () => {
      mock = await startTestMock();
    });
    afterAll(() => mock.close());

    it.each<[string, (token: string) => [string, string][], string]>([
      ['no token', () => [], '/keys'],
      ['a wrong token of the same length', (t) => [['X-Mock-Token', t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A')]], '/keys'],
      ['the token in Authorization instead', (t) => [['Authorization', `Bearer ${t}`]], '/keys'],
      ['the token as an API key', (t) => [['X-Api-Key', t]], '/reset'],
      ['an empty token', () => [['X-Mock-Token', '']], '/clock'],
    ])('refuses a request with %s: 401 control_token_required as problem+json, and changes nothing', async (_name, headers, path) => {
      const before = (await mock.app.stores.keys.list()).length;
      const reply = await sendRaw(`${mock.server.controlUrl}${path}`, { method: path === '/keys' ? 'POST' : path === '/reset' ? 'POST' : 'GET', headers: [...headers(mock.app.controlToken!), ['Content-Type', 'application/json']], body: '{"tier":"basic","scopes":[]}' });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.json()).toMatchObject({ status: 401, code: 'control_token_required' });
      expectNoSecret(everything(reply), [mock.app.controlToken!], 'the refusal');
      expect((await mock.app.stores.keys.list()).length).toBe(before);
    });
  });
});

describe('casebender mock prints keys only as a short prefix', () => {
  it('the start-up table and every line printed hold no key or secret beyond its display prefix; the profile file holds them', async () => {
    const dir = tempDir('cb-secrets-', onTestFinished);
    const profilePath = join(dir, 'profile.json');
    const child = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--profile-out', profilePath], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    try {
      // The table's last seeded key is printed last; wait for it (bounded).
      const until = performance.now() + 15_000;
      while (!/legacy-basic/.test(out) && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(/legacy-basic/);
      expect(out).toMatch(/^casebender mock listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1/m);
      expect(out).toMatch(/^control API: http:\/\/127\.0\.0\.1:\d+\/__mock /m);
      const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
      const secrets = secretsOf(profile);
      expect(secrets.length).toBeGreaterThan(20);
      expectNoSecret(out, secrets, 'casebender mock’s output');
      // Each modern key appears as its display prefix: cbr_live_ and four characters.
      for (const k of profile.keys.filter((x) => x.key !== undefined)) expect(out).toContain(`${k.key!.slice(0, MODERN_KEY_PREFIX.length + 4)}…`);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
