// ERR-5 against proxies that refuse a body early and close: the answer whose status line arrived
// before the connection was reset is the answer (a 413), not "reset without an answer". Before, the
// suites' client took any reset for no answer at all, and ERR-5 warned a deployment behind such a
// proxy. Only a connection that ends before any byte of an answer is reported as one.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, TargetUnreachable } from './http-client.js';

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A loopback target that, once it has the request head, does `answer` with the socket. */
async function target(answer: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    let head = '';
    socket.on('error', () => undefined);
    const onData = (c: Buffer) => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket);
    };
    socket.on('data', onData);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1`;
}

const bigBody = `{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`;

describe('the suites’ client and early answers', () => {
  it('a 413 whose body is cut by a reset while the request body is still being sent is a 413', async () => {
    // The proxy announces 200 bytes of error page, sends a few, and resets (unread body in its buffer).
    const base = await target((s) => {
      s.write('HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/html\r\nContent-Length: 200\r\nConnection: close\r\n\r\n<html>');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    const client = createClient({ baseUrl: base, timeoutMs: 5_000 });
    try {
      for (let i = 0; i < 5; i++) {
        const e = await client.send({ method: 'POST', path: '/alerts', headers: [['Content-Type', 'application/json']], body: bigBody });
        expect(e.status).toBe(413);
        expect(e.body).toBe('<html>');
      }
    } finally {
      client.close();
    }
  });

  it('a connection reset before any byte of an answer is still no answer', async () => {
    const base = await target((s) => s.resetAndDestroy());
    const client = createClient({ baseUrl: base, timeoutMs: 5_000 });
    try {
      await expect(client.send({ method: 'POST', path: '/alerts', headers: [['Content-Type', 'application/json']], body: bigBody })).rejects.toThrow(TargetUnreachable);
      await expect(client.send({ method: 'POST', path: '/alerts', body: bigBody })).rejects.toThrow(/reset the connection without an answer/);
    } finally {
      client.close();
    }
  });

  it('an answer to a request without a body that breaks off is still reported broken', async () => {
    const base = await target((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"id"');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    const client = createClient({ baseUrl: base, timeoutMs: 5_000 });
    try {
      await expect(client.send({ method: 'GET', path: '/alerts' })).rejects.toThrow(/the answer broke off|reset the connection/);
    } finally {
      client.close();
    }
  });
});
