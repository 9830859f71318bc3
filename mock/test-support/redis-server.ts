// Test support: a throwaway redis-server on a free loopback port with its own data directory,
// for the Redis store's tests and benchmark. Outside CI a machine without redis-server skips those
// tests with the reason; in CI (CI=true) a missing Redis is a failure, never a skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly dir: string;
  /** Kills the server at once (SIGKILL), as a crash would; its data directory stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (what it kept on disk comes back). */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  stop(): Promise<void>;
}

/** Why no Redis can be started here, or undefined when redis-server is installed. */
export function redisUnavailableReason(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'redis-server is not installed (apt-get install redis-server); the Redis store tests need a real Redis';
  return undefined;
}

/** Skip the Redis tests only outside CI; in CI a missing Redis throws so that the run fails. */
export function skipWithoutRedis(): { skip: boolean; reason: string } {
  const reason = redisUnavailableReason();
  if (reason === undefined) return { skip: false, reason: '' };
  if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`SKIPPED: ${reason}`);
  return { skip: true, reason };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts redis-server on 127.0.0.1 and a free port, persisting to an append-only file in a
 * fresh temporary directory (so that a killed and restarted server keeps what it had written).
 * `fsync`: always (default: a kill loses nothing) or everysec (Redis's default, for speed).
 *
 * @example
 * const redis = await startTestRedis();
 * // ... new Redis(redis.url) ...
 * await redis.stop();
 */
export async function startTestRedis(options: { port?: number; fsync?: 'always' | 'everysec' } = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'casebender-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', options.fsync ?? 'always', '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitUntilAnswering(port, proc, () => output);
  };
  await launch();
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the port with PING until redis-server answers PONG (at most 10 s). */
async function waitUntilAnswering(port: number, proc: ChildProcess, output: () => string): Promise<void> {
  const { Socket } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${output().trim()}`);
    const pong = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (pong) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 10 s: ${output().trim()}`);
}
