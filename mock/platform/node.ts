// What the mock needs from its platform, in Node: SHA-256, random bytes, constant-time equality
// (node:crypto) and the package's fixtures on disk. Browser bundles get ./browser.ts instead
// (package.json "browser" maps dist/mock/platform/node.js to browser.js); nothing else in mock/
// imports a Node built-in on the way from the MSW handlers to the core.
import { hash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** SHA-256 of text (UTF-8); one-shot (Node 20.12+), no Hash object per request. */
export const sha256 = (text: string): Uint8Array => hash('sha256', text, 'buffer');

export const randomBytes = (length: number): Uint8Array => nodeRandomBytes(length);

/** Zeroed bytes, and a copy of bytes: Buffers in Node (what node:crypto gives), plain arrays in a browser. */
export const allocBytes = (length: number): Uint8Array => Buffer.alloc(length);
export const copyBytes = (bytes: Uint8Array): Uint8Array => Buffer.from(bytes);

/** The UTF-8 bytes of a text: a Buffer, which a socket writes as it is (a plain Uint8Array is wrapped on every write). */
export const utf8Bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Where secretMatches puts a presented secret's digest: written and compared synchronously, never kept. */
const scratch = Buffer.alloc(32);

/**
 * Whether SHA-256 of `text` equals `digest`, compared in constant time. The same as
 * comparing sha256(text) with timingSafeEqual, about half a microsecond sooner: a digest as a 32-character
 * latin1 ('binary') string costs a third of one as a new Buffer (measured, Node 20).
 */
export const secretMatches = (text: string, digest: Uint8Array): boolean => {
  if (digest.length !== 32) return false;
  scratch.write(hash('sha256', text, 'binary'), 0, 32, 'latin1');
  return timingSafeEqual(scratch, digest);
};

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** The absolute path of a file in the package's fixtures/ (from mock/platform/ or dist/mock/platform/). */
export const fixturePath = (name: string): string => fileURLToPath(new URL(name, FIXTURES));

/** The text of a file in the package's fixtures/. */
export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

/** The text of a file the user names (a seed file). */
export const readTextFile = (path: string): string => readFileSync(path, 'utf8');
