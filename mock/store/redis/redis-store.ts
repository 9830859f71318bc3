// The Redis store: the same interfaces as the memory store, with every piece of state in one
// Redis, so that several mock processes answer as one deployment (RL-10: limits are global).
// State only: key checks run the core's digest comparison here, and rate-limit decisions run the
// Lua mirror of the core's limiter (decide-rate.lua), one atomic script per decision. The reads
// and the decision every request makes go over a fast lane (fast-lane.ts) when it is connected;
// everything else, and those too while it is not, over ioredis.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { KEY_ID_PREFIX, modernLookupId, secretMatches } from '../../../contract/key-material.js';
import type { LimiterState, RateDecision } from '../../../contract/limits/index.js';
import type { KeyRecord, RateLimitAlgorithm, TierLimits } from '../../../contract/types.js';
import { StoreUnavailableError } from '../store-unavailable.js';
import type { Collection, Entity, EntityWrite, Stores, StoreSnapshot } from '../../../contract/store-types.js';
import { openFastLane, type FastLane } from './fast-lane.js';
import { ALL_IN_ORDER_LUA, DECIDE_RATE_LUA, PEEK_RATE_LUA, PUT_ENTITIES_LUA, PUT_KEY_LUA, REPLACE_ALL_LUA } from './redis-scripts.js';

const COLLECTION_ORDER: readonly Collection[] = ['users', 'alerts', 'cases', 'observables'];
const ALGORITHM_LETTER: Record<RateLimitAlgorithm, string> = { 'token-bucket': 't', 'sliding-window': 's', 'fixed-window': 'f' };

/** What PEEK_RATE_LUA answers: the minute letter, its pair (t, f), whether an hour log exists, the buckets. */
type PeekedRate = [letter: string | null, pair: number[], hour: number, minuteBuckets: number[], hourBuckets: number[]];

interface ScriptCommands {
  decideRate(limits: string, now: number, keyId: string, perMinute: number, perHour: number, burst: number, algorithm: string): Promise<number[]>;
  peekRate(limits: string, keyId: string): Promise<PeekedRate>;
  putKey(byId: string, byLookup: string, order: string, id: string, lookup: string, json: string): Promise<number>;
  /** numberOfKeys first (2 a write), then the keys, then id and JSON a write. */
  putEntities(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number>;
  allInOrder(hash: string, order: string): Promise<string[]>;
  replaceAll(...args: string[]): Promise<number>;
}

export type RedisClient = Redis & ScriptCommands;

export interface RedisStores extends Stores {
  readonly redis: RedisClient;
  /** The fast lane, when there is one (for inspection and tests). */
  readonly fastLane: FastLane | undefined;
  /**
   * Replaces everything with the snapshot atomically, and sets the seeded marker to `marker` (by
   * default the one `useMarker` gave, else the time); with `ifEmpty`, only while no marker is
   * there (a Redis that lost its data, or one no mock has seeded): true when it wrote.
   */
  replaceAll(snapshot: StoreSnapshot, options?: { ifEmpty?: boolean; marker?: string }): Promise<boolean>;
  /** The seeded marker: what the mock that seeded this store wrote there (shared-start.ts), or null. */
  readMarker(): Promise<string | null>;
  /** The marker every later replaceAll writes (a reset, a reseed after Redis lost its data). */
  useMarker(marker: string): void;
  close(): Promise<void>;
}

/**
 * A Redis client for the store: commands fail at once while the connection is down (no offline
 * queue, no retries of a command), so a request is answered 503 rather than held; the connection
 * itself is retried in the background. The commands of one turn of the event loop go out in one
 * write (see batchWrites).
 */
export function createRedisClient(url: string, options: RedisOptions = {}): RedisClient {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    // How long disconnect() waits for the socket to close before it destroys it. ioredis arms
    // this timer on its last socket even when that socket already failed (a refused reconnect
    // never emits 'close' again), so with Redis away a stopping process stayed alive this long
    // for nothing: 2 s by default, and a --workers mock waited for its workers first (4 s).
    disconnectTimeout: 100,
    enableAutoPipelining: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 1_000),
    ...options,
  });
  if (redis.options.enableAutoPipelining !== true) batchWrites(redis);
  redis.defineCommand('decideRate', { numberOfKeys: 1, lua: DECIDE_RATE_LUA });
  redis.defineCommand('peekRate', { numberOfKeys: 1, lua: PEEK_RATE_LUA });
  redis.defineCommand('putKey', { numberOfKeys: 3, lua: PUT_KEY_LUA });
  redis.defineCommand('putEntities', { lua: PUT_ENTITIES_LUA });
  redis.defineCommand('allInOrder', { numberOfKeys: 2, lua: ALL_IN_ORDER_LUA });
  redis.defineCommand('replaceAll', { numberOfKeys: 5 + 2 * COLLECTION_ORDER.length, lua: REPLACE_ALL_LUA });
  return redis as RedisClient;
}

/**
 * Pipelining without ioredis's auto-pipelining: the first command of a turn of the event loop
 * corks the socket and a setImmediate uncorks it, so every command sent meanwhile (the requests
 * read and the replies handled in that turn) leaves in one writev. Each command is still sent,
 * answered and timed out on its own, in order, on the one connection. Auto-pipelining batched
 * as well, but through a Pipeline object a batch and two promises and a nextTick a command, and
 * with one batch in flight at a time: about 25 µs of this process's CPU for a request's three
 * commands, against 10-15 µs corked (scratch measurement, 50 concurrent request flows).
 */
function batchWrites(redis: Redis): void {
  const send = redis.sendCommand.bind(redis);
  let corked = false;
  redis.sendCommand = (command, stream) => {
    const socket = redis.stream;
    if (!corked && socket !== undefined && redis.status === 'ready') {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return send(command, stream);
  };
}

const encodeRecord = (record: KeyRecord): string => JSON.stringify({ ...record, hash: Buffer.from(record.hash).toString('base64') });
const decodeRecord = (json: string): KeyRecord => {
  const parsed = JSON.parse(json) as { hash: string | Uint8Array };
  parsed.hash = Buffer.from(parsed.hash as string, 'base64');
  return parsed as unknown as KeyRecord;
};
const decodeRecordOrNone = (json: string | null): KeyRecord | undefined => (json === null ? undefined : decodeRecord(json));
const decodeEntityOrNone = (json: string | null): Entity | undefined => (json === null ? undefined : (JSON.parse(json) as Entity));
/** Modern keys are found by the id inside them, legacy pairs by their public access key. */
function lookupOf(record: KeyRecord): string {
  if (record.kind === 'legacy') {
    if (record.accessKey === undefined) throw new Error(`legacy key ${record.id} has no accessKey`);
    return 'a:' + record.accessKey;
  }
  return 'm:' + record.id.slice(KEY_ID_PREFIX.length);
}

/** Runs one store operation; a failure to reach Redis becomes a StoreUnavailableError. */
async function guarded<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
}
const unavailable = (error: unknown): never => {
  throw new StoreUnavailableError(error);
};
/**
 * guarded, then `use` on the answer, in one promise step: the per-request reads and the decision
 * (an async function and its await would add two).
 */
function read<T, R>(operation: Promise<T>, use: (value: T) => R): Promise<R> {
  return operation.then(use, unavailable);
}

/** The limiter state as the TS core shapes it, from what the peek script read (see it). */
function parseState([letter, pair, hour, minuteBuckets, hourBuckets]: PeekedRate): LimiterState | undefined {
  if (letter === null && hour === 0) return undefined;
  const log = (flat: readonly number[]) => Array.from({ length: flat.length / 3 }, (_v, i) => ({ index: flat[3 * i]!, count: flat[3 * i + 1]!, last: flat[3 * i + 2]! }));
  let minute: LimiterState['minute'];
  if (letter === 't') minute = { units: pair[0]!, at: pair[1]! };
  else if (letter === 'f') minute = { start: pair[0]!, count: pair[1]! };
  else if (letter === 's') minute = log(minuteBuckets);
  return { minute, hour: hour === 0 ? undefined : log(hourBuckets) };
}

const DECIDE_RATE_SHA = createHash('sha1').update(DECIDE_RATE_LUA).digest('hex');

/**
 * A fast lane to the client's Redis (see fast-lane.ts), or none where it cannot go the same way
 * (TLS, Sentinel or Cluster: everything then goes through ioredis).
 */
function fastLaneFor(redis: Redis): FastLane | undefined {
  const o = redis.options;
  // Only a plain connection the lane can copy exactly: not TLS, Sentinel, a key prefix ioredis would
  // add (the lane would read other keys) or a chosen address family.
  if (o.tls !== undefined || (o.sentinels?.length ?? 0) > 0 || (o.keyPrefix ?? '') !== '' || (o.family !== undefined && o.family !== 4 && o.family !== 0)) return undefined;
  return openFastLane({
    ...(typeof o.path === 'string' ? { path: o.path } : { host: o.host ?? '127.0.0.1', port: o.port ?? 6379 }),
    ...(typeof o.username === 'string' && o.username !== '' ? { username: o.username } : {}),
    ...(typeof o.password === 'string' && o.password !== '' ? { password: o.password } : {}),
    ...(typeof o.db === 'number' ? { db: o.db } : {}),
    timeoutMs: typeof o.commandTimeout === 'number' ? o.commandTimeout : 2_000,
  });
}

/** The script's answer {allowed, limit, remaining, reset, retryAfter} as the core's decision. */
function toDecision([allowed, limit, remaining, reset, retryAfter]: number[]): RateDecision {
  // The state itself stays in Redis; `peek` reads it when a test wants it.
  const state: LimiterState = { minute: undefined, hour: undefined };
  return allowed === 1
    ? { allowed: true, limit: limit!, remaining: remaining!, reset: reset!, state }
    : { allowed: false, limit: limit!, remaining: remaining!, reset: reset!, retryAfter: retryAfter!, state };
}

/**
 * The store over one Redis client, every key under `prefix`.
 *
 * @example
 * const redis = createRedisClient('redis://127.0.0.1:6379');
 * await redis.connect();
 * const stores = createRedisStore(redis);
 */
export function createRedisStore(redis: RedisClient, options: { prefix?: string; /** default true */ fastLane?: boolean } = {}): RedisStores {
  const p = options.prefix ?? 'casebender:';
  const lane = options.fastLane === false ? undefined : fastLaneFor(redis);
  // The lane only while ioredis is connected too: a Redis that came back is used once the client
  // that puts the seed back (open-redis-store) is, never earlier, as before the lane.
  const laneReady = () => lane?.ready === true && redis.status === 'ready';
  const entityKeys = Object.fromEntries(COLLECTION_ORDER.map((c) => [c, `${p}entities:${c}`])) as Record<Collection, string>;
  const k = {
    byId: `${p}keys`,
    byLookup: `${p}key-lookups`,
    order: `${p}key-order`,
    limits: `${p}limits`,
    seeded: `${p}seeded`,
    entities: (c: Collection) => entityKeys[c],
    entityOrder: (c: Collection) => `${p}entity-order:${c}`,
  };
  /** The per-request read: over the fast lane when it is connected, else over ioredis. */
  const hget = (key: string, field: string): Promise<string | null> => (laneReady() ? (lane!.send(['HGET', key, field]) as Promise<string | null>) : redis.hget(key, field));
  /** Entity writes, one or several, as one script: Redis applies every write or, lost before it runs, none. */
  const putAll = async (writes: readonly EntityWrite[]): Promise<void> => {
    if (writes.length === 0) return;
    const keys: string[] = [];
    const args: string[] = [];
    for (const { collection, entity } of writes) {
      keys.push(k.entities(collection), k.entityOrder(collection));
      args.push(entity.id, JSON.stringify(entity));
    }
    await guarded(redis.putEntities(keys.length, ...keys, ...args));
  };
  const allKeys = [k.byId, k.byLookup, k.order, k.limits, k.seeded, ...COLLECTION_ORDER.flatMap((c) => [k.entities(c), k.entityOrder(c)])];
  let currentMarker: string | undefined;
  const replaceAll = async (snapshot: StoreSnapshot, { ifEmpty = false, marker }: { ifEmpty?: boolean; marker?: string } = {}) => {
    const args: string[] = [];
    for (const record of snapshot.keys) args.push('k', record.id, lookupOf(record), encodeRecord(record));
    for (const { collection, entity } of snapshot.entities) args.push('e', String(COLLECTION_ORDER.indexOf(collection) + 1), entity.id, JSON.stringify(entity));
    const done = await guarded(redis.replaceAll(...allKeys, ifEmpty ? 'if-empty' : 'always', marker ?? currentMarker ?? new Date().toISOString(), ...args));
    return done === 1;
  };
  return {
    redis,
    fastLane: lane,
    keys: {
      findModern(key) {
        const lookup = modernLookupId(key);
        if (lookup === undefined) return undefined;
        return read(hget(k.byLookup, 'm:' + lookup), (json) => {
          if (json === null) return undefined;
          const record = decodeRecord(json);
          return record.kind === 'modern' && secretMatches(key, record.hash) ? record : undefined;
        });
      },
      findLegacy(accessKey, secret) {
        return read(hget(k.byLookup, 'a:' + accessKey), (json) => {
          if (json === null) return undefined;
          const record = decodeRecord(json);
          return record.kind === 'legacy' && secretMatches(secret, record.hash) ? record : undefined;
        });
      },
      get(id) {
        return read(hget(k.byId, id), decodeRecordOrNone);
      },
      async list() {
        return (await guarded(redis.allInOrder(k.byId, k.order))).map(decodeRecord);
      },
      async put(record) {
        await guarded(redis.putKey(k.byId, k.byLookup, k.order, record.id, lookupOf(record), encodeRecord(record)));
      },
    },
    limiter: {
      take(keyId: string, now: number, tier: TierLimits, algorithm: RateLimitAlgorithm): Promise<RateDecision> {
        const letter = ALGORITHM_LETTER[algorithm];
        if (!laneReady()) return read(redis.decideRate(k.limits, now, keyId, tier.perMinute, tier.perHour, tier.burst, letter), toDecision);
        const decided = lane!.send(['EVALSHA', DECIDE_RATE_SHA, 1, k.limits, now, keyId, tier.perMinute, tier.perHour, tier.burst, letter]) as Promise<number[]>;
        // A Redis that lost its scripts (restarted): ioredis sends the script itself, once.
        const loaded = decided.catch((error: Error) => (error.message.startsWith('NOSCRIPT') ? redis.decideRate(k.limits, now, keyId, tier.perMinute, tier.perHour, tier.burst, letter) : Promise.reject(error)));
        return read(loaded, toDecision);
      },
      async peek(keyId) {
        return parseState(await guarded(redis.peekRate(k.limits, keyId)));
      },
    },
    entities: {
      get(collection, id) {
        return read(hget(k.entities(collection), id), decodeEntityOrNone);
      },
      async all(collection) {
        return (await guarded(redis.allInOrder(k.entities(collection), k.entityOrder(collection)))).map((json) => JSON.parse(json) as Entity);
      },
      put(collection, entity) {
        return putAll([{ collection, entity }]);
      },
      putAll,
    },
    async clear() {
      await guarded(redis.del(...allKeys));
    },
    replaceAll,
    readMarker: () => guarded(redis.get(k.seeded)),
    useMarker: (marker) => void (currentMarker = marker),
    async close() {
      lane?.close();
      redis.disconnect();
    },
  };
}
