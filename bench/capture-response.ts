// One request, its answer kept exactly: status, headers as sent (less those Node adds to every
// answer itself) and the body bytes. The bare server replays what this captures from the mock.
import { request } from 'node:http';
import type { Replay } from './server-messages.js';

/** Headers node:http writes on its own for both servers, so they are not part of a replay. */
const ADDED_BY_NODE = new Set(['date', 'connection', 'keep-alive']);

/**
 * GETs `url` on a fresh connection and captures the answer.
 *
 * @example
 * const replay = await captureResponse('http://127.0.0.1:4010/api/v1/alerts/a1', { Authorization: 'Bearer cbr_live_...' });
 * replay.status // 200
 */
export function captureResponse(url: string, headers: Record<string, string>): Promise<Replay> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!;
          if (!ADDED_BY_NODE.has(name.toLowerCase())) pairs.push([name, res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks).toString('base64') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** How two answers differ (first difference), or undefined when they are the same bytes. */
export function replayDifference(expected: Replay, actual: Replay): string | undefined {
  if (expected.status !== actual.status) return `status ${actual.status}, expected ${expected.status}`;
  const a = expected.headers.map(([n, v]) => `${n}: ${v}`);
  const b = actual.headers.map(([n, v]) => `${n}: ${v}`);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `header #${i + 1} is ${JSON.stringify(b[i] ?? '(none)')}, expected ${JSON.stringify(a[i] ?? '(none)')}`;
  }
  if (expected.body !== actual.body) return `body differs (${Buffer.from(actual.body, 'base64').length} bytes, expected ${Buffer.from(expected.body, 'base64').length})`;
  return undefined;
}
