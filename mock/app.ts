// The mock as a transport-free application: model, stores, clock, seed, the API handler and the
// control API. The node:http adapter (and later MSW) only carry requests to it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { createClock, type Clock, type ClockMode } from './clock.js';
import type { Answer } from './core/answer.js';
import { createRequestHandler, type RequestFacts, type RequestHandler, type Rules } from './core/handle-request.js';
import { resolveFaults, type Fault } from './faults/faults.js';
import { referenceModel, type Model } from './core/model.js';
import type { RateLimitAlgorithm } from './core/types.js';
import { compileValidators, type Validators } from './core/validation.js';
import { createControlHandler } from './control/control-api.js';
import { fixturePath } from './fixture-path.js';
import { mockProfile, type Profile } from './profile.js';
import { applySeed, DEFAULT_SEED_PATH, loadSeed, mintSeedKeys, type Seed, type SeededKey } from './seed.js';
import { createMemoryStore } from './store/memory-store.js';
import type { Stores } from './store/types.js';

export interface MockOptions {
  clock?: ClockMode;
  timeScale?: number;
  /** Start of a virtual clock (Unix ms); defaults to now. */
  clockStart?: number;
  algorithm?: RateLimitAlgorithm;
  seedPath?: string;
  /** false turns the control API off. */
  control?: boolean;
  controlToken?: string;
  stores?: Stores;
  /** Deliberately broken variants (mock/faults): for testing the suites, never for real use. */
  faults?: readonly string[];
}

export interface MockApp {
  readonly model: Model;
  readonly clock: Clock;
  readonly stores: Stores;
  readonly seed: Seed;
  readonly seededKeys: readonly SeededKey[];
  /** undefined when the control API is off. */
  readonly controlToken: string | undefined;
  /**
   * The API handler. `setFaults` swaps it whole, so the clean handler runs with no check of
   * whether a fault is set.
   */
  readonly handleApi: RequestHandler;
  /** The faults applied now (mock/faults), in the order given. */
  readonly faults: readonly string[];
  /** Applies these faults instead of the current ones ([] for the clean mock); throws Error on an unknown name. */
  setFaults(names: readonly string[]): void;
  /** Control API requests (path relative to /__mock); undefined when it is off. */
  readonly handleControl: ((request: RequestFacts, relative: string) => Promise<Answer>) | undefined;
  reset(): Promise<void>;
  profile(baseUrl: string, controlUrl?: string): Profile;
}

/** The API handler with the faults applied around it; the plain handler when there are none. */
function withFaults(faults: readonly Fault[], stores: Stores, clock: Clock, model: Model, build: (stores: Stores, rules?: Partial<Rules>) => RequestHandler): RequestHandler {
  if (faults.length === 0) return build(stores);
  let keys = stores.keys;
  let limiter = stores.limiter;
  for (const f of faults) {
    if (f.keys !== undefined) keys = f.keys(keys);
    if (f.limiter !== undefined) limiter = f.limiter(limiter);
  }
  const rules = Object.assign({}, ...faults.map((f) => f.rules ?? {})) as Partial<Rules>;
  let handler = build({ ...stores, keys, limiter }, rules);
  // The first fault listed is the outermost: its `before` sees the request first.
  const handlerWith = (change: (s: Stores) => Stores) => build(change({ ...stores, keys, limiter }), rules);
  for (const f of [...faults].reverse()) if (f.wrap !== undefined) handler = f.wrap(handler, { stores, now: clock.now, model, handlerWith });
  const inner = handler;
  return async (facts) => {
    let request = facts;
    for (const f of faults) if (f.before !== undefined) request = await f.before(request, stores, clock.now());
    let answer = await inner(request);
    for (const f of faults) if (f.after !== undefined) answer = f.after(answer, request);
    return answer;
  };
}

let validatorsCache: Validators | undefined;

/** The validators of fixtures/openapi.yaml, compiled once per process. */
export function referenceValidators(): Validators {
  validatorsCache ??= compileValidators(parseYaml(readFileSync(fixturePath('openapi.yaml'), 'utf8')));
  return validatorsCache;
}

/** Builds a seeded mock. Throws (SeedError, Error) on bad options: callers fail fast at start-up. */
export async function createMockApp(options: MockOptions = {}): Promise<MockApp> {
  const model = referenceModel(options.algorithm !== undefined ? { policy: { rateLimitAlgorithm: options.algorithm } } : {});
  const clock = createClock({
    mode: options.clock ?? 'real',
    ...(options.timeScale !== undefined ? { scale: options.timeScale } : {}),
    ...(options.clockStart !== undefined ? { start: options.clockStart } : {}),
  });
  const seed = loadSeed(options.seedPath ?? DEFAULT_SEED_PATH, model);
  const seededKeys = mintSeedKeys(seed, model, clock.now());
  const stores = options.stores ?? createMemoryStore();
  await applySeed(stores, seed, seededKeys);
  const controlToken = options.control === false ? undefined : (options.controlToken ?? randomBytes(18).toString('base64url'));
  const build = (names: readonly string[]) =>
    withFaults(resolveFaults(names), stores, clock, model, (apiStores, rules) =>
      createRequestHandler({ model, validators: referenceValidators(), stores: apiStores, now: clock.now, ...(rules !== undefined ? { rules } : {}) }),
    );
  const app: Mutable<MockApp> = {
    model,
    clock,
    stores,
    seed,
    seededKeys,
    controlToken,
    handleApi: build(options.faults ?? []),
    faults: [...(options.faults ?? [])],
    setFaults(names) {
      // Built first, then swapped in one assignment: a request sees the old handler or the new one.
      const handler = build(names);
      app.handleApi = handler;
      app.faults = [...names];
    },
    handleControl: undefined,
    reset: () => applySeed(stores, seed, seededKeys),
    profile: (baseUrl, controlUrl) =>
      mockProfile({ baseUrl, ...(controlUrl !== undefined && controlToken !== undefined ? { controlUrl, controlToken } : {}), model, clock, seed, keys: seededKeys }),
  };
  if (controlToken !== undefined) app.handleControl = createControlHandler(app, controlToken);
  return app;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
