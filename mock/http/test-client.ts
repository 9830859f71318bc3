// Test support: HTTP clients for the integration tests. `send` is fetch, for ordinary requests;
// `sendRaw` is node:http with the header list written exactly as given (names in any case, a name
// repeated on several lines), which fetch cannot do: it lower-cases names and folds repeats into
// one line; `sendBytes` writes bytes no client would send.
import { request } from 'node:http';
import { connect } from 'node:net';

/** An answer, read whole. */
export interface Reply {
  readonly status: number;
  /** The response headers; repeated fields are joined with ", ". */
  readonly headers: Headers;
  /** The response headers as received: name, value, name, value, ... */
  readonly rawHeaders: readonly string[];
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A request's header fields in order, each name as it goes on the wire: `[name, value]`. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

function reply(status: number, headers: Headers, rawHeaders: readonly string[], text: string): Reply {
  return { status, headers, rawHeaders, text, json: <T>() => JSON.parse(text) as T };
}

/**
 * A request through fetch, read whole.
 *
 * @example
 * const r = await send(`${baseUrl}/alerts`, { headers: { Authorization: `Bearer ${key}` } });
 * r.status // 200
 */
export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  const raw: string[] = [];
  response.headers.forEach((value, name) => raw.push(name, value));
  return reply(response.status, response.headers, raw, text);
}

/**
 * A request through node:http with the header fields written exactly as listed. A `Host` field
 * is added when the list has none (node:http sends a list as is). The answer is read as soon as
 * it arrives, even when the server stops reading an oversize body, so that 413 and 431 can be seen.
 *
 * @example
 * // Two Authorization lines on the wire (PREC-4).
 * await sendRaw(`${baseUrl}/alerts`, { headers: [['Authorization', 'Bearer a'], ['Authorization', 'Bearer b']] });
 */
export function sendRaw(
  url: string,
  options: { method?: string; headers?: HeaderList; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<Reply> {
  const target = new URL(url);
  const list = options.headers ?? [];
  const flat: string[] = [];
  if (!list.some(([name]) => name.toLowerCase() === 'host')) flat.push('Host', target.host);
  for (const [name, value] of list) flat.push(name, value);
  if (options.body !== undefined && !list.some(([name]) => ['content-length', 'transfer-encoding'].includes(name.toLowerCase()))) {
    flat.push('Content-Length', String(Buffer.byteLength(options.body)));
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(target, { method: options.method ?? 'GET', headers: flat, timeout: options.timeoutMs ?? 5_000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve(reply(res.statusCode ?? 0, headers, res.rawHeaders, Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in time`)));
    // A server that answers early (413, 431) may close while the body is still being written:
    // the answer counts, the write error after it does not.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/**
 * Bytes written to a fresh connection as they are, and the answer read until the server closes:
 * for what no HTTP client will send (a request that is not HTTP, non-ASCII header bytes).
 */
export function sendBytes(origin: string, bytes: string | Buffer, timeoutMs = 5_000): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${origin} in time`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const at = text.indexOf('\r\n\r\n');
      const head = at === -1 ? text : text.slice(0, at);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: at === -1 ? '' : text.slice(at + 4) });
    });
  });
}
