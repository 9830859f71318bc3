// The in-memory store: one process, Maps. Keeps hashes of keys and secrets, never the material.
import { digestsEqual, hashSecret, KEY_ID_PREFIX, modernLookupId } from '../core/key-material.js';
import { decideRate, type LimiterState } from '../core/limits/index.js';
import type { KeyRecord, RateLimitAlgorithm, TierLimits } from '../core/types.js';
import type { Collection, Entity, EntityStore, KeyStore, LimiterStore, Stores } from './types.js';

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

class MemoryKeyStore implements KeyStore {
  private readonly byId = new Map<string, KeyRecord>();
  private readonly byLookup = new Map<string, KeyRecord>();

  findModern(key: string): KeyRecord | undefined {
    const lookup = modernLookupId(key);
    if (lookup === undefined) return undefined;
    const record = this.byLookup.get(lookup);
    if (record === undefined || record.kind !== 'modern') return undefined;
    return digestsEqual(hashSecret(key), record.hash) ? record : undefined;
  }

  findLegacy(accessKey: string, secret: string): KeyRecord | undefined {
    const record = this.byLookup.get(accessKey);
    if (record === undefined || record.kind !== 'legacy') return undefined;
    return digestsEqual(hashSecret(secret), record.hash) ? record : undefined;
  }

  get(id: string): KeyRecord | undefined {
    return this.byId.get(id);
  }

  list(): readonly KeyRecord[] {
    return [...this.byId.values()];
  }

  put(record: KeyRecord): void {
    this.byId.set(record.id, record);
    this.byLookup.set(lookupOf(record), record);
  }

  clear(): void {
    this.byId.clear();
    this.byLookup.clear();
  }
}

/** Modern keys are found by the id inside them, legacy pairs by their public access key. */
function lookupOf(record: KeyRecord): string {
  if (record.kind === 'legacy') {
    if (record.accessKey === undefined) throw new Error(`legacy key ${record.id} has no accessKey`);
    return record.accessKey;
  }
  return record.id.slice(KEY_ID_PREFIX.length);
}

class MemoryLimiterStore implements LimiterStore {
  private readonly states = new Map<string, LimiterState>();

  take(keyId: string, now: number, tier: TierLimits, algorithm: RateLimitAlgorithm) {
    const decision = decideRate(this.states.get(keyId), now, tier, algorithm);
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

class MemoryEntityStore implements EntityStore {
  private readonly collections = new Map<Collection, Map<string, Entity>>();

  private collection(name: Collection): Map<string, Entity> {
    let c = this.collections.get(name);
    if (c === undefined) this.collections.set(name, (c = new Map()));
    return c;
  }

  get(collection: Collection, id: string): Entity | undefined {
    return this.collection(collection).get(id);
  }

  all(collection: Collection): readonly Entity[] {
    return [...this.collection(collection).values()];
  }

  put(collection: Collection, entity: Entity): void {
    this.collection(collection).set(entity.id, entity);
  }

  clear(): void {
    this.collections.clear();
  }
}

const COLLECTIONS: readonly Collection[] = ['users', 'alerts', 'cases', 'observables'];

/** A fresh, empty in-memory store. */
export function createMemoryStore(): MemoryStores {
  const keys = new MemoryKeyStore();
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
