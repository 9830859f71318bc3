// ERR-5: the mock's memory stays bounded under hostile input. The mock runs in a child process
// (node --expose-gc) and reports process.memoryUsage() after a full GC; the test sends it rounds of
// hostile requests over loopback sockets and compares the heap after the first round with the
// heap after the last.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileRequest } from '../test-support/hostile-request.js';
import type { MemoryReport } from '../test-support/memory-probe-server.js';
import { propertyOptions } from '../test-support/property-options.js';
import { rawExchange } from '../test-support/raw-exchange.js';

const SCRIPT = fileURLToPath(new URL('../test-support/memory-probe-server.ts', import.meta.url));
const ROUNDS = 5;
const PER_ROUND = 300;
const CONCURRENCY = 8;
const MiB = 1024 * 1024;

describe('the mock’s memory under hostile input (child process, measured after GC)', () => {
  let child: ChildProcess;
  let port: number;
  let key: string;
  const replies: unknown[] = [];
  let waiting: ((m: unknown) => void) | undefined;

  const next = () => new Promise<unknown>((resolve) => (replies.length > 0 ? resolve(replies.shift()) : (waiting = resolve)));
  const measure = async (): Promise<MemoryReport> => {
    child.send('measure');
    return (await next()) as MemoryReport;
  };

  beforeAll(async () => {
    child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m) => {
      if (waiting !== undefined) {
        const w = waiting;
        waiting = undefined;
        w(m);
      } else replies.push(m);
    });
    ({ port, key } = (await next()) as { port: number; key: string });
  });
  afterAll(() => {
    child.send('stop');
  });

  // Measured on this 2-core machine (FC_SEED=3901348): heapUsed after each round 11.1, 11.2, 11.2,
  // 11.2, 10.9 MiB; RSS 115 MiB throughout — 1,500 hostile requests with bodies up to 3 MiB and
  // header values up to 64 KiB. The bounds are generous but real: 6 MiB over 1,200 requests is a
  // leak of 5 KiB a request (one retained header block or body would pass it by far).
  it('ERR-5: 1,500 hostile requests leave the heap within 6 MiB of its size after the first 300 (measured: 11.1 → 10.9 MiB), RSS under 300 MiB (measured: 115)', async () => {
    const { seed } = propertyOptions();
    const requests = fc.sample(hostileRequest({ bearer: key }), { seed, numRuns: PER_ROUND });
    const sizes: MemoryReport[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let i = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < requests.length) {
            const r = requests[i++]!;
            const outcome = await rawExchange(port, r.bytes, { timeoutMs: 5_000 });
            expect(outcome.status, r.summary).toBeLessThan(500);
          }
        }),
      );
      sizes.push(await measure());
    }
    const first = sizes[0]!;
    const last = sizes.at(-1)!;
    console.log(`mock memory after each round of ${PER_ROUND} hostile requests (heapUsed / rss MiB): ${sizes.map((s) => `${(s.heapUsed / MiB).toFixed(1)} / ${(s.rss / MiB).toFixed(0)}`).join(', ')}`);
    expect(last.heapUsed - first.heapUsed).toBeLessThan(6 * MiB);
    expect(last.rss).toBeLessThan(300 * MiB);
    // And it still serves.
    const ok = await rawExchange(port, `GET /api/v1/alerts?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`);
    expect(ok.status).toBe(200);
  }, 90_000);
});
