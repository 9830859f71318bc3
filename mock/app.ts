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
import type { KeyMaterial } from './core/mint-key.js';
import { applySeed, DEFAULT_SEED_PATH, loadSeed, mintSeedKeys, restoreSeedKeys, type Seed, type SeededKey } from './seed.js';
import { createSaver, observeStores, readState, type Saver, type SavedState } from './store/data-dir.js';
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
  readonly handleApi: RequestHandler;
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

let validatorsCache: Validators | undefined;

/** The validators of fixtures/openapi.yaml, compiled once per process. */
export function referenceValidators(): Validators {
  validatorsCache ??= compileValidators(parseYaml(readFileSync(fixturePath('openapi.yaml'), 'utf8')));
  return validatorsCache;
}

/** Builds a seeded mock. Throws (SeedError, Error) on bad options: callers fail fast at start-up. */
export async function createMockApp(options: MockOptions = {}): Promise<MockApp> {
  if (options.dataDir !== undefined && options.stores !== undefined) throw new Error('a data directory keeps the memory store; it cannot be combined with other stores');
  const algorithm = options.algorithm ?? 'token-bucket';
  const model = referenceModel(options.algorithm !== undefined ? { policy: { rateLimitAlgorithm: options.algorithm } } : {});
  const saved = options.dataDir !== undefined ? readState(options.dataDir) : undefined;
  const mode = options.clock ?? 'real';
  const scale = options.timeScale ?? 1;
  // A virtual or scaled clock goes on from where it stood; real time needs nothing kept.
  const resume = saved !== undefined && options.clockStart === undefined && saved.clock.mode === mode && saved.clock.scale === scale && (mode === 'virtual' || scale !== 1);
  const start = resume ? saved.clock.now : options.clockStart;
  let clock = createClock({ mode, scale, ...(start !== undefined ? { start } : {}) });
  const seed = loadSeed(options.seedPath ?? DEFAULT_SEED_PATH, model);
  const seededKeys = saved !== undefined ? restoreSeedKeys(saved.seedKeys, options.knownMaterial) : mintSeedKeys(seed, model, clock.now());
  const memory = createMemoryStore();
  let stores = options.stores ?? memory;
  if (saved !== undefined) {
    // Limiter state of another algorithm has another shape: it starts afresh.
    memory.importState(saved.algorithm === algorithm ? saved.store : { ...saved.store, limiter: [] });
  } else await applySeed(stores, seed, seededKeys);
  let saver: Saver | undefined;
  if (options.dataDir !== undefined) {
    const dir = options.dataDir;
    const current = clock;
    const collect = (): SavedState => ({
      clock: { mode, scale, now: current.now() },
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
  const controlToken = options.control === false ? undefined : (options.controlToken ?? randomBytes(18).toString('base64url'));
  const handleApi = withFaults(resolveFaults(options.faults ?? []), stores, clock, (apiStores, rules) =>
    createRequestHandler({ model, validators: referenceValidators(), stores: apiStores, now: clock.now, ...(rules !== undefined ? { rules } : {}) }),
  );
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
    restored: saved !== undefined,
    flush: () => saver?.flush(),
  };
  return controlToken === undefined ? app : { ...app, handleControl: createControlHandler(app, controlToken) };
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
