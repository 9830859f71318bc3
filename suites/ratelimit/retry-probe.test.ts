// RL-8's probe (exhaustThenRetry): the request after a 429 goes out no sooner than Retry-After
// after the 429 arrived — never early by a timer's whole-millisecond rounding — so a target that
// admits exactly at the end of the delay is not blamed, and one whose delay is a second short is.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exhaustThenRetry } from './load-driver.js';
import { targetTime } from '../harness/target-time.js';

/** Real milliseconds a target second: the scale of a fast run (npm test's load runs at 60). */
const SECOND_MS = 1000 / 60;
/** The target's time for a target second of `ms` real milliseconds. */
const secondOf = (ms: number) => targetTime(1000 / ms);
/** A longer second for the short target: only a stall that long could let its probe through. */
const SLOW_SECOND_MS = 2_000;

/** What a target answers: a status, with a Retry-After on a 429. */
type Reply = { readonly status: number; readonly retryAfter?: string };

/** A local target answering each request from its key (the X-Key header), its count so far and the time. */
function perKeyTarget(answer: (key: string, count: number, now: number) => Reply): Server {
  const seen = new Map<string, number>();
  return createServer((req, res) => {
    const key = String(req.headers['x-key']);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    const { status, retryAfter } = answer(key, count, performance.now());
    res.writeHead(status, retryAfter === undefined ? {} : { 'Retry-After': retryAfter }).end();
  });
}

/**
 * A strict target: the third request of each key gets 429 with `Retry-After: 1`, and it admits
 * again only once a full target second has passed since that 429 (by its own clock, which is this
 * process's). With `short`, it says 0 instead: a Retry-After one second short.
 */
function strictTarget(short: boolean, secondMs: number): Server {
  const refusedAt = new Map<string, number>();
  return perKeyTarget((key, count, now) => {
    const since = refusedAt.get(key);
    if (since !== undefined) return now - since >= secondMs ? { status: 200 } : { status: 429, retryAfter: '1' };
    if (count < 3) return { status: 200 };
    refusedAt.set(key, now);
    return { status: 429, retryAfter: short ? '0' : '1' };
  });
}

/**
 * A limiter whose Retry-After is always one second short, with one token a second: its first 429
 * (the third request) needs a second and a millisecond, so a Retry-After of 1 — right to the
 * second, one short of the honest 2 — lets the first probe through; the request right after that
 * probe finds the token just spent, needs nearly a whole second, and is told 0.
 */
function shortByASecond(secondMs: number): Server {
  const readyAt = new Map<string, number>();
  return perKeyTarget((key, count, now) => {
    if (count < 3) return { status: 200 };
    if (count === 3) readyAt.set(key, now + secondMs + 1);
    const ready = readyAt.get(key)!;
    if (now >= ready) {
      readyAt.set(key, now + secondMs);
      return { status: 200 };
    }
    return { status: 429, retryAfter: String(Math.max(0, Math.ceil((ready - now) / secondMs) - 1)) };
  });
}

/** Real milliseconds a target second of the phase target. */
const PHASE_SECOND_MS = 200;

describe('RL-8: the Retry-After probe', () => {
  let strict: Server;
  let short: Server;
  let phase: Server;
  const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  beforeAll(async () => {
    strict = strictTarget(false, SECOND_MS);
    short = strictTarget(true, SLOW_SECOND_MS);
    phase = shortByASecond(PHASE_SECOND_MS);
    await Promise.all([strict, short, phase].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    await Promise.all([strict, short, phase].map((s) => new Promise((r) => s.close(r))));
  });

  it('RL-8: a target that admits exactly Retry-After after its 429 is answered 200 every time (100 probes)', async () => {
    const statuses: (number | undefined)[] = [];
    for (let i = 0; i < 100; i++) {
      const { retry } = await exhaustThenRetry({ label: 'probe', url: urlOf(strict), headers: [['X-Key', `k${i}`]], max: 10, time: secondOf(SECOND_MS) });
      expect(retry.retryAfter).toBe('1');
      statuses.push(retry.status);
    }
    expect(statuses.filter((s) => s !== 200), 'probes that met a 429 again: sent before Retry-After had passed').toEqual([]);
  });

  it('RL-8: a Retry-After one second short is caught even when the first 429 came at a phase where it passes (second probe)', async () => {
    for (let i = 0; i < 3; i++) {
      const { run, retry } = await exhaustThenRetry({ label: 'probe', url: urlOf(phase), headers: [['X-Key', `p${i}`]], max: 10, time: secondOf(PHASE_SECOND_MS) });
      expect(retry).toEqual({ retryAfter: '0', status: 429 });
      // Two requests admitted, the 429 told 1, the first probe admitted, the 429 told 0, the second probe refused.
      expect(run.samples.map((x) => x.status)).toEqual([200, 200, 429, 200, 429, 429]);
    }
  });

  it('RL-8: a Retry-After one second short still meets its 429 again', async () => {
    for (let i = 0; i < 5; i++) {
      const { retry } = await exhaustThenRetry({ label: 'probe', url: urlOf(short), headers: [['X-Key', `s${i}`]], max: 10, time: secondOf(SLOW_SECOND_MS) });
      expect(retry).toEqual({ retryAfter: '0', status: 429 });
    }
  });
});
