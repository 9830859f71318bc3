// What the core answers: status, headers and an already-serialised body. Adapters only write it.
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';
import type { Failure } from './types.js';
import { utf8Bytes } from './platform/node.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /**
   * The body as the core keeps it for answers it gives again and again (an entity read, a
   * repeated refusal), so that an adapter can send its bytes without encoding the text each
   * time. It stands for the body only while `encoded.text` is `body`: a changed body (a fault's
   * rewrite) leaves it behind, and an adapter then sends `body`.
   */
  encoded?: EncodedBody;
}

/** A body text kept with its UTF-8 bytes, made when first asked for (bodyBytes). */
export interface EncodedBody {
  readonly text: string;
  bytes?: Uint8Array;
}

/** The UTF-8 bytes of a kept body, encoded once. */
export function bodyBytes(encoded: EncodedBody): Uint8Array {
  return (encoded.bytes ??= utf8Bytes(encoded.text));
}

export const JSON_CONTENT_TYPE = 'application/json';

const serialised = new WeakMap<object, EncodedBody>();

/** JSON of an immutable value, serialised once (entities are replaced, never mutated). */
export function jsonOf(value: object): string {
  return encodedJsonOf(value).text;
}

/**
 * The JSON of each item, comma-joined, for a list. An item JSON cannot express (nested past the
 * stack, a cycle: not from the API, whose bodies are depth-limited, but a seed file or a store
 * written by other means could hold one) is left out with a logged error, so that it never turns
 * the whole list into a 500 for everyone who may see it.
 */
export function jsonItems(items: readonly object[]): string {
  let out = '';
  for (const item of items) {
    let text: string;
    try {
      text = jsonOf(item);
    } catch (error) {
      const id = (item as { id?: unknown }).id;
      console.error(`casebender mock: left an entity out of a list: it cannot be written as JSON (${error instanceof Error ? error.message : String(error)}); id ${typeof id === 'string' || typeof id === 'number' ? JSON.stringify(id) : 'unknown'}`);
      continue;
    }
    out += out === '' ? text : ',' + text;
  }
  return out;
}

function encodedJsonOf(value: object): EncodedBody {
  let encoded = serialised.get(value);
  if (encoded === undefined) serialised.set(value, (encoded = { text: JSON.stringify(value) }));
  return encoded;
}

export function jsonAnswer(status: number, body: object | string): Answer {
  if (typeof body === 'string') return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
  const encoded = encodedJsonOf(body);
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: encoded.text, encoded };
}

export function emptyAnswer(status: number): Answer {
  return { status, headers: {} };
}

/** Kept problem bodies by status, code and detail: nested, so a lookup builds no key string. */
const problemTexts = new Map<number, Map<string, Map<string, EncodedBody>>>();
let cachedProblems = 0;
const MAX_CACHED_PROBLEMS = 1_000;

/** The problem+json answer of a failure: the one place failures become HTTP (ERR-1). */
export function failureAnswer(failure: Failure): Answer {
  const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE };
  if (failure.headers !== undefined) for (const name in failure.headers) headers[name] = failure.headers[name]!;
  if (failure.errors !== undefined) return { status: failure.status, headers, body: JSON.stringify(problemBody(failure)) };
  const encoded = problemText(failure);
  return { status: failure.status, headers, body: encoded.text, encoded };
}

/** Failures repeat (the same 401s and 429s over and over): their text is made once. */
function problemText(failure: Failure): EncodedBody {
  let byCode = problemTexts.get(failure.status);
  if (byCode === undefined) problemTexts.set(failure.status, (byCode = new Map()));
  let byDetail = byCode.get(failure.code);
  if (byDetail === undefined) byCode.set(failure.code, (byDetail = new Map()));
  let encoded = byDetail.get(failure.detail);
  if (encoded === undefined) {
    encoded = { text: JSON.stringify(problemBody(failure)) };
    if (cachedProblems < MAX_CACHED_PROBLEMS) {
      byDetail.set(failure.detail, encoded);
      cachedProblems += 1;
    }
  }
  return encoded;
}
