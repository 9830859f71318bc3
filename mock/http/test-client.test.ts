// The test client itself (test-client.ts): sendRaw puts header lines on the wire exactly as given,
// which the credential tests (CRED-4, PREC-4) rely on.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from './test-client.js';

describe('test client', () => {
  let capture: Server;
  let lines: Promise<string>;

  beforeAll(async () => {
    capture = createServer();
    lines = new Promise((resolve) => {
      capture.once('connection', (socket) => {
        let head = '';
        socket.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (head.includes('\r\n\r\n')) {
            socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
            resolve(head);
          }
        });
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => capture.close(() => resolve())));

  it('sendRaw writes a repeated header as two lines, names in the case given', async () => {
    const address = capture.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const reply = await sendRaw(`http://127.0.0.1:${address.port}/x`, {
      headers: [
        ['Authorization', 'Bearer a'],
        ['AUTHORIZATION', 'Bearer b'],
      ],
    });
    expect(reply.status).toBe(204);
    const head = (await lines).split('\r\n');
    expect(head.filter((l) => /^authorization:/i.test(l))).toEqual(['Authorization: Bearer a', 'AUTHORIZATION: Bearer b']);
  });
});
