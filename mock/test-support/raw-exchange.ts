// Test support: one raw request over a fresh loopback socket, whatever the server makes of it.
import { connect } from 'node:net';

/** What came back: the status (0 when nothing parseable did), how the connection ended, the time it took. */
export interface RawOutcome {
  readonly status: number;
  readonly head: string;
  readonly body: string;
  /** 'closed': the server ended the connection; 'reset': it was reset; 'timeout': neither in time. */
  readonly end: 'closed' | 'reset' | 'timeout';
  readonly ms: number;
}

/**
 * Writes `bytes`, half-closes the connection (so a server waiting for more body sees the end), and
 * reads until the server closes, resets, or `timeoutMs` passes.
 *
 * @example
 * const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 * r.status // 404
 */
export function rawExchange(port: number, bytes: string | Buffer, options: { timeoutMs?: number; halfClose?: boolean } = {}): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let end: RawOutcome['end'] = 'closed';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (options.halfClose !== false) socket.end();
    });
    const timer = setTimeout(() => {
      end = 'timeout';
      socket.destroy();
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server that answers early (413, 431) may close while the request is still being written.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (end !== 'timeout') end = 'reset';
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const at = text.indexOf('\r\n\r\n');
      const head = at === -1 ? text : text.slice(0, at);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: at === -1 ? '' : text.slice(at + 4), end, ms: performance.now() - started });
    });
  });
}
