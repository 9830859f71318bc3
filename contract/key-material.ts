// Key material: generation, hashing and constant-time comparison (contract: KEY, CRED-6).
// Stores keep only the SHA-256 of a key or secret; the material is shown once, at creation.
import { randomBytes, sha256, sha256Latin1 } from './platform/node.js';
import { MODERN_KEY_PREFIX } from './credentials.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Characters of a modern key after its prefix: an 8-character lookup id, then 32 of secret. */
export const MODERN_KEY_BODY_LENGTH = 40;
export const LOOKUP_ID_LENGTH = 8;
export const LEGACY_ACCESS_KEY_PREFIX = 'cbak_';
/** Key ids: `key_` + the lookup id of a modern key, or + random text for a legacy pair. */
export const KEY_ID_PREFIX = 'key_';

/** Where key material's bytes come from: random by default, or a stream derived from a shared secret (`--key-secret`). */
export type ByteSource = (length: number) => Uint8Array;

/** Random base62 text, without modulo bias; from `source`'s bytes when given. */
export function randomBase62(length: number, source: ByteSource = randomBytes): string {
  let out = '';
  while (out.length < length) {
    for (const byte of source(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** SHA-256 of a key or secret; the only form in which a store keeps them. */
export const hashSecret: (secret: string) => Uint8Array = sha256;

/**
 * Whether a presented key or secret hashes to the 32 bytes of `digests` from `at`: what a lookup
 * asks, in constant time — every byte is compared, whatever differs first. `at` serves the compact
 * key store's one array of digests, read in place.
 */
export function secretMatchesAt(secret: string, digests: Uint8Array, at: number): boolean {
  if (!(at >= 0 && at + 32 <= digests.length)) return false;
  const presented = sha256Latin1(secret);
  let difference = 0;
  for (let i = 0; i < 32; i++) difference |= presented.charCodeAt(i) ^ digests[at + i]!;
  return difference === 0;
}

/** Whether a presented key or secret hashes to a stored digest (32 bytes), in constant time. */
export function secretMatches(secret: string, digest: Uint8Array): boolean {
  return digest.length === 32 && secretMatchesAt(secret, digest, 0);
}

/** Random base62 text of `length` characters: tokens and generated names. */
export const randomToken = (length: number): string => randomBase62(length);

/** A new modern key: `cbr_live_` + 40 base62 characters. */
export function generateModernKey(source?: ByteSource): string {
  return MODERN_KEY_PREFIX + randomBase62(MODERN_KEY_BODY_LENGTH, source);
}

/**
 * The lookup id inside a modern key, or undefined when the text cannot be one of ours.
 * The id only finds the record; the whole key is then checked against its hash.
 */
export function modernLookupId(key: string): string | undefined {
  if (key.length !== MODERN_KEY_PREFIX.length + MODERN_KEY_BODY_LENGTH || !key.startsWith(MODERN_KEY_PREFIX)) return undefined;
  return key.slice(MODERN_KEY_PREFIX.length, MODERN_KEY_PREFIX.length + LOOKUP_ID_LENGTH);
}

/** A new legacy pair: a public access key and a secret. */
export function generateLegacyPair(source?: ByteSource): { accessKey: string; secret: string } {
  return { accessKey: LEGACY_ACCESS_KEY_PREFIX + randomBase62(20, source), secret: randomBase62(40, source) };
}

/** A display prefix that identifies a key to a person without revealing it. */
export function displayPrefix(material: string): string {
  return material.slice(0, MODERN_KEY_PREFIX.length + 4) + '…';
}
