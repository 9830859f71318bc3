// The mock as a transport-free application: model, stores, clock, seed, the API handler and the
// control API. The node:http adapter (and later MSW) only carry requests to it.
import { createClock, type Clock, type ClockMode } from '../contract/clock.js';
import { failureAnswer, type Answer } from '../contract/answer.js';
import { createRequestHandler, type RequestFacts, type RequestHandler, type Rules } from '../contract/handle-request.js';
import { resolveFaults, type Fault } from './faults/faults.js';
import { referenceModel, type Model } from '../contract/model.js';
import type { RateLimitAlgorithm } from '../contract/types.js';
import { referenceValidators, type Validators } from '../contract/validation.js';
import { createControlHandler } from './control/control-api.js';
import { randomToken } from '../contract/key-material.js';
import { mockProfile, type Profile } from '../contract/profile.js';
import type { KeyMaterial } from '../contract/mint-key.js';
import { applySeed, DEFAULT_SEED_PATH, loadSeed, mintSeedKeys, restoreSeedKeys, type Seed, type SeededKey } from '../contract/seed.js';
import type { Saver, SavedState } from './store/data-dir.js';
import { createMemoryStore } from './store/memory-store.js';
import { StoreUnavailableError } from './store/store-unavailable.js';
import type { MaybePromise, Stores } from '../contract/store-types.js';

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
  /** The seed already loaded from `seedPath` (a start that read it before anything else). */
  seed?: Seed;
  /** false turns the control API off. */
  control?: boolean;
  controlToken?: string;
  /**
   * The hash of a control token this mock does not know (a replica that joined a shared store
   * checks X-Mock-Token against the seeding replica's): the control API is on, its token unshown.
   */
  controlTokenHash?: Uint8Array;
  /** Derive the seeded keys' material from this secret and each key's name (seed.ts, derivedSource). */
  keySecret?: string;
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
  /**
   * Keep keys, entities, limiter state and the clock in this directory (mock/store/data-dir.ts)
   * and start from what it holds. Only with the memory store.
   */
  dataDir?: string;
  /** Delay between a change and its save under `dataDir` (default 100 ms). */
  saveDebounceMs?: number;
  /** Seeded keys' material from an earlier start (its profile), used when it matches the stored hashes. */
  knownMaterial?: readonly { readonly id: string; readonly material: KeyMaterial }[];
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
  /** True when the state came from `dataDir` rather than from the seed. */
  readonly restored: boolean;
  /** Writes pending changes to `dataDir` now (nothing to do without one); throws when it cannot. */
  flush(): void;
}

/** The API handler with the faults applied around it; the plain handler when there are none. */
function withFaults(faults: readonly Fault[], stores: Stores, clock: Clock, model: Model, build: (stores: Stores, rules?: Partial<Rules>) => RequestHandler): RequestHandler {
  if (faults.length === 0) return build(stores);
  let keys = stores.keys;
  let limiter = stores.limiter;
  for (const f of faults) {
    if (f.keys !== undefined) keys = f.keys(keys, clock.now);
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

/**
 * A shared store that cannot be reached is answered 503 problem+json with Retry-After, never
 * a crash nor an answer from a half-read state (the request's decision was not made whole).
 */
function answeringStoreErrors<A extends unknown[]>(handler: (...args: A) => MaybePromise<Answer>): (...args: A) => Promise<Answer> {
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

/** Builds a seeded mock. Throws (SeedError, Error) on bad options: callers fail fast at start-up. */
export async function createMockApp(options: MockOptions = {}): Promise<MockApp> {
  if (options.dataDir !== undefined && options.stores !== undefined) throw new Error('a data directory keeps the memory store; it cannot be combined with other stores');
  const algorithm = options.algorithm ?? 'token-bucket';
  const model = referenceModel(options.algorithm !== undefined ? { policy: { rateLimitAlgorithm: options.algorithm } } : {});
  // Loaded only for a data directory: it needs node:fs, which a browser build leaves out.
  const dataDir = options.dataDir !== undefined ? await import('./store/data-dir.js') : undefined;
  const saved = options.dataDir !== undefined && dataDir !== undefined ? dataDir.readState(options.dataDir) : undefined;
  let clock: Clock;
  if (typeof options.clock === 'object') clock = options.clock;
  else {
    const mode = options.clock ?? 'real';
    const scale = options.timeScale ?? 1;
    // A virtual or scaled clock goes on from where it stood; real time needs nothing kept.
    const resume = saved !== undefined && options.clockStart === undefined && saved.clock.mode === mode && saved.clock.scale === scale && (mode === 'virtual' || scale !== 1);
    const start = resume ? saved.clock.now : options.clockStart;
    clock = createClock({ mode, scale, ...(start !== undefined ? { start } : {}), ...(options.clockOrigin !== undefined ? { origin: options.clockOrigin } : {}) });
  }
  const seed = options.seed ?? loadSeed(options.seedPath ?? DEFAULT_SEED_PATH, model);
  const seededKeys = options.seededKeys ?? (saved !== undefined ? restoreSeedKeys(saved.seedKeys, options.knownMaterial) : mintSeedKeys(seed, model, clock.now(), options.keySecret));
  const memory = createMemoryStore();
  let stores = options.stores ?? memory;
  if (saved !== undefined) {
    // Limiter state of another algorithm has another shape: it starts afresh.
    memory.importState(saved.algorithm === algorithm ? saved.store : { ...saved.store, limiter: [] });
  } else if (options.storesSeeded !== true) await applySeed(stores, seed, seededKeys);
  let saver: Saver | undefined;
  if (options.dataDir !== undefined && dataDir !== undefined) {
    const { createSaver, observeStores } = dataDir;
    const dir = options.dataDir;
    const current = clock;
    const collect = (): SavedState => ({
      clock: { mode: current.mode, scale: current.scale, now: current.now() },
      algorithm,
      seedKeys: seededKeys.map(({ spec, record }) => ({ spec, record })),
      store: memory.exportState(),
    });
    saver = createSaver({ dir, collect, ...(options.saveDebounceMs !== undefined ? { debounceMs: options.saveDebounceMs } : {}) });
    stores = observeStores(memory, saver.changed);
    clock = observeClock(current, saver.changed);
    // The first state is on disk before the mock answers anything.
    saver.changed();
    saver.flush();
  }
  const controlToken = options.control === false || (options.controlTokenHash !== undefined && options.controlToken === undefined) ? undefined : (options.controlToken ?? randomToken(24));
  const apiStores = stores;
  const apiClock = clock;
  const build = (names: readonly string[]): RequestHandler => {
    const handler = withFaults(resolveFaults(names), apiStores, apiClock, model, (faultyStores, rules) =>
      createRequestHandler({ model, validators: referenceValidators(), stores: faultyStores, now: apiClock.now, ...(rules !== undefined ? { rules } : {}) }),
    );
    // Only a store given from outside can be remote; the default memory store's path stays as it was.
    return options.stores === undefined ? handler : answeringStoreErrors(handler);
  };
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
    restored: saved !== undefined,
    flush: () => saver?.flush(),
  };
  if (controlToken !== undefined) app.handleControl = answeringStoreErrors(createControlHandler(app, controlToken));
  else if (options.control !== false && options.controlTokenHash !== undefined) app.handleControl = answeringStoreErrors(createControlHandler(app, { hash: options.controlTokenHash }));
  return app;
}

/** The same clock, calling `changed` whenever it is set or advanced. */
function observeClock(clock: Clock, changed: () => void): Clock {
  return {
    mode: clock.mode,
    scale: clock.scale,
    now: clock.now,
    set(at) {
      clock.set(at);
      changed();
    },
    advance(ms) {
      clock.advance(ms);
      changed();
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
