// The mock's seed: entities across every TLP/PAP level and the keys minted at start.
// Key material is random at every start and shown once (printed table, profile file).
import { alertShape, caseShape, userRef, userShape } from './entities.js';
import { secretMatches, type ByteSource } from './key-material.js';
import type { Model } from './model.js';
import { mintKey, type KeyMaterial } from './mint-key.js';
import type { KeyRecord, KeyKind } from './types.js';
import { fixturePath, hmacSha256, readFixture, readTextFile } from './platform/node.js';
import { schemaChecker } from './json-schema.js';
import type { Collection, Entity, Stores, StoreSnapshot } from './store-types.js';

export interface SeedKeySpec {
  readonly name: string;
  readonly kind?: KeyKind;
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance?: number;
  readonly papClearance?: number;
  readonly expiresIn?: number;
  readonly state?: 'active' | 'revoked' | 'suspended';
  readonly userId?: string;
  readonly purpose?: string;
}

export interface Seed {
  readonly users: readonly Entity[];
  readonly alerts: readonly Entity[];
  readonly cases: readonly Entity[];
  readonly observables: readonly Entity[];
  readonly keys: readonly SeedKeySpec[];
}

/**
 * A key minted from the seed: its record as seeded, its material, and what it was meant for.
 * The material is undefined after a restart from `--data` unless it was handed back and matched
 * the stored hash (the data directory keeps hashes only).
 */
export interface SeededKey {
  readonly spec: SeedKeySpec;
  readonly record: KeyRecord;
  readonly material?: KeyMaterial;
}

export const DEFAULT_SEED_PATH = fixturePath('seed.json');
export const COLLECTIONS: readonly Collection[] = ['users', 'alerts', 'cases', 'observables'];

export class SeedError extends Error {}

let checkSeed: ((value: unknown) => string[]) | undefined;

/** Reads and validates a seed file; a SeedError names the file and the first fields at fault. */
export function loadSeed(path: string = DEFAULT_SEED_PATH, model?: Model): Seed {
  let text: string;
  try {
    text = path === DEFAULT_SEED_PATH ? readFixture('seed.json') : readTextFile(path);
  } catch (error) {
    throw new SeedError(`cannot read the seed file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SeedError(`the seed file ${path} is not JSON: ${(error as Error).message}`);
  }
  checkSeed ??= schemaChecker('seed.schema.json');
  const errors = checkSeed(value);
  const seed = value as Seed;
  if (errors.length === 0 && model !== undefined) {
    seed.keys.forEach((k, i) => {
      if (!(k.tier in model.tiers)) errors.push(`keys[${i}].tier: "${k.tier}" is not a tier (${Object.keys(model.tiers).join(', ')})`);
    });
  }
  const names = new Set<string>();
  if (errors.length === 0) {
    for (const k of seed.keys) {
      if (names.has(k.name)) errors.push(`keys: the name "${k.name}" is used twice`);
      names.add(k.name);
    }
  }
  if (errors.length > 0) throw new SeedError(`the seed file ${path} is invalid: ${errors.slice(0, 5).join('; ')}`);
  return shapedSeed(seed);
}

/**
 * The seed's alerts, cases and users in CaseBender's documented shapes, completed by the functions
 * that shape created entities; a case's and an alert's assignee and creator are the seed's users.
 */
function shapedSeed(seed: Seed): Seed {
  const users = new Map(seed.users.map((u) => [u.id, u]));
  const user = (id: unknown) => (typeof id === 'string' ? userRef(users.get(id)) : null);
  return {
    ...seed,
    users: seed.users.map(userShape),
    alerts: seed.alerts.map((a) => alertShape({ ...a, assignee: a['assignee'] ?? user(a['assigneeId']) })),
    cases: seed.cases.map((c) =>
      caseShape({
        ...c,
        assignee: c['assignee'] ?? user(c['assigneeId']),
        createdBy: c['createdBy'] ?? user(c['createdById']),
        tasks: ((c['tasks'] as Record<string, unknown>[] | undefined) ?? []).map((task) => ({ ...task, assignee: task['assignee'] ?? user(task['assigneeId']) })),
      }),
    ),
  };
}

/**
 * The bytes of a seeded key's material derived from a shared secret and the key's name
 * (HMAC-SHA-256 blocks over a counter): every replica and every restart given the same
 * `--key-secret` mints the same material for the same name, and nothing of the secret shows in it.
 */
export function derivedSource(secret: string, name: string): ByteSource {
  let block = 0;
  let pending: number[] = [];
  return (length) => {
    while (pending.length < length) pending = pending.concat(Array.from(hmacSha256(secret, `casebender seeded key\u0000${name}\u0000${block++}`)));
    return Uint8Array.from(pending.splice(0, length));
  };
}

/**
 * Mints the seed's keys once; `applySeed` can then restore them any number of times. With
 * `keySecret`, each key's material is derived from it and the key's name (derivedSource).
 */
export function mintSeedKeys(seed: Seed, model: Model, now: number, keySecret?: string): SeededKey[] {
  const defaults = { tlp: model.policy.defaultTlpClearance, pap: model.policy.defaultPapClearance };
  return seed.keys.map((spec) => {
    const minted = mintKey(
      {
        name: spec.name,
        ...(spec.purpose !== undefined ? { description: spec.purpose } : {}),
        kind: spec.kind ?? 'modern',
        tier: spec.tier,
        scopes: spec.scopes,
        ...(spec.tlpClearance !== undefined ? { tlpClearance: spec.tlpClearance } : {}),
        ...(spec.papClearance !== undefined ? { papClearance: spec.papClearance } : {}),
        ...(spec.expiresIn !== undefined ? { expiresAt: now + spec.expiresIn } : {}),
        ...(spec.userId !== undefined ? { userId: spec.userId } : {}),
      },
      now,
      defaults,
      keySecret === undefined ? undefined : derivedSource(keySecret, spec.name),
    );
    const record: KeyRecord =
      spec.state === 'revoked' ? { ...minted.record, revokedAt: now } : spec.state === 'suspended' ? { ...minted.record, suspended: true } : minted.record;
    return { spec, record, material: minted.material };
  });
}

/** Empties the stores and puts the seed back: entities, and the keys exactly as minted. */
export async function applySeed(stores: Stores, seed: Seed, keys: readonly SeededKey[]): Promise<void> {
  if (stores.replaceAll !== undefined) {
    await stores.replaceAll(seedSnapshot(seed, keys));
    return;
  }
  await stores.clear();
  for (const collection of COLLECTIONS) {
    for (const entity of seed[collection]) await stores.entities.put(collection, entity);
  }
  for (const key of keys) await stores.keys.put(key.record);
}

/** The seed as one snapshot: entities by collection, then the keys as minted. */
export function seedSnapshot(seed: Seed, keys: readonly SeededKey[]): StoreSnapshot {
  return {
    keys: keys.map((k) => k.record),
    entities: COLLECTIONS.flatMap((collection) => seed[collection].map((entity) => ({ collection, entity }))),
  };
}

/**
 * Seeded keys restored from `--data`, with the material of each taken from `known` (e.g. the
 * profile written at the first start) only when it hashes to the stored record's hash.
 */
export function restoreSeedKeys(
  saved: readonly { readonly spec: SeedKeySpec; readonly record: KeyRecord }[],
  known: readonly { readonly id: string; readonly material: KeyMaterial }[] = [],
): SeededKey[] {
  return saved.map(({ spec, record }) => {
    const candidate = known.find((k) => k.id === record.id && k.material.kind === record.kind);
    const secret = candidate === undefined ? undefined : candidate.material.kind === 'modern' ? candidate.material.key : candidate.material.secret;
    const matches = secret !== undefined && (candidate!.material.kind === 'modern' || candidate!.material.accessKey === record.accessKey) && secretMatches(secret, record.hash);
    return matches ? { spec, record, material: candidate!.material } : { spec, record };
  });
}
