// Test support shared by the mock/http/server-*.test.ts files: the request bodies, keys and
// challenge several of them use, and requests to a file's seeded mock by path.
import { send, sendRaw, type HeaderList, type Reply } from './test-client.js';
import type { TestMock } from './test-server.js';

export const REALM_CHALLENGE = 'Bearer realm="CaseBender"';
// A documented AlertInput: title, statusValue and severity are required.
export const NEW_ALERT = { title: 'Integration test alert', statusValue: 'new', severity: 2, type: 'siem', source: 'splunk', sourceRef: 'IT-1' };
export const UNKNOWN_KEY = 'cbr_live_' + 'Zz9'.repeat(13) + 'Z'; // well-formed, never minted

/** The key with one character changed at `index` (still base62, so still well-formed). */
export function flip(key: string, index: number): string {
  const c = key[index] === 'A' ? 'B' : 'A';
  return key.slice(0, index) + c + key.slice(index + 1);
}

/**
 * Requests to the mock that `current` returns when called (a file's mock, started in its
 * beforeAll): `api` and `raw` take a path under /api/v1; `alertId` is the id of a seeded alert.
 *
 * @example
 * let mock: TestMock;
 * const { api, alertId } = requestsTo(() => mock);
 * await api(`/alerts/${alertId()}`, { headers: bearer(mock.key('read-write')) });
 */
export function requestsTo(current: () => TestMock) {
  return {
    api: (path: string, init?: RequestInit): Promise<Reply> => send(`${current().baseUrl}${path}`, init),
    raw: (path: string, headers: HeaderList, options: { method?: string; body?: string | Buffer } = {}): Promise<Reply> =>
      sendRaw(`${current().baseUrl}${path}`, { headers, ...options }),
    alertId: (where: (e: { tlp: number; pap: number }) => boolean = (e) => e.tlp === 0 && e.pap === 0): string => current().entities('alerts', where)[0]!.id,
  };
}
