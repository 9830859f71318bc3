// ERR-5: the mock's early refusals (413 for an oversize body, 431 for an oversize head) reach a client
// that is still writing. The mock answers, then closes as nginx does (lingering close): it stops
// writing but reads and discards what the client still sends, for at most LINGER_MS, so the kernel
// never resets a connection whose answer the client has not read yet. Before, a client writing its
// body in chunks and reading as it went lost the 413 to that reset (measured: 3 of 6 raw-socket
// clients saw EPIPE and no answer against `casebender mock`).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/temp-dir.js';
import { LINGER_IDLE_MS, LINGER_MS } from './server.js';

// `casebender mock` in a process of its own, as users run it: in the test's own process the client
// and the server take turns on one thread, and the reset does not overtake the answer.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('cb-linger-');
let child: ChildProcess;
let key: string;
let port: number;

beforeAll(async () => {
  const profilePath = join(dir, 'profile.json');
  child = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--profile-out', profilePath, '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`casebender mock exited ${code}`)));
  });
  const keys = (JSON.parse(readFileSync(profilePath, 'utf8')) as { keys: { name: string; key?: string }[] }).keys;
  key = keys.find((k) => k.name === 'read-write')!.key!;
}, 30_000);
afterAll(() => {
  child?.kill('SIGKILL');
});

/**
 * A client that writes `head` then `body` in 64 KiB chunks, waiting on each, reading all the while,
 * and stops writing once an answer begins: what a careful client does with a big upload.
 */
function uploadReadingAsItGoes(head: string, body: Buffer): Promise<{ answer: string; error: string | undefined; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let answer = '';
    let error: string | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      void (async () => {
        socket.write(head);
        for (let i = 0; i < body.length && answer === '' && error === undefined && !socket.destroyed; i += 65_536) {
          if (!socket.write(body.subarray(i, i + 65_536))) await new Promise((r) => (socket.once('drain', r), socket.once('close', r)));
        }
        if (!socket.destroyed) socket.end();
      })();
    });
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ answer, error, ms: performance.now() - started }));
  });
}

describe('early refusals reach a client that is still writing (lingering close)', () => {
  it('ERR-5: a 2 MiB body gets its 413, twenty times in twenty, and the connection then closes', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'x');
    const head = `POST /api/alerts HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const outcomes = [];
    for (let i = 0; i < 20; i++) outcomes.push(await uploadReadingAsItGoes(head, body));
    expect(outcomes.map((o) => o.answer.split('\r\n')[0])).toEqual(Array(20).fill('HTTP/1.1 413 Payload Too Large'));
    // The client stopped writing at the answer and closed: the mock closed at once, not after LINGER_MS.
    for (const o of outcomes) expect(o.ms).toBeLessThan(LINGER_MS);
  }, 60_000);

  it('ERR-5: a head past 16 KiB gets its 431 while the client is still sending it', async () => {
    const outcomes = [];
    for (let i = 0; i < 10; i++) {
      const head = `GET /api/alerts HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${key}\r\n`;
      outcomes.push(await uploadReadingAsItGoes(head, Buffer.from(`X-Padding: ${'p'.repeat(512 * 1024)}\r\n\r\n`)));
    }
    expect(outcomes.map((o) => o.answer.split('\r\n')[0])).toEqual(Array(10).fill('HTTP/1.1 431 Request Header Fields Too Large'));
  }, 60_000);

  it('a client that never stops sending is cut after LINGER_MS (or an idle LINGER_IDLE_MS), not served for ever', async () => {
    const started = performance.now();
    const closed = await new Promise<string>((resolve) => {
      let answer = '';
      // Half-open: the mock's FIN does not end this side; it keeps writing until the mock cuts it.
      const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
        socket.write(`POST /api/alerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
      });
      socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    });
    expect(closed).toBe('HTTP/1.1 413 Payload Too Large');
    // Cut at LINGER_MS, or earlier at LINGER_IDLE_MS if this client stalled that long (a loaded
    // machine): either way it lingered, and it was not served for ever.
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(LINGER_IDLE_MS - 100);
    expect(ms).toBeLessThan(LINGER_MS + 3_000);
  }, 20_000);
});
