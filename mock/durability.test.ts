// `casebender mock --data DIR` as a process: SIGTERM lets a request in flight finish and saves it;
// SIGKILL at random instants during writes always leaves a complete, earlier state that starts;
// the profile of the first start stays valid. Loopback only; every loop and wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'durability-test-control-token';
const WAIT_MS = 20_000;

interface Mock {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

const running = new Set<ChildProcess>();
let dir: string;
let profile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-durable-'));
  profile = join(dir, 'profile.json');
});
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the mock on a free loopback port over `dir/state`; resolves once it listens. */
async function startMock(...extra: string[]): Promise<Mock> {
  const args = ['bin/casebender.js', 'mock', '--port', '0', '--data', join(dir, 'state'), '--profile-out', profile, '--control-token', TOKEN, ...extra];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (running.delete(child), resolve(code))));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mock did not start: ${out}`)), WAIT_MS);
    const look = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out);
      if (m !== null && out.includes('profile with the full keys')) (clearTimeout(timer), resolve(m[1]!));
    };
    child.stdout!.on('data', look);
    void exited.then(() => (clearTimeout(timer), reject(new Error(`the mock exited: ${out}`))));
  });
  return { child, origin, exited, output: () => out };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_r, reject) => setTimeout(() => reject(new Error(`${what} took over ${WAIT_MS} ms`)), WAIT_MS))]);
}

const profileKey = (name: string): string => {
  const keys = (JSON.parse(readFileSync(profile, 'utf8')) as { keys: { name: string; key?: string }[] }).keys;
  const key = keys.find((k) => k.name === name)?.key;
  if (key === undefined) throw new Error(`no key ${name} in the profile`);
  return key;
};

// A documented AlertInput (title, statusValue, severity required; tags by integer id).
const alertBody = (n: number) => ({ title: `durable alert ${n}`, statusValue: 'new', severity: 1 + (n % 4), type: 'siem', source: 'splunk', sourceRef: `D-${n}`, tags: [{ id: n }] });

async function post(origin: string, path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('casebender mock --data', () => {
  it('drains a request in flight on SIGTERM, saves it and exits 0; a restart has it and the first profile still works', async () => {
    const first = await startMock();
    const key = profileKey('read-write');
    const body = JSON.stringify(alertBody(1));
    // Headers and half the body now, the rest after SIGTERM: the request is in flight.
    const socket = connect(Number(new URL(first.origin).port), '127.0.0.1');
    let reply = '';
    socket.setEncoding('utf8').on('data', (c: string) => (reply += c));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    first.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(body.slice(10));
    await within(ended, 'the answer to the request in flight');
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    const id = (JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { id: string }).id;
    expect(await within(first.exited, 'the stop')).toBe(0);

    const second = await startMock();
    expect(second.output()).toMatch(/state: .* \(restored\)/);
    expect(second.output()).not.toMatch(/WARNING: the material/);
    // The key read from the first profile, which the restart rewrote with the same material.
    expect(profileKey('read-write')).toBe(key);
    const read = await fetch(`${second.origin}/api/v1/alerts/${id}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject(alertBody(1));
    second.child.kill('SIGTERM');
    expect(await within(second.exited, 'the second stop')).toBe(0);
  });

  it('says which seeded keys it cannot list when the first profile is gone, and they still work', async () => {
    const first = await startMock();
    const key = profileKey('admin');
    first.child.kill('SIGTERM');
    await within(first.exited, 'the stop');
    rmSync(profile);
    const second = await startMock();
    const seeded = (JSON.parse(readFileSync(join(ROOT, 'fixtures/seed.json'), 'utf8')) as { keys: unknown[] }).keys.length;
    expect(second.output()).toContain(`WARNING: the material of ${seeded} seeded key(s) (basic-a, basic-b, `);
    expect(second.output()).toContain(`was not in ${profile}`);
    expect((await fetch(`${second.origin}/api/v1/alerts`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    second.child.kill('SIGTERM');
    await within(second.exited, 'the second stop');
  });

  it('refuses a second mock on the same directory with one line and exit 2; the first keeps answering and saving', async () => {
    const first = await startMock();
    const child = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--data', join(dir, 'state'), '--profile-out', join(dir, 'other-profile.json')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await within(new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))), 'the refusal');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^casebender mock: the data directory .*state is in use by process ${first.child.pid} \\(another casebender mock\\?\\)`))]);
    expect(existsSync(join(dir, 'other-profile.json'))).toBe(false);
    expect((await fetch(`${first.origin}/__mock/health`, { headers: { 'X-Mock-Token': TOKEN } })).status).toBeLessThan(500);
    first.child.kill('SIGTERM');
    expect(await within(first.exited, 'the stop')).toBe(0);
    expect(existsSync(join(dir, 'state', 'lock'))).toBe(false);
  });

  it('refuses a state file that is not its own with one line and exit 2, leaving the file as it was', async () => {
    const stateDir = join(dir, 'state');
    const first = await startMock();
    first.child.kill('SIGTERM');
    await within(first.exited, 'the stop');
    writeFileSync(join(stateDir, 'state.json'), '{"format": "other"}');
    const child = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--data', stateDir, '--profile-out', profile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await within(new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))), 'the refusal');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(/^casebender mock: .*state\.json is not a mock state file: its "format" is not "casebender-mock-state"$/)]);
    expect(readFileSync(join(stateDir, 'state.json'), 'utf8')).toBe('{"format": "other"}');
  });

  it('after SIGKILL at random instants during writes, restarts each time from a complete earlier state', async () => {
    const stateDir = join(dir, 'state');
    const ROUNDS = 4;
    const seen: { alerts: number; keys: number }[] = [];
    const minted = new Map<string, string>(); // key id -> material, of every key the mock answered
    let next = 0; // alerts are created in order 0, 1, 2, ...
    for (let round = 0; round < ROUNDS; round++) {
      const mock = await startMock();
      // What this start restored: alerts 0..k-1 exactly (a prefix: writes are made one at a time).
      const restored = await restoredState(mock.origin);
      const numbers = restored.alerts;
      expect(numbers).toEqual(numbers.map((_n, i) => i));
      // Never older than what the previous start had: it saved what it restored before writing.
      if (seen.length > 0) expect(numbers.length).toBeGreaterThanOrEqual(seen.at(-1)!.alerts);
      // Every restored control key is whole: it authenticates with the material it was minted with.
      for (const id of restored.keyIds) {
        const material = minted.get(id);
        if (material === undefined) continue;
        const r = await fetch(`${mock.origin}/api/v1/alerts?limit=1`, { headers: { Authorization: `Bearer ${material}` } });
        expect(r.status, `key ${id} restored but not usable`).toBe(200);
      }
      seen.push({ alerts: numbers.length, keys: restored.keyIds.length });
      next = numbers.length;
      // Writes, one at a time, until a random instant between 150 and 700 ms from now.
      const killAt = Date.now() + 150 + Math.floor(Math.random() * 550);
      const key = profileKey('read-write');
      let writes = 0;
      const killed = (async () => {
        while (Date.now() < killAt) await new Promise((resolve) => setTimeout(resolve, 5));
        mock.child.kill('SIGKILL');
      })();
      try {
        while (writes < 2_000 && Date.now() < killAt + 100) {
          if (writes % 3 === 2) {
            const r = await post(mock.origin, '/__mock/keys', { 'X-Mock-Token': TOKEN }, { tier: 'basic', scopes: ['alerts:read'] });
            const k = (await r.json()) as { id: string; key: string };
            minted.set(k.id, k.key);
          } else {
            const r = await post(mock.origin, '/api/v1/alerts', { Authorization: `Bearer ${key}` }, alertBody(next));
            if (r.status === 200) next += 1;
          }
          writes += 1;
          // A short pause: a few hundred writes a second are plenty, and the rate-limit tests
          // running beside this one keep their CPU.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      } catch {
        // The kill cut a request: expected.
      }
      await killed;
      expect(await within(mock.exited, 'the kill')).toBeNull();
      expect(existsSync(join(stateDir, 'state.json'))).toBe(true);
      expect(() => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))).not.toThrow();
      // Temporary files of a cut write may remain; the next start removes them. The killed
      // process's lock remains too, naming a process that is gone: the next start takes it over.
      expect(readdirSync(stateDir).filter((n) => n !== 'state.json' && n !== 'lock').every((n) => n.endsWith('.tmp'))).toBe(true);
      expect((JSON.parse(readFileSync(join(stateDir, 'lock'), 'utf8')) as { pid: number }).pid).toBe(mock.child.pid);
    }
    const last = await startMock();
    const final = await restoredState(last.origin);
    expect(final.alerts).toEqual(final.alerts.map((_n, i) => i));
    expect(final.alerts.length).toBeGreaterThanOrEqual(seen.at(-1)!.alerts);
    // The kills came after at least one save (100 ms after the first write) of some round.
    expect(final.alerts.length).toBeGreaterThan(0);
    // The temporary files are gone; the lock is the running mock's.
    expect(readdirSync(stateDir).sort()).toEqual(['lock', 'state.json']);
    expect((JSON.parse(readFileSync(join(stateDir, 'lock'), 'utf8')) as { pid: number }).pid).toBe(last.child.pid);
    last.child.kill('SIGTERM');
    expect(await within(last.exited, 'the last stop')).toBe(0);
    expect(readdirSync(stateDir)).toEqual(['state.json']);
  }, 120_000);
});

/**
 * The numbers of the durable alerts a started mock holds (ascending: GET /alerts lists newest
 * first, and alerts created in one millisecond tie) and its key ids.
 */
async function restoredState(origin: string): Promise<{ alerts: number[]; keyIds: string[] }> {
  const key = profileKey('read-write');
  const alerts: number[] = [];
  // GET /alerts answers every alert, as one array, when neither page nor limit is given.
  const r = await fetch(`${origin}/api/v1/alerts`, { headers: { Authorization: `Bearer ${key}` } });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { title: string }[];
  expect(Array.isArray(body)).toBe(true);
  for (const a of body) {
    const m = /^durable alert (\d+)$/.exec(a.title);
    if (m === null) continue;
    const n = Number(m[1]);
    // Whole: every field as sent.
    expect(a).toMatchObject(alertBody(n));
    alerts.push(n);
  }
  alerts.sort((a, b) => a - b);
  const keys = (await (await fetch(`${origin}/__mock/keys`, { headers: { 'X-Mock-Token': TOKEN } })).json()) as { data: { id: string }[] };
  return { alerts, keyIds: keys.data.map((k) => k.id) };
}
