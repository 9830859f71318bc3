// The mock's platform in a browser bundle (msw setupWorker): SHA-256 from @noble/hashes (Web
// Crypto's digest is asynchronous, the stores' lookup is not), random bytes and fixtures without
// Node. Bundlers take this module for ./node.ts through package.json "browser"; the fixture texts
// are embedded by the build (scripts/build.mjs writes fixture-texts.js beside it).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { FIXTURE_TEXTS } from './fixture-texts.js';

const encoder = new TextEncoder();

export const sha256 = (text: string): Uint8Array => nobleSha256(encoder.encode(text));

export const randomBytes = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

/** HMAC-SHA-256 of a message under a key (both UTF-8), as ./node.ts gives it. */
export const hmacSha256 = (key: string, message: string): Uint8Array => hmac(nobleSha256, encoder.encode(key), encoder.encode(message));

export const allocBytes = (length: number): Uint8Array => new Uint8Array(length);
export const copyBytes = (bytes: Uint8Array): Uint8Array => bytes.slice();

/** The UTF-8 bytes of a text. */
export const utf8Bytes = (text: string): Uint8Array => encoder.encode(text);

/** SHA-256 of text (UTF-8) as a 32-character latin1 string, as ./node.ts gives it. */
export const sha256Latin1 = (text: string): string => String.fromCharCode(...sha256(text));

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
