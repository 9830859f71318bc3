// `casebender run` against targets that misbehave at the network level: one that hangs, resets,
// answers garbage, drips its answer, redirects elsewhere, answers 500 to everything, or stops
// answering after the first request. Each run is a child process (as a user runs it) against a
// loopback server of this test; it must end with exit code 1 or 2, a clear line or a per-requirement
// report, and within a bound set by --timeout — never a crash trace or a hang.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from './report/run-report.js';
import { schemaChecker } from '../contract/index.js';
import { tempDir } from '../mock/test-support/temp-dir.js';

const BIN = fileURLToPath(new URL('../bin/casebender.js', import.meta.url));
const TIMEOUT_MS = 500;
const dir = tempDir('cb-bad-target-');
const checkReport = schemaChecker('report.schema.json');

/** Keys of the right shape that no target knows: enough for every functional area to run. */
const PROFILE_KEYS = [
  { name: 'rw', kind: 'modern', key: 'cbr_live_' + 'A'.repeat(8) + 'B'.repeat(32), tier: 'professional', scopes: ['alerts:read', 'alerts:write', 'cases:read', 'cases:write', 'observables:read', 'observables:write', 'users:read'] },
  { name: 'ro', kind: 'modern', key: 'cbr_live_' + 'C'.repeat(8) + 'D'.repeat(32), tier: 'basic', scopes: ['alerts:read'] },
  { name: 'revoked', kind: 'modern', key: 'cbr_live_' + 'E'.repeat(8) + 'F'.repeat(32), tier: 'basic', scopes: ['alerts:read'], state: 'revoked' },
  { name: 'legacy', kind: 'legacy', accessKey: 'cbak_conformanceAccess', secret: 'S'.repeat(40), tier: 'basic', scopes: ['alerts:read'] },
];

interface Outcome {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** From the run's first connection to the target to its exit: start-up (tsx, imports) left out. */
  readonly ms: number;
  readonly report: RunReport | undefined;
}

const servers: (Server | HttpServer)[] = [];
const firstConnection = new Map<number, number>();
let runs = 0;

async function listen(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  server.on('connection', () => {
    const port = (server.address() as { port: number }).port;
    if (!firstConnection.has(port)) firstConnection.set(port, performance.now());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** `casebender run` against 127.0.0.1:port with a profile of PROFILE_KEYS, as a child process. */
function runAgainst(port: number, args: string[] = []): Promise<Outcome> {
  const profile = join(dir, `profile-${port}.json`);
  writeFileSync(profile, JSON.stringify({ target: { baseUrl: `http://127.0.0.1:${port}/api/v1` }, keys: PROFILE_KEYS }));
  const reportDir = join(dir, `reports-${runs++}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', '--profile', profile, '--timeout', String(TIMEOUT_MS), '--report-dir', reportDir, '--format', 'json', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    // A hang is a failure: the child is killed well past every bound asserted below.
    const kill = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      const json = join(reportDir, 'latest', 'report.json');
      const report = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as RunReport) : undefined;
      resolve({ code, out, err, ms: performance.now() - (firstConnection.get(port) ?? Number.NaN), report });
    });
  });
}

afterAll(async () => {
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** No crash trace anywhere: a stack line is the sign of an error nobody turned into words. */
function expectNoTrace(o: Outcome): void {
  expect(o.err + o.out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|Unhandled|TypeError|RangeError/);
}

describe('casebender run against a target that fails at the first request: exit 2, one clear line, within the timeout', () => {
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
  });

  it.each<[string, () => Server, RegExp]>([
    ['hangs (accepts, never answers)', () => createServer((s) => void sockets.push(s)), /: no answer within 500 ms$/],
    ['resets every connection', () => createServer((s) => s.resetAndDestroy()), /: the target reset the connection without an answer$/],
    ['answers bytes that are not HTTP', () => createServer((s) => s.once('data', () => s.end('\u0000\u0001 garbage, not HTTP\r\n\r\n'))), /: the target answered something that is not HTTP \(HPE_/],
    [
      'drips its answer a byte every 100 ms',
      () =>
        createServer((s) => {
          sockets.push(s);
          s.once('data', () => {
            s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
            const t = setInterval(() => s.write(' '), 100);
            s.on('close', () => clearInterval(t));
            s.on('error', () => clearInterval(t));
          });
        }),
      /: no complete answer within 500 ms$/,
    ],
  ])('a target that %s', async (_name, make, message) => {
    const port = await listen(make());
    const o = await runAgainst(port);
    expect(o.code).toBe(2);
    const lines = o.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^casebender run: the target does not answer: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/alerts: /);
    expect(lines[0]).toMatch(message);
    expectNoTrace(o);
    // One timeout, and the time to write the line and exit, with room for a busy machine.
    expect(o.ms).toBeLessThan(TIMEOUT_MS + 5_000);
  }, 60_000);
});

describe('casebender run against a target that answers, wrongly: exit 1 and a result for every requirement', () => {
  it('a target that redirects every request to another origin: the redirect is not followed, each requirement fails or is skipped with the 302 as its reason', async () => {
    let followed = 0;
    const elsewhere = await listen(createHttpServer((_q, r) => void (followed++, r.end('{}'))));
    const port = await listen(createHttpServer((_q, r) => void r.writeHead(302, { Location: `http://127.0.0.1:${elsewhere}/api/v1/alerts` }).end()));
    const o = await runAgainst(port, ['--only', 'CRED,KEY,ERR']);
    expect(o.code).toBe(1);
    expectNoTrace(o);
    expect(followed).toBe(0);
    expect(checkReport(o.report)).toEqual([]);
    const byId = new Map(o.report!.requirements.map((r) => [r.id, r]));
    expect(byId.get('CRED-1')?.result).toBe('fail');
    expect(JSON.stringify(byId.get('CRED-1'))).toContain('got 302');
    expect(o.out).toMatch(/^NOT CONFORMANT: \d+ requirements — [1-9]\d* fail/m);
    expect(o.ms).toBeLessThan(15_000);
  }, 60_000);

  it('a target that answers 500 to everything (every area, --quick): no requirement passes on nothing, no check breaks, the load waits for nothing', async () => {
    const port = await listen(createHttpServer((_q, r) => void r.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom')));
    const o = await runAgainst(port, ['--quick']);
    expect(o.code).toBe(1);
    expectNoTrace(o);
    expect(checkReport(o.report)).toEqual([]);
    const checks = o.report!.requirements.flatMap((r) => r.checks.map((c) => ({ id: r.id, ...c })));
    // Every check ran to a verdict: none broke on the answers.
    expect(checks.filter((c) => JSON.stringify(c).includes('the check could not complete'))).toEqual([]);
    // What may pass against a target that answers only 500: that no key in a query string is accepted
    // (CRED-8), that no answer echoes a key (ERR-3). Anything else passing would be a pass on nothing.
    expect(o.report!.requirements.filter((r) => r.result === 'pass').map((r) => r.id).sort()).toEqual(['CRED-8', 'ERR-3']);
    for (const id of ['CRED-1', 'CRED-3', 'KEY-1', 'LEG-1']) expect(o.report!.requirements.find((r) => r.id === id)?.result).toBe('fail');
    for (const id of ['KEY-5', 'ERR-1', 'ERR-2', 'SCOPE-5', 'HDR-2', 'HDR-3']) {
      const r = o.report!.requirements.find((q) => q.id === id);
      expect(r?.result, `${id}: ${JSON.stringify(r)}`).toBe('skipped');
    }
    // Too few keys for any tier's load: it is skipped at once, with no minute's rest before nothing.
    expect(o.ms).toBeLessThan(20_000);
  }, 60_000);

  it('a target that answers the first request and then hangs: the checks left are reported as not run, and the run ends within a few timeouts', async () => {
    let answered = 0;
    const held: Socket[] = [];
    const server = createServer((s) => {
      held.push(s);
      s.once('data', () => {
        if (answered++ === 0) s.write('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/problem+json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', () => s.end());
      });
    });
    const port = await listen(server);
    try {
      const o = await runAgainst(port, ['--only', 'CRED,PREC,KEY,ERR']);
      expect(o.code).toBe(1);
      expectNoTrace(o);
      expect(checkReport(o.report)).toEqual([]);
      const summaries = o.report!.requirements.flatMap((r) => r.checks.map((c) => JSON.stringify(c)));
      expect(summaries.some((s) => s.includes('the target stopped answering: GET'))).toBe(true);
      expect(summaries.filter((s) => s.includes('not run: the target stopped answering earlier in the run')).length).toBeGreaterThan(10);
      // The first check's timeout and the confirming preflight's, not one per check (30 checks here:
      // 15 s and more at 500 ms each).
      expect(o.ms).toBeLessThan(2 * TIMEOUT_MS + 7_000);
    } finally {
      for (const s of held) s.destroy();
    }
  }, 60_000);
});
