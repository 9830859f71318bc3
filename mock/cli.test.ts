// Integration tests of `casebender mock` as a process: usage errors, unusable seed and port, help,
// and a real start that prints its listening line, writes an owner-only profile and stops cleanly
// on SIGTERM. Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './test-support/temp-dir.js';
import { schemaChecker } from '../contract/json-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HINT = 'Run "casebender mock --help" for the options.';
const EXIT_TIMEOUT_MS = 15_000;

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** The exit code; rejects when the process outlives `ms`. */
  exit(ms?: number): Promise<number | null>;
  /** The first stdout line matching `pattern`; rejects after `ms` or when the process ends first. */
  line(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

const running = new Set<ChildProcess>();

function mock(...args: string[]): Run {
  const child = spawn(process.execPath, ['bin/casebender.js', 'mock', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exit: (ms = EXIT_TIMEOUT_MS) => within(exited, ms, `casebender mock ${args.join(' ')} did not exit`),
    line(pattern, ms = EXIT_TIMEOUT_MS) {
      const found = new Promise<RegExpExecArray>((resolve, reject) => {
        const look = () => {
          const match = pattern.exec(run.stdout);
          if (match !== null) resolve(match);
        };
        look();
        child.stdout!.on('data', look);
        void exited.then(() => {
          look();
          reject(new Error(`exited before printing ${pattern}; stderr: ${run.stderr}`));
        });
      });
      return within(found, ms, `no line matching ${pattern}; stdout: ${run.stdout}; stderr: ${run.stderr}`);
    },
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (run.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
  void exited.then(() => running.delete(child));
  return run;
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const linesOf = (text: string) => text.split('\n').filter((l) => l !== '');

const dir = tempDir('casebender-cli-');
afterEach(() => {
  // A test that failed half-way leaves no process behind.
  for (const child of running) child.kill('SIGKILL');
});

describe('casebender mock: usage errors exit 2', () => {
  it('--bogus: exit 2, one "casebender mock:" line and the hint on stderr', async () => {
    const run = mock('--bogus');
    expect(await run.exit()).toBe(2);
    const lines = linesOf(run.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^casebender mock: .*--bogus/);
    expect(lines[1]).toBe(HINT);
    expect(run.stdout).toBe('');
  });

  it('--port abc: exit 2 naming --port', async () => {
    const run = mock('--port', 'abc');
    expect(await run.exit()).toBe(2);
    expect(linesOf(run.stderr)).toEqual(['casebender mock: --port must be an integer from 0 to 65535; got "abc"', HINT]);
  });

  it('--headers-timeout abc: exit 2 naming --headers-timeout', async () => {
    const run = mock('--headers-timeout', 'abc');
    expect(await run.exit()).toBe(2);
    expect(linesOf(run.stderr)).toEqual(['casebender mock: --headers-timeout must be a positive integer of milliseconds; got "abc"', HINT]);
  });

  it('--headers-timeout past the request timeout: exit 2 naming both', async () => {
    const run = mock('--headers-timeout', '40000', '--port', '0', '--profile-out', join(dir, 'unused-timeout.json'));
    expect(await run.exit()).toBe(2);
    expect(linesOf(run.stderr)).toEqual(['casebender mock: --headers-timeout (40000) must not exceed --request-timeout (30000)']);
  });

  it('--seed /nonexistent.json: exit 2 naming the file', async () => {
    const run = mock('--seed', '/nonexistent.json', '--port', '0', '--profile-out', join(dir, 'unused.json'));
    expect(await run.exit()).toBe(2);
    const lines = linesOf(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^casebender mock: .*\/nonexistent\.json/);
    expect(existsSync(join(dir, 'unused.json'))).toBe(false);
  });

  it('--data "": exit 2 asking for a directory', async () => {
    const run = mock('--data', '', '--port', '0', '--profile-out', join(dir, 'unused.json'));
    expect(await run.exit()).toBe(2);
    expect(linesOf(run.stderr)).toEqual(['casebender mock: --data needs a directory', HINT]);
  });

  it('--data on a path that is a file: exit 2 naming it, nothing written', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const run = mock('--data', file, '--port', '0', '--profile-out', join(dir, 'unused.json'));
    expect(await run.exit()).toBe(2);
    const lines = linesOf(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^casebender mock: cannot use the data directory .*a-file: /);
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
    expect(existsSync(join(dir, 'unused.json'))).toBe(false);
  });

  describe('a port already in use', () => {
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    it('exit 2 saying the port is in use', async () => {
      const run = mock('--port', String(port), '--profile-out', join(dir, 'busy.json'), '--quiet');
      expect(await run.exit()).toBe(2);
      const lines = linesOf(run.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^casebender mock: port ${port} .*is in use`));
    });
  });
});

describe('casebender mock --help', () => {
  it('exits 0 and prints the usage', async () => {
    const run = mock('--help');
    expect(await run.exit()).toBe(0);
    expect(run.stdout.startsWith('Usage: casebender mock [options]')).toBe(true);
    expect(run.stderr).toBe('');
  });
});

describe('casebender mock: a real start', () => {
  it('prints the listening line, writes a valid owner-only profile, serves, and exits 0 on SIGTERM', async () => {
    const profilePath = join(dir, 'nested', 'p.json');
    const run = mock('--port', '0', '--profile-out', profilePath, '--quiet');
    const [, baseUrl] = await run.line(/^casebender mock listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)\b.*$/m);
    expect(existsSync(profilePath)).toBe(true);
    expect(statSync(profilePath).mode & 0o777).toBe(0o600);
    const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as { target: { baseUrl: string }; keys: { name: string; key?: string }[] };
    expect(schemaChecker('profile.schema.json')(profile)).toEqual([]);
    expect(profile.target.baseUrl).toBe(baseUrl);
    const key = profile.keys.find((k) => k.name === 'read-write')!.key!;
    expect((await fetch(`${baseUrl}/alerts`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(linesOf(run.stdout)).toHaveLength(1); // --quiet: the listening line only
    run.child.kill('SIGTERM');
    expect(await run.exit()).toBe(0);
  });

  // Mock bug: writeFileSync's `mode` applies only when it creates the file, so a profile file that
  // already exists keeps its permissions (here 0644) while the keys are written into it.
  it('leaves the profile owner-only even when the file already existed with wider permissions', async () => {
    const profilePath = join(dir, 'existing.json');
    writeFileSync(profilePath, '{}\n');
    chmodSync(profilePath, 0o644);
    const run = mock('--port', '0', '--profile-out', profilePath, '--quiet');
    await run.line(/listening on/);
    try {
      expect(statSync(profilePath).mode & 0o777).toBe(0o600);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit();
    }
  });

  // Mock bug: startMock() listens before it writes the profile; when the write fails, the error is
  // printed and 2 returned, but the server is never closed, so the process keeps serving forever.
  it('exits 2 when the profile cannot be written', async () => {
    const notADirectory = join(dir, 'plain-file');
    writeFileSync(notADirectory, '');
    const run = mock('--port', '0', '--profile-out', join(notADirectory, 'p.json'), '--quiet');
    expect(await run.exit()).toBe(2);
  });
});
