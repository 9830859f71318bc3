// Two adapters, one model: the node:http server and the MSW handlers must answer every request
// alike. Two mock instances share their key material and a virtual clock's start; fast-check
// sends the same random sequences (methods, paths, credentials of every kind, bodies, clock moves)
// to both through the same fetch, and compares status, the contract's headers and the body.
import fc from 'fast-check';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockApp, type MockApp } from '../app.js';
import { startMockServer, type MockServer } from '../http/server.js';
import { mockFor, type CaseBenderMock } from './handlers.js';
import { propertyOptions } from '../test-support/property-options.js';
import operations from '../../fixtures/operations.json' with { type: 'json' };
import seed from '../../fixtures/seed.json' with { type: 'json' };
import type { KeyMaterial } from '../../contract/mint-key.js';

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const ORIGIN = 'http://casebender.test';
/** Headers the contract speaks of; transport headers (Date, Connection, Content-Length) differ by nature. */
const COMPARED = ['content-type', 'www-authenticate', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'deprecation', 'sunset', 'link', 'allow'];

let httpApp: MockApp;
let mswApp: MockApp;
let server: MockServer;
let mock: CaseBenderMock;
let msw: ReturnType<typeof setupServer>;

beforeAll(async () => {
  httpApp = await createMockApp({ clock: 'virtual', clockStart: START });
  mswApp = await createMockApp({ clock: 'virtual', clockStart: START, seededKeys: httpApp.seededKeys });
  server = await startMockServer(httpApp);
  mock = mockFor(mswApp, ORIGIN);
  msw = setupServer(...mock.handlers);
  msw.listen({ onUnhandledRequest: 'bypass' });
});

afterAll(async () => {
  msw.close();
  await server.close();
});

type Credential =
  | { kind: 'none' }
  | { kind: 'bearer' | 'x-api-key' | 'lower-bearer'; key: number }
  | { kind: 'legacy'; key: number; wrongSecret: boolean }
  | { kind: 'both'; bearer: number; xApiKey: number }
  | { kind: 'garbage'; header: string; value: string };

interface Step {
  readonly advanceMs: number;
  readonly method: string;
  readonly prefix: string;
  readonly path: string;
  readonly query: string;
  readonly credential: Credential;
  readonly body: string | undefined;
  readonly contentType: string | undefined;
  /** Sent this many times in a row (bursts that reach a tier's 429). */
  readonly times: number;
}

const entityIds = [...seed.alerts, ...seed.cases, ...seed.observables, ...seed.users].map((e) => e.id);
const keyCount = seed.keys.length;

const pathArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...operations.operations), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...entityIds, 'me', 'create-case') }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z_0-9]{1,12}$/) })).map(([op, id]) => ({ method: op.method, path: op.path.replace('{id}', id) })) },
  { weight: 1, arbitrary: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'), path: fc.stringMatching(/^\/[a-z\-/]{0,20}$/) }) },
);

// Seeded keys, with the first (a basic-tier key) often, so that sequences reach its 429s.
const keyArb = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(keyCount - 1) });
const credentialArb: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('bearer' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('x-api-key' as const, 'lower-bearer' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('legacy' as const), key: fc.nat(keyCount - 1), wrongSecret: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('both' as const), bearer: keyArb, xApiKey: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), header: fc.constantFrom('Authorization', 'X-Api-Key', 'X-Api-Secret'), value: fc.stringMatching(/^[ -~]{0,40}$/) }) },
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.constant(JSON.stringify({ title: 'Parity alert', type: 'external', source: 'parity', sourceRef: 'p-1' })),
  fc.constant(JSON.stringify({ title: 'Parity case' })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 30 }),
);

const stepArb: fc.Arbitrary<Step> = fc.record({
  advanceMs: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 120_000 }) }),
  method: fc.constant(''),
  prefix: fc.constantFrom('/api/v1', '/api'),
  path: fc.constant(''),
  query: fc.constantFrom('', '?limit=2', '?limit=0', '?offset=1&limit=5', '?limit=abc'),
  credential: credentialArb,
  body: bodyArb,
  contentType: fc.constantFrom(undefined, 'application/json', 'application/json', 'text/plain'),
  times: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 14 }) }),
}).chain((step) => pathArb.map((p) => ({ ...step, method: p.method, path: p.path })));

function headersOf(step: Step): Headers {
  const headers = new Headers();
  const material = (i: number): KeyMaterial => httpApp.seededKeys[i]!.material!;
  const modern = (i: number) => {
    const m = material(i);
    return m.kind === 'modern' ? m.key : m.accessKey;
  };
  const c = step.credential;
  if (c.kind === 'bearer') headers.set('Authorization', `Bearer ${modern(c.key)}`);
  else if (c.kind === 'lower-bearer') headers.set('Authorization', `bearer ${modern(c.key)}`);
  else if (c.kind === 'x-api-key') headers.set('X-Api-Key', modern(c.key));
  else if (c.kind === 'both') {
    headers.set('Authorization', `Bearer ${modern(c.bearer)}`);
    headers.set('X-Api-Key', modern(c.xApiKey));
  } else if (c.kind === 'legacy') {
    const m = material(c.key);
    headers.set('X-Api-Key', m.kind === 'legacy' ? m.accessKey : m.key);
    headers.set('X-Api-Secret', m.kind === 'legacy' && !c.wrongSecret ? m.secret : 'not-the-secret');
  } else if (c.kind === 'garbage') headers.set(c.header, c.value);
  if (step.contentType !== undefined) headers.set('Content-Type', step.contentType);
  return headers;
}

/** Random parts a request creates (entity ids, minted keys, timestamps are equal on both clocks). */
const normalise = (body: string) => body.replace(/\b(alert|case|obs|user)_[0-9A-Za-z]{16}\b/g, '$1_*').replace(/\bkey_[0-9A-Za-z]{8,}\b/g, 'key_*').replace(/\b(cbr_live_|cbak_)[0-9A-Za-z]+/g, '$1*').replace(/"secret":"[0-9A-Za-z]{40}"/g, '"secret":"*"');

interface Seen {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

async function send(base: string, step: Step): Promise<Seen> {
  const hasBody = step.body !== undefined && step.method !== 'GET' && step.method !== 'HEAD';
  const response = await fetch(`${base}${step.prefix}${step.path}${step.query}`, { method: step.method, headers: headersOf(step), ...(hasBody ? { body: step.body } : {}), redirect: 'manual' });
  const headers: Record<string, string | null> = {};
  for (const name of COMPARED) headers[name] = response.headers.get(name);
  return { status: response.status, headers, body: normalise(await response.text()) };
}

describe('MSW handlers and the node:http server answer alike (one model, two adapters)', () => {
  it('CRED-1..8, PREC-1..4, LEG-1..4, KEY-1..5, SCOPE-1..6, TLP-1..5, RL-1, HDR-1..5, ERR-1..5: same status, contract headers and body for random request sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        await Promise.all([httpApp.reset(), mswApp.reset()]);
        httpApp.clock.set(START);
        mswApp.clock.set(START);
        for (const step of steps) {
          httpApp.clock.advance(step.advanceMs);
          mswApp.clock.advance(step.advanceMs);
          for (let i = 0; i < step.times; i++) {
            const [viaHttp, viaMsw] = [await send(server.origin, step), await send(ORIGIN, step)];
            expect(viaMsw, `${step.method} ${step.prefix}${step.path}${step.query}`).toEqual(viaHttp);
          }
        }
      }),
      propertyOptions(60),
    );
  }, 120_000);
});
