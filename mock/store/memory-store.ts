// The in-memory store: one process, Maps. Keeps hashes of keys and secrets, never the material.
import { digestsEqual, hashSecret, KEY_ID_PREFIX, modernLookupId } from '../core/key-material.js';
import { decideRate, type LimiterState } from '../core/limits/index.js';
import type { KeyRecord, RateLimitAlgorithm, TierLimits } from '../core/types.js';
import type { Collection, Entity, EntityStore, KeyStore, LimiterStore, Stores } from './types.js';

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

/** A fresh, empty in-memory store. */
export function createMemoryStore(): Stores {
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
  };
}
