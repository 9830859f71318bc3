// The load driver of the rate-limit suites: autocannon in-process (`amount` for exact counts) for
// bursts and full-speed runs, and a paced sender for runs at a given rate — autocannon's
// overallRate spends each second's allowance at the start of the second, a burst that a token
// bucket rightly refuses. Every answer is recorded with its time and rate-limit headers, and a
// per-second timeline is kept for the reports.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import type { Header } from '../harness/keyring.js';
import type { TargetTime } from '../harness/target-time.js';

/** One answer as the rate-limit checks read it. */
export interface Sample {
  /** Milliseconds since the load started, when the answer arrived: real as recorded, target ms once restated (TargetTime.restate). */
  readonly at: number;
  /** Milliseconds from sending to the answer, where the sender knows it (paced runs). */
  readonly latency?: number;
  readonly status: number;
  readonly limit?: string;
  readonly remaining?: string;
  readonly reset?: string;
  readonly retryAfter?: string;
  readonly ratelimit?: string;
  readonly ratelimitPolicy?: string;
}

export interface TimelineSecond {
  readonly second: number;
  readonly sent: number;
  readonly ok: number;
  readonly limited: number;
  readonly other: number;
}

export interface LoadRun {
  readonly label: string;
  /** Unix ms, and performance.now(), at the start. */
  readonly startedAt: number;
  readonly startedPerf: number;
  readonly durationMs: number;
  readonly samples: readonly Sample[];
  readonly timeline: readonly TimelineSecond[];
  readonly errors: number;
  /** Status code counts from autocannon's own statistics. */
  readonly statusCounts: Readonly<Record<string, number>>;
}

export interface LoadSpec {
  readonly label: string;
  /** Full URLs to spread the load over, round-robin (RL-10); usually one. */
  readonly urls: readonly string[];
  readonly method?: string;
  readonly headers: readonly Header[];
  readonly body?: string;
  /** Exact number of requests (split over the URLs). */
  readonly amount: number;
  readonly connections: number;
  /** Requests per second (real time) over all URLs, evenly paced; as fast as possible when absent. */
  readonly rate?: number;
  readonly timeoutSeconds?: number;
}

const pick = (h: Record<string, string>, name: string): string | undefined => {
  for (const k in h) if (k.toLowerCase() === name) return h[k];
  return undefined;
};

/** Sends the load and records every answer: paced when `rate` is given, else as fast as autocannon goes. */
export function drive(spec: LoadSpec): Promise<LoadRun> {
  return spec.rate === undefined ? blast(spec) : paced(spec as LoadSpec & { rate: number });
}

const TICK_MS = 5;

/** Requests at a steady `rate` a second (real time), spread evenly, round-robin over the URLs. */
async function paced(spec: LoadSpec & { rate: number }): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(4, spec.connections * 4) });
  const samples: Sample[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const raw: string[] = [];
  for (const [n, v] of spec.headers) raw.push(n, v);
  if (spec.body !== undefined) raw.push('Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(spec.body)));
  const started = performance.now();
  const startedAt = Date.now();
  const pending: Promise<void>[] = [];
  const one = (target: string) =>
    new Promise<void>((resolve) => {
      const sentAt = performance.now();
      const u = new URL(target);
      const req = request(u, { method: spec.method ?? 'GET', agent, headers: ['Host', u.host, ...raw], timeout: (spec.timeoutSeconds ?? 10) * 1000 }, (res) => {
        res.resume();
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) h[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
          const status = res.statusCode ?? 0;
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          const now = performance.now();
          samples.push({ ...sampleOf(now - started, status, h), latency: now - sentAt });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      if (spec.body !== undefined) req.write(spec.body);
      req.end();
    });
  let sent = 0;
  while (sent < spec.amount) {
    // The first request goes one interval after the start: a paced run that follows a burst
    // (RL-2) must not add a request to it.
    const due = Math.min(spec.amount, Math.floor(((performance.now() - started) / 1000) * spec.rate));
    while (sent < due) pending.push(one(spec.urls[sent++ % spec.urls.length]!));
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(pending);
  agent.destroy();
  samples.sort((a, b) => a.at - b.at);
  return { label: spec.label, startedAt, startedPerf: started, durationMs: performance.now() - started, samples, timeline: timelineOf(samples), errors, statusCounts };
}

function sampleOf(at: number, status: number, h: Record<string, string>): Sample {
  return {
    at,
    status,
    ...opt('limit', pick(h, 'x-ratelimit-limit')),
    ...opt('remaining', pick(h, 'x-ratelimit-remaining')),
    ...opt('reset', pick(h, 'x-ratelimit-reset')),
    ...opt('retryAfter', pick(h, 'retry-after')),
    ...opt('ratelimit', pick(h, 'ratelimit')),
    ...opt('ratelimitPolicy', pick(h, 'ratelimit-policy')),
  };
}

/** `amount` requests as fast as autocannon sends them over `connections`. */
async function blast(spec: LoadSpec): Promise<LoadRun> {
  const samples: Sample[] = [];
  const started = performance.now();
  const startedAt = Date.now();
  let errors = 0;
  const statusCounts: Record<string, number> = {};
  const n = spec.urls.length;
  const headers: Record<string, string> = {};
  for (const [name, value] of spec.headers) headers[name] = value;
  if (spec.body !== undefined) headers['content-type'] ??= 'application/json';
  const runs = spec.urls.map((url, i) => {
    const amount = Math.floor(spec.amount / n) + (i < spec.amount % n ? 1 : 0);
    if (amount === 0) return Promise.resolve();
    const connections = Math.max(1, Math.min(amount, Math.round(spec.connections / n)));
    let finish: (result: autocannon.Result) => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const done = new Promise<autocannon.Result>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const instance = autocannon({
      url,
      amount,
      connections,
      timeout: spec.timeoutSeconds ?? 10,
      requests: [
        {
          method: (spec.method ?? 'GET') as 'GET',
          headers,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          onResponse: (status: number, _body: string, _ctx: unknown, h: Record<string, string>) => {
            samples.push(sampleOf(performance.now() - started, status, h));
          },
        },
      ],
    } as autocannon.Options, (error: unknown, result: autocannon.Result) => (error ? fail(error) : finish(result)));
    instance.on('reqError', () => errors++);
    return done.then((result) => {
      for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = (statusCounts[code] ?? 0) + (stat as { count: number }).count;
    });
  });
  await Promise.all(runs);
  const durationMs = performance.now() - started;
  samples.sort((a, b) => a.at - b.at);
  return { label: spec.label, startedAt, startedPerf: started, durationMs, samples, timeline: timelineOf(samples), errors, statusCounts };
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Answers per second of real time: 2xx, 429 and the rest. */
export function timelineOf(samples: readonly Sample[]): TimelineSecond[] {
  const out: TimelineSecond[] = [];
  for (const s of samples) {
    const second = Math.floor(s.at / 1000);
    while (out.length <= second) out.push({ second: out.length, sent: 0, ok: 0, limited: 0, other: 0 });
    const row = out[second]! as { sent: number; ok: number; limited: number; other: number };
    row.sent++;
    if (s.status >= 200 && s.status < 300) row.ok++;
    else if (s.status === 429) row.limited++;
    else row.other++;
  }
  return out;
}

/**
 * Real milliseconds the RL-8 probe waits past Retry-After: clocks that read whole milliseconds.
 * Far below a target second at any time scale the suites use (16.7 ms at 60), so a Retry-After
 * one second short still meets its 429.
 */
const CLOCK_GRANULARITY_MS = 2;

/**
 * Probes at most this many times. The first 429 comes at whatever phase the flood left the
 * limiter in, so its true wait may be a hair over whole seconds, and a Retry-After a second short
 * can then pass for right (at time scale 60 the probe's margin is 120 target ms). The request
 * right after an admitted probe meets a limiter just emptied, whose wait is nearly a whole refill:
 * a second probe there catches what the first could not (in CI, the mutation `retry-after-too-short`
 * had slipped past a first run).
 */
const RETRY_PROBES = 2;

/**
 * The answer to a request sent a 429's Retry-After (and CLOCK_GRANULARITY_MS) after that 429
 * arrived (RL-8): the first probe that met a 429 again, else the last one.
 */
export interface RetryProbe {
  readonly retryAfter: string | undefined;
  readonly status: number | undefined;
}

/**
 * Sends requests one at a time on one connection until the first 429, then waits its Retry-After
 * (target seconds, waited in real time by `time`) from the moment it arrived, never less, and sends one more. One at a
 * time, so the 429 comes right after the allowance is spent and the wait is measured from it:
 * a Retry-After one second short then meets another 429. When the probe is admitted and the
 * request right after it is refused again, that 429 is probed the same way (RETRY_PROBES).
 */
export async function exhaustThenRetry(spec: { label: string; url: string; headers: readonly Header[]; max: number; time: Pick<TargetTime, 'realMs'> }): Promise<{ run: LoadRun; retry: RetryProbe }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(spec.url);
  const raw = ['Host', u.host, ...spec.headers.flat()];
  const started = performance.now();
  const startedAt = Date.now();
  const samples: Sample[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const once = () =>
    new Promise<Sample | undefined>((resolve) => {
      const req = request(u, { method: 'GET', agent, headers: raw, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) h[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
          const s = sampleOf(performance.now() - started, res.statusCode ?? 0, h);
          statusCounts[s.status] = (statusCounts[s.status] ?? 0) + 1;
          samples.push(s);
          resolve(s);
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve(undefined);
      });
      req.end();
    });
  let retry: RetryProbe = { retryAfter: undefined, status: undefined };
  let probes = 0;
  let firstWaitMs = 0;
  for (let i = 0; i < spec.max && probes < RETRY_PROBES; i++) {
    const s = await once();
    if (s?.status !== 429) {
      // After an admitted probe only the very next request may start another: a limiter that
      // admits it (a fixed window just reset) is not spent again by this probe.
      if (probes > 0) break;
      continue;
    }
    const seconds = s.retryAfter !== undefined && /^\d+$/.test(s.retryAfter.trim()) ? Number(s.retryAfter) : undefined;
    if (seconds === undefined) {
      // A 429 without a usable Retry-After is judged from the samples; it ends the probing.
      if (probes === 0) retry = { retryAfter: s.retryAfter, status: undefined };
      break;
    }
    const waitMs = spec.time.realMs(seconds * 1000);
    // A second probe never waits longer than the first: the run takes at most twice as long.
    if (probes > 0 && waitMs > firstWaitMs) break;
    if (probes === 0) firstWaitMs = waitMs;
    // Due when the delay has passed since the 429 arrived, plus the granularity of the clocks
    // involved: Node's timers count whole milliseconds from a loop time read earlier, so one
    // setTimeout can end before the delay has passed (against a strict local target, up to 7
    // probes in 100 went out early), and a target's clock may read whole milliseconds too (the
    // mock's Date.now() does). So wait by performance.now(), and again while it is not yet due.
    const due = started + s.at + waitMs + CLOCK_GRANULARITY_MS;
    for (let left = due - performance.now(); left > 0; left = due - performance.now()) await new Promise((r) => setTimeout(r, Math.ceil(left)));
    retry = { retryAfter: s.retryAfter, status: (await once())?.status };
    probes += 1;
    if (retry.status === 429) break;
  }
  agent.destroy();
  return { run: { label: spec.label, startedAt, startedPerf: started, durationMs: performance.now() - started, samples, timeline: timelineOf(samples), errors, statusCounts }, retry };
}

/**
 * `amount` requests at one instant: the connections are opened first (with requests that carry no
 * credential, which count against no key, RL-9), then every request is written in the same tick,
 * so the burst reaches the target within a fraction of a millisecond of one another — as RL-1
 * means "at once", even where a time scale makes a token refill in milliseconds.
 */
export async function burst(spec: { label: string; url: string; headers: readonly Header[]; amount: number }): Promise<LoadRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.amount, maxFreeSockets: spec.amount });
  const u = new URL(spec.url);
  const send = (headers: string[], record?: (status: number, h: Record<string, string>) => void) =>
    new Promise<void>((resolve) => {
      const req = request(u, { method: 'GET', agent, headers: ['Host', u.host, ...headers], timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (record !== undefined) {
            const h: Record<string, string> = {};
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) h[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
            record(res.statusCode ?? 0, h);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  let errors = 0;
  await Promise.all(Array.from({ length: spec.amount }, () => send([])));
  errors = 0;
  const samples: Sample[] = [];
  const statusCounts: Record<string, number> = {};
  const raw = spec.headers.flat();
  const started = performance.now();
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: spec.amount }, () =>
      send(raw, (status, h) => {
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        samples.push(sampleOf(performance.now() - started, status, h));
      }),
    ),
  );
  agent.destroy();
  samples.sort((a, b) => a.at - b.at);
  return { label: spec.label, startedAt, startedPerf: started, durationMs: performance.now() - started, samples, timeline: timelineOf(samples), errors, statusCounts };
}
