// Starting on a shared store (#19): a mock that starts on a Redis already holding a mock's state
// joins it — keys and their lifecycle, entities, limiter state and the clock stay as they are —
// and only a start on an empty store seeds it. The seed goes in with one script that writes only
// while the store has no marker (Redis runs one script at a time: two first starts at the same
// instant seed once, and the second joins). The marker holds what every replica must share: the
// clock (mode, scale, origin), the algorithm, a digest of the seed, the seeded keys' ids, the
// control token's hash and whether the keys' material was derived from a --key-secret. Nothing
// here writes unless the store is empty; a joining replica whose settings differ is refused
// before anything is written.
import type { ClockMode } from '../../../contract/clock.js';
import { hashSecret, randomToken, secretMatches } from '../../../contract/key-material.js';
import type { KeyMaterial } from '../../../contract/mint-key.js';
import type { Model } from '../../../contract/model.js';
import type { RateLimitAlgorithm } from '../../../contract/types.js';
import { sha256 } from '../../../contract/platform/node.js';
import { mintSeedKeys, restoreSeedKeys, seedSnapshot, type Seed, type SeededKey } from '../../../contract/seed.js';
import type { RedisStores } from './redis-store.js';

/** What the marker of a seeded store holds (JSON). */
export interface SharedMeta {
  readonly casebenderMock: 1;
  readonly seededAt: string;
  readonly clock: { readonly mode: ClockMode; readonly scale: number; readonly origin: number; readonly start: number };
  readonly algorithm: RateLimitAlgorithm;
  /** SHA-256 (hex) of the seed as loaded: replicas with another seed would reset to another state. */
  readonly seedDigest: string;
  /** The seeded keys' ids, in the seed's order. */
  readonly keys: readonly string[];
  /** Whether the seeded keys' material was derived from a shared secret (--key-secret). */
  readonly keySecret: boolean;
  /** SHA-256 (hex) of the control token; absent when the seeding mock had its control API off. */
  readonly controlTokenHash?: string;
}

/** A start that cannot join the store as it is; nothing was written. */
export class JoinError extends Error {}

export interface SharedStart {
  readonly role: 'seeded' | 'joined';
  readonly meta: SharedMeta;
  readonly seededKeys: readonly SeededKey[];
  /** The control token, where this start knows it: it made it, or was given the one the store's hash is of. */
  readonly controlToken: string | undefined;
  /** The hash every replica checks X-Mock-Token against; undefined: the control API is off. */
  readonly controlTokenHash: Uint8Array | undefined;
}

export interface SharedStartOptions {
  readonly seed: Seed;
  readonly model: Model;
  readonly clock: { readonly mode: ClockMode; readonly scale: number };
  readonly algorithm: RateLimitAlgorithm;
  readonly control: boolean;
  /** --control-token, when given. */
  readonly controlToken?: string;
  /** --key-secret, when given. */
  readonly keySecret?: string;
  /** Seeded keys' material from a profile an earlier start wrote (used where it matches the stored hash). */
  readonly knownMaterial?: readonly { readonly id: string; readonly material: KeyMaterial }[];
  readonly now: number;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

/** A digest of the seed as loaded (entities and key specs). */
export const seedDigest = (seed: Seed): string => hex(sha256(JSON.stringify(seed)));

/** Joins the store's mock, or seeds the store when it holds none. Throws JoinError (nothing written). */
export async function joinOrSeed(redis: RedisStores, options: SharedStartOptions): Promise<SharedStart> {
  const existing = await redis.readMarker();
  if (existing !== null) return join(redis, existing, options);
  const seededKeys = mintSeedKeys(options.seed, options.model, options.now, options.keySecret);
  const controlToken = options.control ? (options.controlToken ?? randomToken(24)) : undefined;
  const controlTokenHash = controlToken === undefined ? undefined : hashSecret(controlToken);
  const meta: SharedMeta = {
    casebenderMock: 1,
    seededAt: new Date(options.now).toISOString(),
    clock: { mode: options.clock.mode, scale: options.clock.scale, origin: options.now, start: options.now },
    algorithm: options.algorithm,
    seedDigest: seedDigest(options.seed),
    keys: seededKeys.map((k) => k.record.id),
    keySecret: options.keySecret !== undefined,
    ...(controlTokenHash !== undefined ? { controlTokenHash: hex(controlTokenHash) } : {}),
  };
  const marker = JSON.stringify(meta);
  if (!(await redis.replaceAll(seedSnapshot(options.seed, seededKeys), { ifEmpty: true, marker }))) {
    // Another mock seeded it between our read and our write: join that one.
    const winner = await redis.readMarker();
    if (winner === null) throw new JoinError('the store was seeded by another mock and emptied again while this one started; start again');
    return join(redis, winner, options);
  }
  redis.useMarker(marker);
  return { role: 'seeded', meta, seededKeys, controlToken, controlTokenHash };
}

async function join(redis: RedisStores, marker: string, options: SharedStartOptions): Promise<SharedStart> {
  let meta: SharedMeta;
  try {
    meta = JSON.parse(marker) as SharedMeta;
    if (meta.casebenderMock !== 1) throw new Error('not a marker of this version');
  } catch {
    throw new JoinError('the store holds the state of an earlier casebender mock that did not record its settings; empty it (redis-cli FLUSHDB) or use another database (redis://HOST:PORT/N)');
  }
  const differs: string[] = [];
  if (meta.clock.mode !== options.clock.mode) differs.push(`--clock ${meta.clock.mode} (this start: ${options.clock.mode})`);
  if (meta.clock.scale !== options.clock.scale) differs.push(`--time-scale ${meta.clock.scale} (this start: ${options.clock.scale})`);
  if (meta.algorithm !== options.algorithm) differs.push(`--algorithm ${meta.algorithm} (this start: ${options.algorithm})`);
  if (meta.seedDigest !== seedDigest(options.seed)) differs.push('another seed file (this start’s seed differs from the one the store was seeded with)');
  if (differs.length > 0) throw new JoinError(`the store already holds a mock started with ${differs.join(', ')}; start this replica with the same settings, or use another store`);
  if (meta.clock.mode === 'virtual') throw new JoinError('the store holds a mock with a virtual clock, which only its own process moves, so no other start can join it; start replicas with --clock real, or empty the store to start afresh (redis-cli -n DB FLUSHDB)');
  if (options.keySecret !== undefined && !meta.keySecret) throw new JoinError('--key-secret: the store’s seeded keys were not derived from a secret (the first replica was started without one); start without --key-secret, or seed a fresh store with it');

  let controlToken: string | undefined;
  let controlTokenHash: Uint8Array | undefined;
  if (options.control && meta.controlTokenHash !== undefined) {
    controlTokenHash = fromHex(meta.controlTokenHash);
    if (options.controlToken !== undefined) {
      if (!secretMatches(options.controlToken, controlTokenHash)) throw new JoinError('--control-token is not the token of the mock this store holds; give the same token to every replica, or leave it out (the replica then checks the shared one)');
      controlToken = options.controlToken;
    }
  }

  // The seeded keys as the store holds them now (revoked, suspended since...), with the seed's spec of each.
  const pairs = [];
  for (const id of meta.keys) {
    const record = await redis.keys.get(id);
    const spec = record === undefined ? undefined : options.seed.keys.find((s) => s.name === record.name);
    if (record !== undefined && spec !== undefined) pairs.push({ spec, record });
  }
  let known = options.knownMaterial ?? [];
  if (options.keySecret !== undefined) {
    // Derived again from the secret: the same material, if it is the same secret.
    const derived = mintSeedKeys(options.seed, options.model, options.now, options.keySecret);
    known = derived.flatMap((k) => (k.material === undefined ? [] : [{ id: k.record.id, material: k.material }]));
  }
  const seededKeys = restoreSeedKeys(pairs, known);
  if (options.keySecret !== undefined && seededKeys.some((k) => k.material === undefined)) {
    throw new JoinError('--key-secret is not the secret the store’s seeded keys were derived from; give every replica the same secret');
  }
  redis.useMarker(marker);
  return { role: 'joined', meta, seededKeys, controlToken, controlTokenHash };
}
