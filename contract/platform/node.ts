// What the mock needs from its platform, in Node: SHA-256 and random bytes (node:crypto) and the
// package's fixtures on disk. Browser bundles get ./browser.ts instead (package.json "browser"
// maps dist/contract/platform/node.js to browser.js); nothing else in contract/ or mock/ imports a Node built-in on
// the way from the MSW handlers to the core.
import { createHmac, hash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** SHA-256 of text (UTF-8); one-shot (Node 20.12+), no Hash object per request. */
export const sha256 = (text: string): Uint8Array => hash('sha256', text, 'buffer');

export const randomBytes = (length: number): Uint8Array => nodeRandomBytes(length);

/** HMAC-SHA-256 of a message (UTF-8) under a key (UTF-8): material derived from a shared secret. */
export const hmacSha256 = (key: string, message: string): Uint8Array => createHmac('sha256', key).update(message, 'utf8').digest();

/** Zeroed bytes, and a copy of bytes: Buffers in Node (what node:crypto gives), plain arrays in a browser. */
export const allocBytes = (length: number): Uint8Array => Buffer.alloc(length);
export const copyBytes = (bytes: Uint8Array): Uint8Array => Buffer.from(bytes);

/** The UTF-8 bytes of a text: a Buffer, which a socket writes as it is (a plain Uint8Array is wrapped on every write). */
export const utf8Bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/**
 * SHA-256 of text (UTF-8) as a 32-character latin1 ('binary') string: what the key check compares
 * in JavaScript (core/key-material.ts). A string costs a third of a new Buffer, and comparing it
 * in JavaScript saves the two native calls of copying it into a Buffer for timingSafeEqual
 * (measured, Node 20: 0.55 vs 0.80 µs a check).
 */
export const sha256Latin1 = (text: string): string => hash('sha256', text, 'binary');

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** The absolute path of a file in the package's fixtures/ (from contract/platform/ or dist/contract/platform/). */
export const fixturePath = (name: string): string => fileURLToPath(new URL(name, FIXTURES));

/** The text of a file in the package's fixtures/. */
export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

/** The text of a file the user names (a seed file). */
export const readTextFile = (path: string): string => readFileSync(path, 'utf8');
