// The mock as a transport-free application: model, stores, clock, seed, the API handler and the
// control API. The node:http adapter (and later MSW) only carry requests to it.
import { parse as parseYaml } from 'yaml';
import { createClock, type Clock, type ClockMode } from './clock.js';
import { failureAnswer, type Answer } from './core/answer.js';
import { createRequestHandler, type RequestFacts, type RequestHandler, type Rules } from './core/handle-request.js';
import { resolveFaults, type Fault } from './faults/faults.js';
import { referenceModel, type Model } from './core/model.js';
import type { RateLimitAlgorithm } from './core/types.js';
import { compileValidators, type Validators } from './core/validation.js';
import { createControlHandler } from './control/control-api.js';
import { randomToken } from './core/key-material.js';
import { readFixture } from './platform/node.js';
import { mockProfile, type Profile } from './profile.js';
import { applySeed, DEFAULT_SEED_PATH, loadSeed, mintSeedKeys, type Seed, type SeededKey } from './seed.js';
import { createMemoryStore } from './store/memory-store.js';
import { StoreUnavailableError } from './store/store-unavailable.js';
import type { Stores } from './store/types.js';

export interface MockOptions {
  /** A clock mode, or a clock of the caller's (e.g. one a client test moves by hand). */
  clock?: ClockMode | Clock;
  timeScale?: number;
  /** Start of a virtual clock, or what a scaled clock reads at `clockOrigin` (Unix ms); defaults to now. */
  clockStart?: number;
  /** The real instant a scaled clock started (Unix ms): workers of one mock share it, so they share one time. */
  clockOrigin?: number;
  algorithm?: RateLimitAlgorithm;
  seedPath?: string;
  /** false turns the control API off. */
  control?: boolean;
  controlToken?: string;
  stores?: Stores;
  /** Deliberately broken variants (mock/faults): for testing the suites, never for real use. */
  faults?: readonly string[];
  /**
   * Keys another instance minted (its `seededKeys`), used instead of minting: another process of
   * the same mock (--workers), or a second mock with the same key material (the MSW parity test).
   */
  seededKeys?: readonly SeededKey[];
  /** The stores are shared and already hold the seed (--workers): they are not written again. */
  storesSeeded?: boolean;
}

export interface MockApp {
  readonly model: Model;
  readonly clock: Clock;
  readonly stores: Stores;
  readonly seed: Seed;
  readonly seededKeys: readonly SeededKey[];
  /** undefined when the control API is off. */
  readonly controlToken: string | undefined;
  readonly handleApi: RequestHandler;
  /** Control API requests (path relative to /__mock); undefined when it is off. */
  readonly handleControl: ((request: RequestFacts, relative: string) => Promise<Answer>) | undefined;
  reset(): Promise<void>;
  profile(baseUrl: string, controlUrl?: string): Profile;
}

/** The API handler with the faults applied around it; the plain handler when there are none. */
function withFaults(faults: readonly Fault[], stores: Stores, clock: Clock, build: (stores: Stores, rules?: Partial<Rules>) => RequestHandler): RequestHandler {
  if (faults.length === 0) return build(stores);
  let keys = stores.keys;
  let limiter = stores.limiter;
  for (const f of faults) {
    if (f.keys !== undefined) keys = f.keys(keys);
    if (f.limiter !== undefined) limiter = f.limiter(limiter);
  }
  const rules = Object.assign({}, ...faults.map((f) => f.rules ?? {})) as Partial<Rules>;
  const handler = build({ ...stores, keys, limiter }, rules);
  return async (facts) => {
    let request = facts;
    for (const f of faults) if (f.before !== undefined) request = await f.before(request, stores, clock.now());
    let answer = await handler(request);
    for (const f of faults) if (f.after !== undefined) answer = f.after(answer, request);
    return answer;
  };
}

/**
 * A shared store that cannot be reached is answered 503 problem+json with Retry-After, never
 * a crash nor an answer from a half-read state (the request's decision was not made whole).
 */
function answeringStoreErrors<A extends unknown[]>(handler: (...args: A) => Promise<Answer>): (...args: A) => Promise<Answer> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      const answer = failureAnswer({ status: 503, code: 'store_unavailable', detail: 'The mock cannot reach its shared store (Redis); retry shortly.' });
      answer.headers['Retry-After'] = '1';
      return answer;
    }
  };
}

let validatorsCache: Validators | undefined;

/** The validators of fixtures/openapi.yaml, compiled once per process. */
export function referenceValidators(): Validators {
  validatorsCache ??= compileValidators(parseYaml(readFixture('openapi.yaml')));
  return validatorsCache;
}

/** Builds a seeded mock. Throws (SeedError, Error) on bad options: callers fail fast at start-up. */
export async function createMockApp(options: MockOptions = {}): Promise<MockApp> {
  const model = referenceModel(options.algorithm !== undefined ? { policy: { rateLimitAlgorithm: options.algorithm } } : {});
  const clock =
    typeof options.clock === 'object'
      ? options.clock
      : createClock({
          mode: options.clock ?? 'real',
          ...(options.timeScale !== undefined ? { scale: options.timeScale } : {}),
          ...(options.clockStart !== undefined ? { start: options.clockStart } : {}),
          ...(options.clockOrigin !== undefined ? { origin: options.clockOrigin } : {}),
        });
  const seed = loadSeed(options.seedPath ?? DEFAULT_SEED_PATH, model);
  const seededKeys = options.seededKeys ?? mintSeedKeys(seed, model, clock.now());
  const stores = options.stores ?? createMemoryStore();
  if (options.storesSeeded !== true) await applySeed(stores, seed, seededKeys);
  const controlToken = options.control === false ? undefined : (options.controlToken ?? randomToken(24));
  const handler = withFaults(resolveFaults(options.faults ?? []), stores, clock, (apiStores, rules) =>
    createRequestHandler({ model, validators: referenceValidators(), stores: apiStores, now: clock.now, ...(rules !== undefined ? { rules } : {}) }),
  );
  // Only a store given from outside can be remote; the default memory store's path stays as it was.
  const handleApi = options.stores === undefined ? handler : answeringStoreErrors(handler);
  const app: MockApp = {
    model,
    clock,
    stores,
    seed,
    seededKeys,
    controlToken,
    handleApi,
    handleControl: undefined,
    reset: () => applySeed(stores, seed, seededKeys),
    profile: (baseUrl, controlUrl) =>
      mockProfile({ baseUrl, ...(controlUrl !== undefined && controlToken !== undefined ? { controlUrl, controlToken } : {}), model, clock, seed, keys: seededKeys }),
  };
  return controlToken === undefined ? app : { ...app, handleControl: answeringStoreErrors(createControlHandler(app, controlToken)) };
}
