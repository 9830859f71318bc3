// The in-memory store: one process, Maps (keys in compact columns, compact-key-store.ts). Keeps
// hashes of keys and secrets, never the material.
import { CompactKeyStore } from './compact-key-store.js';
import { decideRate, type LimiterAlgorithm, type LimiterState } from '../../contract/limits/index.js';
import type { KeyRecord, RateLimitAlgorithm, TierLimits } from '../../contract/types.js';
import type { Collection, Entity, LimiterStore, Stores } from '../../contract/store-types.js';
import { MemoryEntityStore } from '../../contract/memory-entities.js';

/** Everything a memory store holds, as plain data (what `--data` saves and restores). */
export interface StoreState {
  readonly keys: readonly KeyRecord[];
  readonly entities: Readonly<Record<Collection, readonly Entity[]>>;
  /** Limiter state by key id. */
  readonly limiter: readonly (readonly [string, LimiterState])[];
}

/** The memory store, which can also hand over and take back all it holds. */
export interface MemoryStores extends Stores {
  /** A copy of the state as it is now (synchronous: a consistent instant). */
  exportState(): StoreState;
  /** Replaces everything with `state`. */
  importState(state: StoreState): void;
}

class MemoryLimiterStore implements LimiterStore {
  private readonly states = new Map<string, LimiterState>();

  /** `only`: the algorithm every decision runs, whatever the policy asks (a mutation's limiter). */
  constructor(private readonly only?: LimiterAlgorithm) {}

  take(keyId: string, now: number, tier: TierLimits, algorithm: RateLimitAlgorithm) {
    const decision = decideRate(this.states.get(keyId), now, tier, this.only ?? algorithm);
    if (decision.allowed) this.states.set(keyId, decision.state);
    return decision;
  }

  peek(keyId: string): LimiterState | undefined {
    return this.states.get(keyId);
  }

  entries(): [string, LimiterState][] {
    return [...this.states];
  }

  restore(keyId: string, state: LimiterState): void {
    this.states.set(keyId, state);
  }

  clear(): void {
    this.states.clear();
  }
}

const COLLECTIONS: readonly Collection[] = ['users', 'alerts', 'cases', 'observables'];

/** An in-memory limiter of its own that runs `algorithm` for every key (a mutation's limiter). */
export function memoryLimiter(algorithm: LimiterAlgorithm): LimiterStore {
  return new MemoryLimiterStore(algorithm);
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(): MemoryStores {
  const keys = new CompactKeyStore();
  const limiter = new MemoryLimiterStore();
  const entities = new MemoryEntityStore();
  return {
    keys,
    limiter,
    entities,
    clear() {
      keys.clear();
      limiter.clear();
      entities.clear();
    },
    exportState() {
      return {
        keys: keys.list(),
        entities: Object.fromEntries(COLLECTIONS.map((c) => [c, entities.all(c)])) as Record<Collection, Entity[]>,
        limiter: limiter.entries(),
      };
    },
    importState(state) {
      keys.clear();
      limiter.clear();
      entities.clear();
      for (const record of state.keys) keys.put(record);
      for (const c of COLLECTIONS) for (const entity of state.entities[c]) entities.put(c, entity);
      for (const [id, s] of state.limiter) limiter.restore(id, s);
    },
  };
}
