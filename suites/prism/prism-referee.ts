// Prism as an independent referee: every answer the suites receive is judged by Stoplight Prism's
// own response validation against an OpenAPI document (fixtures/openapi.yaml by default), in
// process. An answer Prism finds in breach of the document fails SCHEMA-1, in Prism's words.
//
// Why not `prism proxy <doc> <target> --errors` between the suites and the target: the proxy does
// not carry requests as sent. It merges duplicate header lines (PREC-4/KEY-5 probes), garbles
// POSTs without a body (the target then sees invalid HTTP), answers invalid JSON bodies itself,
// and, with its security check (always on in the CLI), answers every request without a
// credential it recognises with its own 401 — so through it the suites would blame a right
// target for Prism's rewriting. Here Prism's request pipeline runs on each exchange as it
// happened: Prism's router finds the operation, Prism's forwarder component is replaced by one
// that hands back the answer the target really gave, and Prism's output validator judges it.
// Request validation and the security check are off: the target's answer to those is what the
// suites test.
import { fixturePath } from '../../contract/index.js';
import type { Exchange } from '../harness/http-client.js';

export const PRISM_INSTALL_HINT = 'npm install --no-save @stoplight/prism-cli@5.14.2 @stoplight/prism-http@5.12.0 @stoplight/prism-core@5.8.0';

export class PrismMissing extends Error {
  override readonly name = 'PrismMissing';
}

export type PrismVerdict =
  | { readonly kind: 'valid' }
  | { readonly kind: 'violations'; readonly messages: readonly string[] }
  /** Prism found no operation for the request (a probe outside the document). */
  | { readonly kind: 'unrouted'; readonly reason: string };

export interface PrismReferee {
  check(exchange: Exchange): Promise<PrismVerdict>;
}

interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}
type Either<L, R> = { _tag: 'Left'; left: L } | { _tag: 'Right'; right: R };
interface PrismHttp {
  getHttpOperationsFromSpec(document: string): Promise<unknown[]>;
  createInstance(
    config: object,
    components: { logger: unknown; forward: () => () => () => Promise<Either<Error, HttpResponse>> },
  ): { request(input: object, operations: unknown[]): () => Promise<Either<Error, { validations: { output: { severity: number; message: string; path?: string[] }[] } }>> };
}

/** Imports an optional dependency, or says how to install it. */
export async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new PrismMissing(`Prism is not installed (${name} is an optional peer dependency of this package). Install it with: ${PRISM_INSTALL_HINT}`);
    }
    throw error;
  }
}

const isJson = (contentType: string | undefined) => contentType !== undefined && /^application\/([\w.+-]+\+)?json\b/i.test(contentType);

/** The answer as Prism's forwarder would have parsed it (utils/parseResponse in prism-http). */
function recorded(exchange: Exchange): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(exchange.headers)) headers[name] = values.join(',');
  let body: unknown = exchange.body;
  if (exchange.status !== 204 && isJson(headers['content-type'])) {
    try {
      body = JSON.parse(exchange.body);
    } catch {
      // Not JSON after all: Prism validates the text, and says it does not match.
    }
  }
  return { statusCode: exchange.status, headers, body };
}

/** The request as Prism's HTTP server hands it to Prism (prism-http-server/server.js). */
function input(exchange: Exchange): object {
  const url = new URL(exchange.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of exchange.probe.headers ?? []) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  let body: unknown = exchange.probe.body;
  if (body !== undefined && isJson(headers['content-type'])) {
    try {
      body = JSON.parse(exchange.probe.body!);
    } catch {
      // Prism validates requests only when asked; this one is not.
    }
  }
  return { method: exchange.probe.method.toLowerCase(), url: { path: url.pathname, query }, headers, body };
}

/** Prism's referee over `document` (default fixtures/openapi.yaml); PrismMissing when Prism is not installed. */
export async function createPrismReferee(document: string = fixturePath('openapi.yaml')): Promise<PrismReferee> {
  const prism = await importOptional<PrismHttp>('@stoplight/prism-http');
  const core = await importOptional<{ createLogger(name: string, options?: object): unknown }>('@stoplight/prism-core');
  const operations = await prism.getHttpOperationsFromSpec(document);
  const logger = core.createLogger('casebender-referee', { level: 'silent' });
  const config = {
    isProxy: true,
    // Never contacted: the forwarder below hands back the recorded answer.
    upstream: new URL('http://recorded.invalid'),
    upstreamProxy: undefined,
    validateRequest: false,
    validateResponse: true,
    checkSecurity: false,
    errors: true,
    mock: { dynamic: false },
  };
  return {
    async check(exchange) {
      const answer = recorded(exchange);
      const instance = prism.createInstance(config, { logger, forward: () => () => async () => ({ _tag: 'Right', right: answer }) });
      const result = await instance.request(input(exchange), operations)();
      if (result._tag === 'Left') return { kind: 'unrouted', reason: result.left.message || result.left.name };
      // DiagnosticSeverity (@stoplight/types): 0 Error, 1 Warning, 2 Information, 3 Hint.
      const errors = result.right.validations.output.filter((v) => v.severity === 0);
      if (errors.length === 0) return { kind: 'valid' };
      return { kind: 'violations', messages: errors.map((v) => `${(v.path ?? []).join('.') || 'response'}: ${v.message}`) };
    },
  };
}
