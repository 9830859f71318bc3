// The mock over HTTP, input it must survive (ERR-5): oversized headers and bodies, bodies that are
// not JSON, bytes that are not HTTP, non-ASCII credentials; and absolute-form request targets.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestsTo } from './server-test-kit.js';
import { sendBytes } from './test-client.js';
import { bearer, expectProblem, jsonRequest, startTestMock, type TestMock } from './test-server.js';

describe('the mock over HTTP (real clock)', () => {
  let mock: TestMock;
  const { api, raw } = requestsTo(() => mock);

  // Stateful tests start from the seed.
  beforeAll(async () => {
    mock = await startTestMock();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.app.reset());

  describe('ERR — error answers', () => {
    it('ERR-5: a 20 KiB header gives 431, not a 5xx', async () => {
      const reply = await raw('/alerts', [['Authorization', `Bearer ${mock.key('read-write')}`], ['X-Padding', 'p'.repeat(20 * 1024)]]);
      expectProblem(reply, 431, 'headers_too_large');
    });

    it('ERR-5: a 2 MiB body (Content-Length) gives 413, not a 5xx', async () => {
      const reply = await raw('/alerts', [['Authorization', `Bearer ${mock.key('read-write')}`], ['Content-Type', 'application/json']], { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 0x20) });
      expectProblem(reply, 413, 'body_too_large');
    });

    it('ERR-5: a 2 MiB chunked body gives 413, not a 5xx', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 2 * 1024 * 1024) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const reply = await api('/alerts', { method: 'POST', body, duplex: 'half', headers: { 'Content-Type': 'application/json', ...bearer(mock.key('read-write')) } } as RequestInit);
      expectProblem(reply, 413, 'body_too_large');
    });

    it('ERR-5: a body that is not JSON gives 400 invalid_json', async () => {
      const reply = await api('/alerts', jsonRequest('POST', '{bad json', bearer(mock.key('read-write'))));
      const problem = expectProblem(reply, 400, 'invalid_json');
      expect(problem.errors).toEqual([{ field: '(body)', message: 'is not valid JSON' }]);
    });

    it('ERR-5: bytes that are not HTTP give 400, not a 5xx', async () => {
      const reply = await sendBytes(mock.server.origin, 'HELLO THERE\r\n\r\n');
      expect(reply.status).toBe(400);
      expect(reply.head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 400, code: 'bad_request' });
    });

    it('an absolute-form request target (as sent through a proxy) is answered like its origin-form', async () => {
      const key = mock.key('read-write');
      const absolute = await sendBytes(mock.server.origin, `GET ${mock.server.origin}/api/v1/alerts?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      expect(absolute.status).toBe(200);
      expect(JSON.parse(absolute.body) as unknown[]).toHaveLength(1);
      const bare = await sendBytes(mock.server.origin, `GET HTTP://EXAMPLE.TEST?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      expect(bare.status).toBe(404);
    });

    it('ERR-5: non-ASCII bytes in Authorization give 401 malformed_credentials, not a 5xx', async () => {
      const request = Buffer.concat([
        Buffer.from('GET /api/v1/alerts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '),
        Buffer.from([0xc3, 0xa9, 0xff, 0xfe]),
        Buffer.from('\r\n\r\n'),
      ]);
      const reply = await sendBytes(mock.server.origin, request);
      expect(reply.status).toBe(401);
      expect(reply.body).toContain('"code":"malformed_credentials"');
    });
  });
});
