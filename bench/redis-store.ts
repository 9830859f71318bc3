// npm run bench:redis: requests/second of the mock over the Redis store (one and two worker
// processes) against the in-memory store (one process), on this machine, all on 127.0.0.1, and
// what a decision costs in Redis: commands sent per request (before the client batches them)
// and Redis's own time per rate-limit script. Target: 2 workers ≥ 0.5× memory.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Profile } from '../contract/index.js';
import { startTestRedis, type TestRedis } from '../mock/test-support/redis-server.js';
import { busyCorePercent, readCpuTicks } from './machine-load.js';
import { pickReadableAlert } from './pick-readable-alert.js';
import { BUSY_MACHINE_PERCENT } from './throughput-report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RATIO = 0.5;
/**
 * At 1000 target seconds a real second an enterprise key (5,000/min) admits about 83,000
 * requests a real second: every request runs the whole pipeline, the limiter included, and is
 * admitted — the path a shared store makes slower.
 */
const TIME_SCALE = '1000';

interface Config {
  readonly name: string;
  readonly args: (redisUrl: string) => string[];
}

const CONFIGS: readonly Config[] = [
  { name: 'memory, 1 process', args: () => [] },
  { name: 'redis, 1 process', args: (url) => ['--store', url] },
  { name: 'redis, 2 workers', args: (url) => ['--store', url, '--workers', '2'] },
];

interface Started {
  readonly child: ChildProcess;
  readonly urls: string[];
  readonly path: string;
  readonly headers: Record<string, string>;
}

async function startMock(config: Config, redisUrl: string, dir: string): Promise<Started> {
  const profilePath = join(dir, `profile-${Date.now()}.json`);
  const child = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--quiet', '--time-scale', TIME_SCALE, '--profile-out', profilePath, ...config.args(redisUrl)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const deadline = Date.now() + 20_000;
  while (!stdout.includes('listening on') || (config.name.includes('2 workers') && !stdout.includes('worker 1 listening'))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the mock (${config.name}) did not start: ${stdout}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
  const key = profile.keys.find((k) => k.name === 'enterprise-a')!;
  return {
    child,
    urls: [profile.target.baseUrl, ...(profile.target.extraBaseUrls ?? [])].map((u) => new URL(u).origin),
    path: `/api/v1/alerts/${pickReadableAlert(profile, key)}`,
    headers: { Authorization: `Bearer ${key.key!}` },
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Every Redis command's call count and time so far (INFO commandstats). */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m !== null) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

/** `connections` spread evenly over the URLs, for `seconds`; the answers' statuses counted. */
async function load(started: Started, connections: number, seconds: number): Promise<{ requests: number; statuses: Record<string, number> }> {
  const results = await Promise.all(
    started.urls.map((url) =>
      autocannon({ url: url + started.path, headers: started.headers, connections: Math.max(1, Math.round(connections / started.urls.length)), pipelining: 1, duration: seconds }),
    ),
  );
  const statuses: Record<string, number> = {};
  let requests = 0;
  for (const r of results) {
    for (const [status, stats] of Object.entries(r.statusCodeStats ?? {})) {
      statuses[status] = (statuses[status] ?? 0) + (stats.count ?? 0);
      requests += stats.count ?? 0;
    }
  }
  return { requests, statuses };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '50' } } });
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  if (![duration, rounds, connections].every((n) => Number.isInteger(n) && n > 0)) {
    console.error('bench:redis: --duration, --rounds and --connections must be positive integers');
    return 2;
  }
  console.log(`casebender mock over Redis — Node ${process.version}; GET alert with an enterprise key at time scale ${TIME_SCALE} (every request admitted by the limiter)`);
  console.log(`${connections} connections spread over the workers, ${duration} s a run, ${rounds} rounds in alternating order, 127.0.0.1\n`);
  const before = readCpuTicks();
  await new Promise((r) => setTimeout(r, 1000));
  const after = readCpuTicks();
  if (before !== undefined && after !== undefined) {
    const busy = busyCorePercent(before, after, cpus().length);
    console.log(`machine load before start: ${busy.toFixed(0)}% of a core used by other processes${busy > BUSY_MACHINE_PERCENT ? ' — WARNING: the machine is busy, rates will be disturbed' : ''}\n`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'casebender-bench-redis-'));
  let redis: TestRedis | undefined;
  let stats: Redis | undefined;
  const rates = new Map<string, number[]>(CONFIGS.map((c) => [c.name, []]));
  const perRequest: { commands: number; scriptMicros: number }[] = [];
  try {
    // Redis's default durability (append-only file, fsync once a second), as a deployment runs it.
    redis = await startTestRedis({ fsync: 'everysec' });
    stats = new Redis(redis.url);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
      for (const config of order) {
        const started = await startMock(config, redis.url, dir);
        try {
          await load(started, connections, 1); // warm-up
          const before = await commandStats(stats);
          const { requests, statuses } = await load(started, connections, duration);
          const after = await commandStats(stats);
          const bad = Object.entries(statuses).filter(([s]) => s !== '200');
          if (bad.length > 0) console.log(`  WARNING: ${config.name}: answers other than 200: ${JSON.stringify(Object.fromEntries(bad))}`);
          const rate = requests / duration;
          rates.get(config.name)!.push(rate);
          let line = `round ${round + 1}/${rounds}  ${config.name.padEnd(18)} ${Math.round(rate).toLocaleString('en-US').padStart(8)} req/s`;
          if (config.name.startsWith('redis')) {
            // Commands: every command sent, i.e. all counted but INFO and the HMGET, HSET and HDEL
            // the rate-limit script runs inside Redis (the read path runs no other script).
            let calls = 0;
            for (const [name, s] of after) if (!['info', 'hmget', 'hset', 'hdel'].includes(name)) calls += s.calls - (before.get(name)?.calls ?? 0);
            const script = after.get('evalsha');
            const scriptCalls = (script?.calls ?? 0) - (before.get('evalsha')?.calls ?? 0);
            const scriptUsec = (script?.usec ?? 0) - (before.get('evalsha')?.usec ?? 0);
            perRequest.push({ commands: calls / requests, scriptMicros: scriptCalls > 0 ? scriptUsec / scriptCalls : NaN });
            line += `   ${(calls / requests).toFixed(2)} Redis commands/request, ${(scriptUsec / scriptCalls).toFixed(1)} µs of Redis time per EVALSHA`;
          }
          console.log(line);
        } finally {
          await stop(started.child);
        }
      }
    }
  } finally {
    stats?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(rates.get(CONFIGS[0]!.name)!);
  console.log('\n| store | req/s (median) | × memory |');
  console.log('|---|---|---|');
  for (const config of CONFIGS) {
    const rate = median(rates.get(config.name)!);
    console.log(`| ${config.name} | ${Math.round(rate).toLocaleString('en-US')} | ${(rate / base).toFixed(2)}× |`);
  }
  const two = median(rates.get('redis, 2 workers')!) / base;
  console.log(
    `\ncost per request over Redis: ${median(perRequest.map((p) => p.commands)).toFixed(2)} commands (key lookup, then rate-limit script and entity read together: 2 round trips; the commands of one turn of the event loop share a write), ` +
      `${median(perRequest.map((p) => p.scriptMicros)).toFixed(1)} µs of Redis time per rate-limit decision (median)`,
  );
  console.log(`redis with 2 workers: ${two.toFixed(2)}× the in-memory single process (target ≥ ${TARGET_RATIO}×): ${two >= TARGET_RATIO ? 'met' : 'NOT met'}`);
  return 0;
}

process.exitCode = await main();
