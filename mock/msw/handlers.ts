// The MSW adapter: the same mock application as the node:http server (mock/app.ts, one core
// model), carried by Mock Service Worker handlers so client tests need no server. No rules here:
// a request becomes the core's RequestFacts, the core's Answer becomes a Response.
import { http, type HttpHandler } from 'msw';
import { createMockApp, type MockApp } from '../app.js';
import { createClock, type Clock } from '../../contract/clock.js';
import { failureAnswer, type Answer } from '../../contract/answer.js';
import { bodyTooLarge, headerBlockBytes, headersTooLarge } from '../../contract/transport-limits.js';
import type { RequestFacts } from '../../contract/handle-request.js';
import type { KeyMaterial } from '../../contract/mint-key.js';
import type { RateLimitAlgorithm } from '../../contract/types.js';
import { ALGORITHMS } from '../../contract/model.js';
import { CONTROL_PREFIX } from '../control/control-api.js';

export const DEFAULT_MSW_ORIGIN = 'http://casebender.test';

export interface CreateHandlersOptions {
  /**
   * The origin the handlers answer for (the API under `/api/v1` and `/api`, the control API under
   * `/__mock`). Default `http://casebender.test`.
   */
  readonly origin?: string;
  /**
   * The mock's clock: `'real'`, `'virtual'` (moved only by you: `mock.clock.advance(ms)`, or the
   * control API), or a clock of your own (`{ mode, scale, now, set, advance }`). Default `'virtual'`,
   * starting at `clockStart`: client tests should not wait for real time.
   */
  readonly clock?: 'real' | 'virtual' | Clock;
  /** Unix ms where a virtual clock starts; default the real time at creation. */
  readonly clockStart?: number;
  readonly algorithm?: RateLimitAlgorithm;
  /** A seed file (fixtures/seed.schema.json); default the package's fixtures/seed.json. */
  readonly seedPath?: string;
  /** false leaves the control API out of the handlers. Default true. */
  readonly control?: boolean;
  /** Deliberately broken variants (see `casebender mock --list-faults`): for testing test suites. */
  readonly faults?: readonly string[];
}

export interface CaseBenderMock {
  /** Pass to `setupServer(...mock.handlers)` (Node) or `setupWorker(...mock.handlers)` (browser). */
  readonly handlers: HttpHandler[];
  /** e.g. `http://casebender.test/api/v1` */
  readonly baseUrl: string;
  /** e.g. `http://casebender.test/__mock`; undefined with `control: false`. */
  readonly controlUrl: string | undefined;
  /** The control API's token (header `X-Mock-Token`). */
  readonly controlToken: string | undefined;
  readonly clock: Clock;
  /** The application behind the handlers: model, stores, seed (for advanced use). */
  readonly app: MockApp;
  /** The material of a seeded modern key, by its name in the seed (e.g. `read-only`, `basic-a`). */
  key(name: string): string;
  /** The access key and secret of a seeded legacy pair, by name. */
  legacyPair(name: string): { readonly accessKey: string; readonly secret: string };
  /** Back to the seed: keys (with the same material), entities and rate-limit state. */
  reset(): Promise<void>;
}

export class MockOptionsError extends Error {
  override readonly name = 'MockOptionsError';
}

const OPTION_NAMES = new Set(['origin', 'clock', 'clockStart', 'algorithm', 'seedPath', 'control', 'faults']);

function checkOptions(options: CreateHandlersOptions): { origin: string } {
  if (typeof options !== 'object' || options === null) throw new MockOptionsError('createHandlers(options): options must be an object');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new MockOptionsError(`createHandlers: unknown option "${name}" (known: ${[...OPTION_NAMES].join(', ')})`);
  }
  const originText = options.origin ?? DEFAULT_MSW_ORIGIN;
  let url: URL;
  try {
    url = new URL(originText);
  } catch {
    throw new MockOptionsError(`createHandlers: origin must be an absolute http(s) URL such as ${DEFAULT_MSW_ORIGIN}; got ${JSON.stringify(originText)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new MockOptionsError(`createHandlers: origin must be scheme://host[:port] with no path, e.g. ${DEFAULT_MSW_ORIGIN}; got ${JSON.stringify(originText)}`);
  }
  const clock = options.clock;
  if (clock !== undefined && clock !== 'real' && clock !== 'virtual' && (typeof clock !== 'object' || typeof clock.now !== 'function')) {
    throw new MockOptionsError(`createHandlers: clock must be 'real', 'virtual' or an object with now(); got ${JSON.stringify(clock)}`);
  }
  if (options.clockStart !== undefined && !Number.isFinite(options.clockStart)) throw new MockOptionsError(`createHandlers: clockStart must be Unix milliseconds; got ${String(options.clockStart)}`);
  if (options.algorithm !== undefined && !ALGORITHMS.includes(options.algorithm)) {
    throw new MockOptionsError(`createHandlers: algorithm must be one of ${ALGORITHMS.join(', ')}; got ${JSON.stringify(options.algorithm)}`);
  }
  return { origin: url.origin };
}

/** The request as the core sees it: method, path as sent, raw header list, body text. */
async function factsOf(request: Request): Promise<{ facts: RequestFacts; pathname: string }> {
  const url = new URL(request.url);
  const rawHeaders: string[] = [];
  let contentType: string | undefined;
  request.headers.forEach((value, name) => {
    rawHeaders.push(name, value);
    if (name === 'content-type') contentType = value;
  });
  const text = request.body === null ? undefined : await request.text();
  const facts: RequestFacts = {
    method: request.method,
    pathname: url.pathname,
    query: url.searchParams,
    rawHeaders,
    ...(text !== undefined ? { body: text } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
  return { facts, pathname: url.pathname };
}

function responseOf(answer: Answer, method: string): Response {
  // HTTP: an answer to HEAD has no content (node:http drops it the same way).
  return new Response(method === 'HEAD' ? null : (answer.body ?? null), { status: answer.status, headers: answer.headers });
}

/**
 * MSW handlers over the reference mock: keys, lifecycle, scopes, TLP/PAP, tiers and their
 * rate-limit headers, legacy deprecation and problem+json, exactly as `casebender mock` answers.
 *
 * @example
 * const mock = await createHandlers({ clock: 'virtual' });
 * const server = setupServer(...mock.handlers);
 * server.listen({ onUnhandledRequest: 'error' });
 * await fetch(`${mock.baseUrl}/alerts`, { headers: { Authorization: `Bearer ${mock.key('read-only')}` } });
 */
export async function createHandlers(options: CreateHandlersOptions = {}): Promise<CaseBenderMock> {
  const { origin } = checkOptions(options);
  const clock = typeof options.clock === 'object' ? options.clock : createClock({ mode: options.clock ?? 'virtual', ...(options.clockStart !== undefined ? { start: options.clockStart } : {}) });
  const app = await createMockApp({
    clock,
    ...(options.algorithm !== undefined ? { algorithm: options.algorithm } : {}),
    ...(options.seedPath !== undefined ? { seedPath: options.seedPath } : {}),
    ...(options.control === false ? { control: false } : {}),
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
  });
  return mockFor(app, origin);
}

/** The handlers over an application built elsewhere (e.g. one sharing its keys with a server). */
export function mockFor(app: MockApp, origin: string = DEFAULT_MSW_ORIGIN): CaseBenderMock {
  const clock = app.clock;
  const material = (name: string): KeyMaterial => {
    const seeded = app.seededKeys.find((k) => k.spec.name === name);
    if (seeded === undefined) throw new MockOptionsError(`no seeded key is named "${name}"; the seed has: ${app.seededKeys.map((k) => k.spec.name).join(', ')}`);
    if (seeded.material === undefined) throw new MockOptionsError(`the material of the seeded key "${name}" is not known to this mock (restored from a data directory without it)`);
    return seeded.material;
  };
  // One handler for the whole origin, routed as the node:http adapter routes (mock/http/server.ts).
  const handlers: HttpHandler[] = [
    http.all(`${origin}/*`, async ({ request }) => {
      // The policy's size limits, as the node:http adapter applies them before anything else (ERR-5).
      const { maxBodyBytes, maxHeaderBytes } = app.model.policy.limits;
      const { facts, pathname } = await factsOf(request);
      if (headerBlockBytes(facts.rawHeaders) > maxHeaderBytes) return responseOf(failureAnswer(headersTooLarge(maxHeaderBytes)), request.method);
      if (facts.body !== undefined && new TextEncoder().encode(facts.body).length > maxBodyBytes) return responseOf(failureAnswer(bodyTooLarge(maxBodyBytes)), request.method);
      if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) {
        if (app.handleControl === undefined) return responseOf(failureAnswer({ status: 404, code: 'not_found', detail: 'The control API is off (control: false).' }), request.method);
        return responseOf(await app.handleControl(facts, pathname.slice(CONTROL_PREFIX.length) || '/'), request.method);
      }
      return responseOf(await app.handleApi(facts), request.method);
    }),
  ];
  return {
    handlers,
    baseUrl: `${origin}/api/v1`,
    controlUrl: app.controlToken === undefined ? undefined : `${origin}${CONTROL_PREFIX}`,
    controlToken: app.controlToken,
    clock,
    app,
    key(name) {
      const m = material(name);
      if (m.kind !== 'modern') throw new MockOptionsError(`the seeded key "${name}" is a legacy pair: use legacyPair("${name}")`);
      return m.key;
    },
    legacyPair(name) {
      const m = material(name);
      if (m.kind !== 'legacy') throw new MockOptionsError(`the seeded key "${name}" is a modern key: use key("${name}")`);
      return { accessKey: m.accessKey, secret: m.secret };
    },
    reset: () => app.reset(),
  };
}
