// The mock's platform in a browser bundle (msw setupWorker): SHA-256 from @noble/hashes (Web
// Crypto's digest is asynchronous, the stores' lookup is not), random bytes and fixtures without
// Node. Bundlers take this module for ./node.ts through package.json "browser"; the fixture texts
// are embedded by the build (scripts/build.mjs writes fixture-texts.js beside it).
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { FIXTURE_TEXTS } from './fixture-texts.js';

const encoder = new TextEncoder();

export const sha256 = (text: string): Uint8Array => nobleSha256(encoder.encode(text));

export const randomBytes = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

export const allocBytes = (length: number): Uint8Array => new Uint8Array(length);
export const copyBytes = (bytes: Uint8Array): Uint8Array => bytes.slice();

/** The UTF-8 bytes of a text. */
export const utf8Bytes = (text: string): Uint8Array => encoder.encode(text);

/** Constant-time equality of two digests: every byte is compared, whatever differs first. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Whether SHA-256 of `text` equals `digest`, compared in constant time. */
export const secretMatches = (text: string, digest: Uint8Array): boolean => digestsEqual(sha256(text), digest);

/** Fixtures have no path in a browser: their texts are embedded. */
export const fixturePath = (name: string): string => name;

export function readFixture(name: string): string {
  const text = FIXTURE_TEXTS[name];
  if (text === undefined) throw new Error(`the fixture ${name} is not embedded in the browser build`);
  return text;
}

export function readTextFile(path: string): never {
  throw new Error(`cannot read ${path} in a browser: the browser build uses the package's own seed`);
}
