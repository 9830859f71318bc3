// The suites' HTTP client: raw header control (order, case, duplicates), no redirects followed,
// a timeout per request, a request budget, and every exchange kept for evidence.
// The modules' default exports, read at call time: request interception in tests (MSW) replaces
// http.request on the module object, which the named ESM bindings would not see.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface Probe {
  readonly method: string;
  /** Path relative to the base URL, with any query, e.g. "/alerts?limit=5". */
  readonly path: string;
  /** Header lines in order; names are sent as written, duplicates as separate lines. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** Another base URL of the same deployment (RL-10); defaults to the profile's. */
  readonly baseUrl?: string;
}

export interface Exchange {
  readonly probe: Probe;
  readonly url: string;
  readonly status: number;
  /** Lower-case names, every value of each. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly ms: number;
  /** When the request was sent (local Unix ms). */
  readonly sentAt?: number;
}

export class BudgetExceeded extends Error {}
export class TargetUnreachable extends Error {}

export interface ClientOptions {
  readonly baseUrl: string;
  /** Most requests this client may send (default 100,000). */
  readonly budget?: number;
  /** Per request, milliseconds (default 10,000). */
  readonly timeoutMs?: number;
  readonly onExchange?: (exchange: Exchange) => void;
}

export interface Client {
  send(probe: Probe): Promise<Exchange>;
  readonly sent: () => number;
  /** Counts requests sent by other means (the load driver) against the same budget. */
  count(requests: number): void;
  readonly budget: number;
  close(): void;
}

/** The first value of a header, or undefined. */
export const header = (exchange: Exchange, name: string): string | undefined => exchange.headers[name.toLowerCase()]?.[0];

/** The body as JSON when it parses, else undefined. */
export function jsonBody(exchange: Exchange): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(exchange.body);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a request got no answer, in words: the error code alone ("HPE_INVALID_CONSTANT") says little. */
export function networkReason(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the target reset the connection without an answer';
  if (code.startsWith('HPE_')) return `the target answered something that is not HTTP (${code}: ${error.message.replace(/^Parse Error: /, '')})`;
  if (code.startsWith('ERR_TLS') || /certificate|SSL/i.test(error.message)) return `TLS failed: ${error.message}`;
  return code !== '' ? `${code} (${error.message})` : error.message;
}

export function createClient(options: ClientOptions): Client {
  const budget = options.budget ?? 100_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  let sent = 0;
  return {
    budget,
    sent: () => sent,
    count(requests) {
      sent += requests;
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
    async send(probe) {
      if (sent >= budget) throw new BudgetExceeded(`the request budget of ${budget} is spent (raise it with --budget)`);
      sent++;
      const base = (probe.baseUrl ?? options.baseUrl).replace(/\/+$/, '');
      const url = new URL(base + probe.path);
      // Headers as a raw list keep their case, order and duplicates; Node then adds no Host itself.
      const raw: string[] = [];
      if (!(probe.headers ?? []).some(([n]) => n.toLowerCase() === 'host')) raw.push('Host', url.host);
      for (const [name, value] of probe.headers ?? []) raw.push(name, value);
      if (probe.body !== undefined) raw.push('Content-Length', String(Buffer.byteLength(probe.body)));
      const started = performance.now();
      const sentAt = Date.now();
      const isHttps = url.protocol === 'https:';
      const response = await new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
        const where = `${probe.method} ${url.origin}${url.pathname}`;
        // The socket timeout only notices silence; a target that drips its answer a byte at a time
        // is cut by this deadline on the whole exchange.
        let answering = false;
        // An answer that began before the connection broke (a 413 sent while the body was still
        // being written, then a reset) is the answer: its status line and what came of its body.
        let begun: { res: IncomingMessage; chunks: Buffer[] } | undefined;
        const deadline = setTimeout(() => {
          reject(new TargetUnreachable(`${where}: ${answering ? 'no complete answer' : 'no answer'} within ${timeoutMs} ms`));
          req.destroy();
        }, timeoutMs);
        const settle = <T,>(f: (v: T) => void) => (v: T) => {
          clearTimeout(deadline);
          f(v);
        };
        const req = (isHttps ? https.request : http.request)(
          url,
          { method: probe.method, headers: raw, agent: isHttps ? httpsAgent : httpAgent, timeout: timeoutMs },
          (res) => {
            answering = true;
            const chunks: Buffer[] = [];
            begun = { res, chunks };
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => settle(resolve)({ res, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', (error: NodeJS.ErrnoException) => {
              // A request with a body that the target answered early (a 413 and close) may see the
              // answer end in a reset: its status line arrived, and it is the answer.
              if (probe.body !== undefined && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return settle(resolve)({ res, body: Buffer.concat(chunks).toString('utf8') });
              settle(reject)(new TargetUnreachable(`${where}: the answer broke off (${networkReason(error)})`));
            });
          },
        );
        req.on('timeout', () => req.destroy(new TargetUnreachable(`${where}: no answer within ${timeoutMs} ms`)));
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (error instanceof TargetUnreachable) return settle(reject)(error);
          if (begun !== undefined && probe.body !== undefined && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return settle(resolve)({ res: begun.res, body: Buffer.concat(begun.chunks).toString('utf8') });
          settle(reject)(new TargetUnreachable(`${where}: ${networkReason(error)}`));
        });
        // The body in one write: node keeps flushing it while it reads, so an early answer (a 413
        // sent mid-body) is read as it comes. (Writing in chunks, waiting on each, was measured to
        // lose that answer to the reset of a server that closes at once, 10 times in 20.)
        if (probe.body !== undefined) req.write(probe.body);
        req.end();
      });
      const headers: Record<string, string[]> = {};
      const rh = response.res.rawHeaders;
      for (let i = 0; i + 1 < rh.length; i += 2) (headers[rh[i]!.toLowerCase()] ??= []).push(rh[i + 1]!);
      const exchange: Exchange = { probe, url: url.href, status: response.res.statusCode ?? 0, headers, body: response.body, ms: performance.now() - started, sentAt };
      options.onExchange?.(exchange);
      return exchange;
    },
  };
}
