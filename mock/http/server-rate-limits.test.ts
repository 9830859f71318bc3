// The mock over HTTP, rate limits (RL) and their headers (HDR): X-RateLimit-* on the real clock,
// then bursts, 429s, Retry-After and what counts against a key on a virtual clock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { flip, requestsTo } from './server-test-kit.js';
import { send } from './test-client.js';
import { bearer, expectProblem, jsonRequest, legacy, rateLimitOf, startTestMock, withHeaders, type TestMock } from './test-server.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

  describe('HDR — rate-limit headers (real clock)', () => {
    it('HDR-2: X-RateLimit-Reset is Unix seconds, not in the past and at most 3600 s ahead', async () => {
      const before = Date.now();
      const reply = await api('/alerts', { headers: bearer(mock.key('basic-a')) });
      const after = Date.now();
      const { reset } = rateLimitOf(reply);
      expect(reply.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(reset).toBeLessThanOrEqual(Math.ceil(after / 1000) + 3600);
    });

    it.each(['read-write', 'unlimited-a', 'admin'])('HDR-4: the Unlimited key %s gets no X-RateLimit-* headers', async (name) => {
      const reply = await api('/alerts', { headers: bearer(mock.key(name)) });
      expect(reply.status).toBe(200);
      expect(reply.rawHeaders.filter((h) => /^x-ratelimit-/i.test(h))).toEqual([]);
    });
  });
});

describe('RL / HDR — rate limits on a virtual clock', () => {
  const START = Date.UTC(2026, 5, 1, 8, 0, 0);
  let mock: TestMock;
  const get = (name: string, path = '/alerts') => send(`${mock.baseUrl}${path}`, { headers: bearer(mock.key(name)) });
  /** Spends the basic key's burst of 10 at one instant. */
  const exhaust = async (name: string) => {
    for (let i = 0; i < 10; i++) expect((await get(name)).status).toBe(200);
  };

  beforeAll(async () => {
    mock = await startTestMock({ clock: 'virtual', clockStart: START });
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset()); // empty rate-limit state; the clock stands still between requests

  it('RL-1: a fresh basic key sends its burst of 10 at once with no 429', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => get('basic-a')));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(replies.map((r) => rateLimitOf(r).remaining).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('RL-5: the 11th request of the burst is 429 rate_limited, with an integer Retry-After', async () => {
    await exhaust('basic-a');
    const reply = await get('basic-a');
    expectProblem(reply, 429, 'rate_limited');
    expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });

  it('RL-8: a request sent Retry-After seconds after a 429 is answered without 429', async () => {
    await exhaust('basic-a');
    const limited = await get('basic-a');
    expect(limited.status).toBe(429);
    const seconds = Number(limited.headers.get('retry-after'));
    expect((await mock.control('POST', '/clock/advance', { ms: seconds * 1000 })).status).toBe(200);
    expect((await get('basic-a')).status).toBe(200);
  });

  it('RL-6: exhausting basic-a leaves basic-b (same tier, same owner) untouched', async () => {
    await exhaust('basic-a');
    expect((await get('basic-a')).status).toBe(429);
    const other = await get('basic-b');
    expect(other.status).toBe(200);
    expect(rateLimitOf(other).remaining).toBe(9);
  });

  it('RL-7: an Unlimited key never gets 429 over 300 requests at one instant', async () => {
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => get('unlimited-a')));
      statuses.push(...replies.map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("RL-9: a basic key's 403s, 404s and 400s consume its allowance", async () => {
    const answers: [number, number | undefined][] = [];
    for (const path of ['/api-keys', '/api-keys', '/api-keys', '/api-keys', '/alerts/nope', '/alerts/nope', '/alerts/nope', '/alerts?limit=101', '/alerts?limit=101', '/users']) {
      const reply = await get('basic-a', path);
      answers.push([reply.status, rateLimitOf(reply).remaining]);
    }
    expect(answers).toEqual([
      [403, 9],
      [403, 8],
      [403, 7],
      [403, 6],
      [404, 5],
      [404, 4],
      [404, 3],
      [400, 2],
      [400, 1],
      [200, 0],
    ]);
    expectProblem(await get('basic-a'), 429, 'rate_limited');
  });

  it('RL-9: 401s with a wrong key count against no key', async () => {
    const wrong = flip(mock.key('basic-a'), mock.key('basic-a').length - 1); // same lookup id, wrong secret part
    for (let i = 0; i < 20; i++) {
      const reply = await send(`${mock.baseUrl}/alerts`, { headers: bearer(wrong) });
      expect(reply.status).toBe(401);
      expect(rateLimitOf(reply)).toEqual({});
    }
    expect(rateLimitOf(await get('basic-a')).remaining).toBe(9);
    expect(rateLimitOf(await get('basic-b')).remaining).toBe(9);
  });

  it.each<[string, string, RequestInit]>([
    ['an operation it lacks the scope for (GET /api-keys)', '/api-keys', {}],
    ['an unparsable PATCH of an unknown alert', '/alerts/nope', jsonRequest('PATCH', '{bad json')],
    ['an unknown alert', '/alerts/nope', {}],
  ])('ERR-4: a rate-limited key gets 429 before anything else, even for %s', async (_name, path, init) => {
    await exhaust('basic-a');
    const reply = await send(`${mock.baseUrl}${path}`, withHeaders(init, bearer(mock.key('basic-a'))));
    expectProblem(reply, 429, 'rate_limited');
  });

  it('ERR-4: authentication comes before the rate limit: a wrong key gets 401 while the real one is limited', async () => {
    await exhaust('basic-a');
    expectProblem(await send(`${mock.baseUrl}/alerts`, { headers: bearer(flip(mock.key('basic-a'), 40)) }), 401, 'invalid_key');
  });

  it('HDR-1: every answer to a limited key carries X-RateLimit-Limit, -Remaining and -Reset, 429 included', async () => {
    const statuses: number[] = [];
    for (const path of ['/alerts', '/api-keys', '/alerts/nope', '/alerts?limit=101', ...Array(6).fill('/alerts'), '/alerts']) {
      const reply = await get('basic-a', path);
      statuses.push(reply.status);
      expect(rateLimitOf(reply)).toEqual({ limit: 60, remaining: expect.any(Number), reset: expect.any(Number) });
    }
    expect(statuses).toEqual([200, 403, 404, 400, 200, 200, 200, 200, 200, 200, 429]);
  });

  it('HDR-2: X-RateLimit-Reset is Unix seconds between now and now + 3600 s, on 200 and 429', async () => {
    const now = mock.app.clock.now();
    for (let i = 0; i < 11; i++) {
      const reply = await get('basic-a');
      expect(reply.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
      const reset = Number(reply.headers.get('x-ratelimit-reset'));
      expect(reset * 1000).toBeGreaterThanOrEqual(now);
      expect(reset).toBeLessThanOrEqual(now / 1000 + 3600);
    }
  });

  it('HDR-3: Limit is the per-minute figure and Remaining falls by one a request, to 0 on the 429', async () => {
    const seen: [number, number | undefined, number | undefined][] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await get('basic-a');
      seen.push([reply.status, rateLimitOf(reply).limit, rateLimitOf(reply).remaining]);
    }
    expect(seen).toEqual([...[9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((r): [number, number, number] => [200, 60, r]), [429, 60, 0]]);
  });

  it('HDR-3: a standard key reports its tier: Limit 300, Remaining 49 after one request', async () => {
    expect(rateLimitOf(await get('standard-a'))).toEqual({ limit: 300, remaining: 49, reset: expect.any(Number) });
  });

  it('HDR-4: an Unlimited key gets no X-RateLimit-* headers', async () => {
    const reply = await get('unlimited-a');
    expect(reply.rawHeaders.filter((h) => /^x-ratelimit-/i.test(h))).toEqual([]);
  });

  it('LEG-4: a legacy pair on the basic tier is limited like a modern key: its 11th request is 429 with Deprecation', async () => {
    const headers = legacy(mock.pair('legacy-basic'));
    for (let i = 0; i < 10; i++) expect((await send(`${mock.baseUrl}/alerts`, { headers })).status).toBe(200);
    const reply = await send(`${mock.baseUrl}/alerts`, { headers });
    expectProblem(reply, 429, 'rate_limited');
    expect(reply.headers.get('deprecation')).toMatch(/^@\d+$/);
  });
});
