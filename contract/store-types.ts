// Store interfaces: state only, no rules. The memory store implements them now; a shared
// store (Redis) can later, which is why every method may answer with a promise.
import type { LimiterState, RateDecision } from './limits/index.js';
import type { KeyRecord, RateLimitAlgorithm, TierLimits } from './types.js';

export type MaybePromise<T> = T | Promise<T>;

/** Whether a store's answer is still to come (a promise or any thenable). */
export function isPending<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** An entity of the API (alert, case, observable, user): JSON with an id. */
export type Entity = { readonly id: string; readonly deleted?: boolean; readonly tlp?: number; readonly pap?: number } & Readonly<Record<string, unknown>>;

export type Collection = 'alerts' | 'cases' | 'observables' | 'users';

export interface KeyStore {
  /** The record of a modern key, verified against its hash in constant time; undefined if none. */
  findModern(key: string): MaybePromise<KeyRecord | undefined>;
  /** The record of a legacy pair whose secret verifies in constant time; undefined if none. */
  findLegacy(accessKey: string, secret: string): MaybePromise<KeyRecord | undefined>;
  get(id: string): MaybePromise<KeyRecord | undefined>;
  list(): MaybePromise<readonly KeyRecord[]>;
  /** Adds or replaces a record. */
  put(record: KeyRecord): MaybePromise<void>;
}

export interface LimiterStore {
  /**
   * Applies one rate-limit decision for `keyId` atomically: reads the key's limiter state,
   * runs the core's decideRate on it, keeps the result.
   */
  take(keyId: string, now: number, tier: TierLimits, algorithm: RateLimitAlgorithm): MaybePromise<RateDecision>;
  /** The state kept for a key (for inspection and tests). */
  peek(keyId: string): MaybePromise<LimiterState | undefined>;
}

export interface EntityStore {
  get(collection: Collection, id: string): MaybePromise<Entity | undefined>;
  /** Every entity of a collection, in creation order. */
  all(collection: Collection): MaybePromise<readonly Entity[]>;
  put(collection: Collection, entity: Entity): MaybePromise<void>;
  /**
   * Several writes as one: all of them or none, where the store can fail part-way (Redis: one
   * script). An operation that changes more than one entity (a case made from alerts) uses it, so
   * no later request sees half of it.
   */
  putAll(writes: readonly EntityWrite[]): MaybePromise<void>;
}

export interface EntityWrite {
  readonly collection: Collection;
  readonly entity: Entity;
}

export interface Stores {
  readonly keys: KeyStore;
  readonly limiter: LimiterStore;
  readonly entities: EntityStore;
  /** Forgets everything (the control API's reset reseeds afterwards). */
  clear(): MaybePromise<void>;
  /**
   * Replaces everything with a snapshot in one step, where a store shared between processes must
   * not show the others an empty or half-seeded state (Redis); without it, clear and put.
   */
  replaceAll?(snapshot: StoreSnapshot): MaybePromise<unknown>;
}

/** A whole state to start from (the seed): key records and entities, in creation order. */
export interface StoreSnapshot {
  readonly keys: readonly KeyRecord[];
  readonly entities: readonly { readonly collection: Collection; readonly entity: Entity }[];
}
