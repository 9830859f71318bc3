// --on-store-error open: while the shared store cannot be reached, a worker keeps answering from
// what it last read there (key records, entities) and decides rate limits in its own memory, so
// limits hold per process only until the store is back. Writes still fail (503): nothing is
// applied that the store has not kept. The decision itself is the core's (memory store).
import { createMemoryStore } from './memory-store.js';
import { StoreUnavailableError } from './store-unavailable.js';
import type { Collection, Entity, Stores } from '../../contract/store-types.js';
import { hashSecret } from '../../contract/key-material.js';
import type { RateDecision } from '../../contract/limits/index.js';
import type { KeyRecord } from '../../contract/types.js';

async function orElse<T>(attempt: () => Promise<T> | T, fallback: () => T | undefined, degraded: () => void): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    const kept = fallback();
    if (kept === undefined) throw error;
    degraded();
    return kept;
  }
}

/**
 * Wraps a shared store so that reads fall back to this process's last reads, and limits to a
 * per-process limiter, while the store is unreachable. `degraded` is called for every answer
 * given that way (the CLI logs the first of each outage).
 */
export function failOpen(stores: Stores, degraded: () => void = () => undefined): Stores {
  const keysByLookup = new Map<string, KeyRecord>();
  const keysById = new Map<string, KeyRecord>();
  const entities = new Map<string, Entity>();
  const lists = new Map<Collection, readonly Entity[]>();
  const local = createMemoryStore().limiter;
  const remember = (record: KeyRecord | undefined, ...lookups: string[]) => {
    if (record === undefined) return record;
    for (const lookup of lookups) keysByLookup.set(lookup, record);
    keysById.set(record.id, record);
    return record;
  };
  return {
    ...stores,
    keys: {
      findModern: (key) => {
        // Remembered by the key's digest: a process never keeps key material.
        const lookup = `m:${Buffer.from(hashSecret(key)).toString('base64')}`;
        return orElse(async () => remember(await stores.keys.findModern(key), lookup), () => keysByLookup.get(lookup), degraded);
      },
      findLegacy: (accessKey, secret) => {
        const lookup = `l:${accessKey}:${Buffer.from(hashSecret(secret)).toString('base64')}`;
        return orElse(async () => remember(await stores.keys.findLegacy(accessKey, secret), lookup), () => keysByLookup.get(lookup), degraded);
      },
      get: (id) => orElse(async () => remember(await stores.keys.get(id)), () => keysById.get(id), degraded),
      list: () => stores.keys.list(),
      put: (record) => stores.keys.put(record),
    },
    limiter: {
      take: (keyId, now, tier, algorithm) => orElse(() => stores.limiter.take(keyId, now, tier, algorithm), () => local.take(keyId, now, tier, algorithm) as RateDecision, degraded),
      peek: (keyId) => stores.limiter.peek(keyId),
    },
    entities: {
      get: (collection, id) =>
        orElse(
          async () => {
            const entity = await stores.entities.get(collection, id);
            if (entity !== undefined) entities.set(`${collection}/${id}`, entity);
            return entity;
          },
          () => entities.get(`${collection}/${id}`),
          degraded,
        ),
      all: (collection) =>
        orElse(
          async () => {
            const all = await stores.entities.all(collection);
            lists.set(collection, all);
            return all;
          },
          () => lists.get(collection),
          degraded,
        ),
      put: (collection, entity) => stores.entities.put(collection, entity),
      putAll: (writes) => stores.entities.putAll(writes),
    },
  };
}
