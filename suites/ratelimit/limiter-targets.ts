// Small loopback deployments for the rate-limit suites' own tests: limiters written here,
// independently of the mock's, behind a server whose clock runs `SCALE` times as fast. A fixed
// window anchored at the key's first request (the default of @fastify/rate-limit and
// express-rate-limit), a clock-aligned fixed window, an exact sliding log and a token bucket; each
// answers X-RateLimit-* (Unix seconds) and Retry-After as a deployment would. Only key `k` counts.
import { createServer, type Server } from 'node:http';
import type { TierLimits } from '../../contract/index.js';
import { offsetClock, targetTime } from '../harness/target-time.js';
import { MINUTE } from './windows.js';

export const SCALE = 60;
export const LIMITS: TierLimits = { perMinute: 60, perHour: 100_000, burst: 10 };
export const W = LIMITS.perMinute + LIMITS.burst;

export interface Decision {
  allowed: boolean;
  remaining: number;
  /** Target ms when the allowance is whole again (admitted) or one request is admitted (refused). */
  resetAt: number;
}
export type Limiter = (now: number) => Decision;

export function keyAnchored(): Limiter {
  let start = -Infinity;
  let count = 0;
  return (now) => {
    if (now >= start + MINUTE) [start, count] = [now, 0];
    const allowed = count < W;
    if (allowed) count++;
    return { allowed, remaining: W - count, resetAt: start + MINUTE };
  };
}

export function clockAligned(): Limiter {
  let start = -Infinity;
  let count = 0;
  return (now) => {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    if (minute !== start) [start, count] = [minute, 0];
    const allowed = count < W;
    if (allowed) count++;
    return { allowed, remaining: W - count, resetAt: start + MINUTE };
  };
}

export function slidingLog(): Limiter {
  const log: number[] = [];
  return (now) => {
    while (log.length > 0 && log[0]! <= now - MINUTE) log.shift();
    const allowed = log.length < W;
    if (allowed) log.push(now);
    return { allowed, remaining: W - log.length, resetAt: allowed ? now + MINUTE : log[0]! + MINUTE };
  };
}

export function tokenBucket(): Limiter {
  let tokens: number = LIMITS.burst;
  let at = -Infinity;
  const perMs = LIMITS.perMinute / MINUTE;
  return (now) => {
    tokens = Math.min(LIMITS.burst, tokens + (at === -Infinity ? 0 : (now - at) * perMs));
    at = now;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    return { allowed, remaining: Math.floor(tokens), resetAt: now + (allowed ? (LIMITS.burst - tokens) / perMs : (1 - tokens) / perMs) };
  };
}

const servers: Server[] = [];
/** Closes every target started. */
export function closeTargets(): void {
  for (const s of servers.splice(0)) s.close();
}

/**
 * A loopback deployment whose clock runs SCALE times as fast from now, limited by `limiter`; with
 * its time and clock as a run would place them (through a control API: exactly).
 */
export async function limitedTarget(limiter: Limiter) {
  const real0 = Date.now();
  const toTarget = (real: number) => real0 + (real - real0) * SCALE;
  const server = createServer((req, res) => {
    // No key, no count (RL-9): the load driver opens its connections with such requests.
    if (req.headers['x-api-key'] !== 'k') return void res.writeHead(401).end();
    const now = toTarget(Date.now());
    const d = limiter(now);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-RateLimit-Limit': String(LIMITS.perMinute),
      'X-RateLimit-Remaining': String(d.allowed ? d.remaining : 0),
      'X-RateLimit-Reset': String(Math.ceil(d.resetAt / 1000)),
    };
    if (!d.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil((d.resetAt - now) / 1000)));
    res.writeHead(d.allowed ? 200 : 429, headers);
    res.end(d.allowed ? '[]' : '{"status":429}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/alerts`;
  const time = targetTime(SCALE);
  const clock = offsetClock('control API', real0, real0, SCALE);
  return { url, toTarget, time, clock };
}

