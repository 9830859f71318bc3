// Creating a key: material shown once, a record that keeps only its hash (contract: KEY; the
// mock's control API and POST /api-keys both mint keys here).
import { displayPrefix, generateLegacyPair, generateModernKey, hashSecret, KEY_ID_PREFIX, modernLookupId, randomBase62, type ByteSource } from './key-material.js';
import type { KeyKind, KeyRecord } from './types.js';

export interface KeySpec {
  readonly name: string;
  readonly description?: string;
  readonly kind?: KeyKind;
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance?: number;
  readonly papClearance?: number;
  readonly expiresAt?: number;
  readonly userId?: string;
}

/** The material of a new key, to be shown once. */
export type KeyMaterial = { readonly kind: 'modern'; readonly key: string } | { readonly kind: 'legacy'; readonly accessKey: string; readonly secret: string };

export interface MintedKey {
  readonly record: KeyRecord;
  readonly material: KeyMaterial;
}

/**
 * @example
 * const { record, material } = mintKey({ name: 'ci', tier: 'basic', scopes: ['alerts:read'] }, Date.now(), { tlp: 4, pap: 4 });
 * material.kind === 'modern' && material.key.startsWith('cbr_live_') // true
 */
export function mintKey(spec: KeySpec, now: number, defaults: { tlp: number; pap: number }, source?: ByteSource): MintedKey {
  const base = {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    tier: spec.tier,
    scopes: [...spec.scopes],
    tlpClearance: spec.tlpClearance ?? defaults.tlp,
    papClearance: spec.papClearance ?? defaults.pap,
    ...(spec.expiresAt !== undefined ? { expiresAt: spec.expiresAt } : {}),
    ...(spec.userId !== undefined ? { userId: spec.userId } : {}),
    suspended: false,
    createdAt: now,
  };
  if (spec.kind === 'legacy') {
    const { accessKey, secret } = generateLegacyPair(source);
    const record: KeyRecord = { ...base, id: KEY_ID_PREFIX + randomBase62(12, source), kind: 'legacy', accessKey, prefix: accessKey, hash: hashSecret(secret) };
    return { record, material: { kind: 'legacy', accessKey, secret } };
  }
  const key = generateModernKey(source);
  // The record's id is the lookup id inside the key: the store finds the record from the key.
  const id = KEY_ID_PREFIX + modernLookupId(key)!;
  const record: KeyRecord = { ...base, id, kind: 'modern', prefix: displayPrefix(key), hash: hashSecret(key) };
  return { record, material: { kind: 'modern', key } };
}
