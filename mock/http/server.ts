// The node:http adapter: raw headers and body in, the core's answer out. No rules live here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { MockApp } from '../app.js';
import { bodyBytes, failureAnswer, type Answer } from '../../contract/answer.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../contract/problem.js';
import { bodyTooLarge, headersTooLarge } from '../../contract/transport-limits.js';
import type { RequestFacts } from '../../contract/handle-request.js';
import type { Failure, HttpLimits } from '../../contract/types.js';
import { CONTROL_PREFIX } from '../control/control-api.js';
import { isPending } from '../../contract/store-types.js';

export interface MockServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:4010 */
  readonly origin: string;
  /** e.g. http://127.0.0.1:4010/api/v1 */
  readonly baseUrl: string;
  /** undefined when the control API is off. */
  readonly controlUrl: string | undefined;
  /** Stops at once, cutting open connections. */
  close(): Promise<void>;
  /**
   * Stops taking connections, lets the requests in flight finish (at most `timeoutMs`), then
   * closes what is left: what SIGTERM does before the state is saved.
   */
  drain(timeoutMs: number): Promise<void>;
}

const EMPTY_QUERY = new URLSearchParams();
/** How often a drain closes the connections that have become idle. */
const DRAIN_SWEEP_MS = 20;

/** A body the client stopped sending (closed or reset the connection): nobody to answer. */
const ABORTED = Symbol('aborted');

export interface MockServerOptions {
  host?: string;
  port?: number;
  /** Overrides of fixtures/policy.json's limits (tests use short timeouts). */
  limits?: Partial<HttpLimits>;
}

/** The limits a server enforces: the policy's, with any overrides; throws on values node:http refuses. */
export function httpLimits(app: MockApp, overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...app.model.policy.limits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (name === '$comment') continue;
    if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`limits.${name} must be a positive integer; got ${String(value)}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error(`limits.headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed limits.requestTimeoutMs (${limits.requestTimeoutMs})`);
  return limits;
}

/** Starts the mock's HTTP server; rejects with the listen error (EADDRINUSE, EACCES, ...). */
export async function startMockServer(app: MockApp, options: MockServerOptions = {}): Promise<MockServer> {
  const host = options.host ?? '127.0.0.1';
  const limits = httpLimits(app, options.limits);
  const { maxBodyBytes, maxHeaderBytes } = limits;
  let draining = false;
  // The Date header tells the mock's own time: node writes the machine's, which is the mock's only
  // for a real clock at time scale 1 that starts now. Otherwise (virtual, scaled or shifted) the
  // mock writes its clock's, so that Date and X-RateLimit-Reset agree as on any deployment.
  const ownDate = !(app.clock.mode === 'real' && app.clock.scale === 1 && Math.abs(app.clock.now() - Date.now()) < 1_000) ? httpDateOf(app.clock) : undefined;
  const server = createServer(
    {
      maxHeaderSize: maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts only this often (30 s by default): often enough that a
      // slow-loris connection is cut close to headersTimeoutMs.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      // While draining, each answer closes its connection; no per-request work otherwise.
      if (draining) res.setHeader('Connection', 'close');
      if (ownDate !== undefined) {
        res.sendDate = false;
        res.setHeader('Date', ownDate());
      }
      // No closure is made per request on the synchronous path: each costs an allocation, and
      // under tsx (keepNames) a defineProperty call as well.
      try {
        const handled = handle(app, req, res, maxBodyBytes);
        if (handled !== undefined) handled.then(undefined, (error: unknown) => internalError(res, error));
      } catch (error) {
        internalError(res, error);
      }
    },
  );
  // Malformed requests never reach the handler: answer them as problem+json (ERR-5).
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const failure: Failure =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? headersTooLarge(maxHeaderBytes)
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? { status: 408, code: 'request_timeout', detail: 'The request took too long to arrive.' }
          : { status: 400, code: 'bad_request', detail: 'The request is not valid HTTP.' };
    const { status } = failure;
    const problem = problemBody(failure);
    const body = JSON.stringify(problem);
    socket.write(`HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    // The client may still be sending the rest of an oversize head: let the answer reach it.
    lingeringClose(socket);
  });
  // CONNECT (a proxy tunnel) is no method of the API: without this listener node:http would drop
  // the connection without a word; answer 405 and close instead. The socket is no longer the HTTP
  // server's (closeAllConnections does not see it): read and discard what the client still sends,
  // so that it can finish and close, and destroy it at the latest after the keep-alive timeout.
  const tunnels = new Set<Socket>();
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => socket.destroy());
    setTimeout(() => socket.destroy(), limits.keepAliveTimeoutMs).unref();
    const problem = problemBody({ status: 405, code: 'method_not_allowed', detail: 'CONNECT is not a method of this API.' });
    const body = JSON.stringify(problem);
    socket.end(`HTTP/1.1 405 ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAllow: GET, POST, PUT, PATCH, DELETE\r\nConnection: close\r\n\r\n${body}`);
    socket.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    server,
    origin,
    baseUrl: `${origin}/api/v1`,
    controlUrl: app.handleControl === undefined ? undefined : `${origin}${CONTROL_PREFIX}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
      }),
    drain: (timeoutMs) =>
      new Promise<void>((resolve) => {
        draining = true;
        // close() ends once every connection has; a connection becomes idle when its request is
        // answered, and is closed by the next sweep. Past the timeout, whatever is left is cut.
        const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
        const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** The HTTP date of a clock, made once a second of its time. */
function httpDateOf(clock: MockApp['clock']): () => string {
  let second = NaN;
  let text = '';
  return () => {
    const s = Math.floor(clock.now() / 1000);
    if (s !== second) {
      second = s;
      text = new Date(s * 1000).toUTCString();
    }
    return text;
  };
}

/** A bug, not a client's fault: answer 500 once and log it, never crash (ERR-5). */
function internalError(res: ServerResponse, error: unknown): void {
  console.error('casebender mock: internal error:', error);
  if (!res.headersSent) write(res, failureAnswer({ status: 500, code: 'internal_error', detail: 'The mock failed on this request; see its log.' }));
  else res.destroy();
}

/** Answers one request; synchronously when it has no body and the stores answer synchronously. */
function handle(app: MockApp, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> | undefined {
  const url = originForm(req.url ?? '/');
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? EMPTY_QUERY : new URLSearchParams(url.slice(q + 1));
  // One pass over the raw headers: reading req.headers would build Node's header object for
  // every request, and the core reads the raw list anyway.
  const raw = req.rawHeaders;
  let contentLength: string | undefined;
  let chunked = false;
  let contentType: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    else if (name.length === 12 && name.toLowerCase() === 'content-type') contentType = raw[i + 1];
  }
  if (contentLength === undefined && !chunked) return dispatch(app, res, pathname, requestFacts(req, pathname, query, contentType, undefined));
  if (Number(contentLength) > maxBodyBytes) {
    tooLarge(res, maxBodyBytes);
    return undefined;
  }
  return readBody(req, maxBodyBytes).then((body) => {
    // A client gone mid-body gets nothing; it is not the mock's error.
    if (body === ABORTED) return void res.destroy();
    return body === undefined ? tooLarge(res, maxBodyBytes) : dispatch(app, res, pathname, requestFacts(req, pathname, query, contentType, body));
  });
}

/**
 * The origin-form of a request target: an absolute-form one (`GET http://host/api/v1/alerts`,
 * what a client sends through a proxy) loses its scheme and authority, as RFC 9112 §3.2.2 asks
 * a server to accept. Anything else is left as sent (and gets 404 if it names no path).
 */
function originForm(target: string): string {
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const match = ABSOLUTE_FORM.exec(target);
  if (match === null) return target;
  const rest = target.slice(match[0].length);
  return rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? '/' + rest : rest;
}

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

function requestFacts(req: IncomingMessage, pathname: string, query: URLSearchParams, contentType: string | undefined, body: string | undefined): RequestFacts {
  const facts: { -readonly [K in keyof RequestFacts]: RequestFacts[K] } = { method: req.method ?? 'GET', pathname, query, rawHeaders: req.rawHeaders };
  if (body !== undefined) facts.body = body;
  if (contentType !== undefined) facts.contentType = contentType;
  return facts;
}

/** Hands the request to the control API or the API and writes the answer. */
function dispatch(app: MockApp, res: ServerResponse, pathname: string, facts: RequestFacts): Promise<void> | undefined {
  if (pathname.startsWith(CONTROL_PREFIX) && (pathname.length === CONTROL_PREFIX.length || pathname.charCodeAt(CONTROL_PREFIX.length) === 47)) {
    if (app.handleControl === undefined) {
      write(res, failureAnswer({ status: 404, code: 'not_found', detail: 'The control API is off (--no-control).' }));
      return undefined;
    }
    return app.handleControl(facts, pathname.slice(CONTROL_PREFIX.length) || '/').then((answer) => write(res, answer));
  }
  const answer = app.handleApi(facts);
  if (isPending(answer)) return answer.then((a) => write(res, a));
  write(res, answer);
  return undefined;
}

/**
 * The body as text, undefined once it passes `limit` bytes, or ABORTED when the client went away
 * before sending all of it (a half-sent body is the client's doing, not an internal error).
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined | typeof ABORTED> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(ABORTED));
  });
}

/**
 * How long a connection answered while its client may still be sending (413, 431) is kept open,
 * reading and discarding, after the answer: closing it at once, with unread bytes in the receive
 * buffer, makes the kernel send a reset that can reach the client before it reads the answer (the
 * client then sees EPIPE or ECONNRESET, never the 413). nginx's lingering close, bounded the same way.
 */
export const LINGER_MS = 5_000;
/** Within the linger, the client is taken to have stopped sending when nothing has come for this long. */
export const LINGER_IDLE_MS = 500;

/**
 * Ends `socket` for writing, then reads and discards until the client closes or has sent nothing
 * for LINGER_IDLE_MS, at most LINGER_MS in all.
 */
function lingeringClose(socket: Socket): void {
  socket.end();
  // The HTTP parser is done with this connection: what still comes is discarded, not parsed (it
  // would be read as a malformed next request, and the connection destroyed for it).
  socket.removeAllListeners('data');
  socket.on('data', discard);
  socket.resume();
  // A client that has already finished sending (it half-closed) has nothing left to lose.
  if (socket.readableEnded) {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
    return;
  }
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.setTimeout(LINGER_IDLE_MS, () => socket.destroy());
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(cut));
}

const discard = (): void => undefined;

/** node:http ends a connection after its last answer with destroySoon(): here it lingers instead. */
function lingerAfterAnswer(socket: Socket): void {
  socket.destroySoon = () => lingeringClose(socket);
}

function tooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('Connection', 'close');
  lingerAfterAnswer(res.socket as Socket);
  write(res, failureAnswer(bodyTooLarge(limit)));
}

function write(res: ServerResponse, answer: Answer): void {
  const { body, encoded } = answer;
  if (body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return;
  }
  // A body the core keeps goes out as its bytes, encoded once: a text would be encoded to UTF-8
  // inside every write (measured: 2 µs a request for a 600-byte alert).
  const bytes = encoded !== undefined && encoded.text === body ? bodyBytes(encoded) : undefined;
  answer.headers['Content-Length'] = String(bytes !== undefined ? bytes.length : Buffer.byteLength(body));
  res.writeHead(answer.status, answer.headers);
  res.end(bytes ?? body);
}
