// What the core answers: status, headers and an already-serialised body. Adapters only write it.
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';
import type { Failure } from './types.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export const JSON_CONTENT_TYPE = 'application/json';

const serialised = new WeakMap<object, string>();

/** JSON of an immutable value, serialised once (entities are replaced, never mutated). */
export function jsonOf(value: object): string {
  let text = serialised.get(value);
  if (text === undefined) serialised.set(value, (text = JSON.stringify(value)));
  return text;
}

export function jsonAnswer(status: number, body: object | string): Answer {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: typeof body === 'string' ? body : jsonOf(body) };
}

export function emptyAnswer(status: number): Answer {
  return { status, headers: {} };
}

const problemTexts = new Map<string, string>();
const MAX_CACHED_PROBLEMS = 1_000;

/** The problem+json answer of a failure: the one place failures become HTTP (ERR-1). */
export function failureAnswer(failure: Failure): Answer {
  const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE };
  if (failure.headers !== undefined) for (const name in failure.headers) headers[name] = failure.headers[name]!;
  return { status: failure.status, headers, body: problemText(failure) };
}

/** Failures repeat (the same 401s and 429s over and over): their text is made once. */
function problemText(failure: Failure): string {
  if (failure.errors !== undefined) return JSON.stringify(problemBody(failure));
  const key = `${failure.status} ${failure.code} ${failure.detail}`;
  let text = problemTexts.get(key);
  if (text === undefined) {
    text = JSON.stringify(problemBody(failure));
    if (problemTexts.size < MAX_CACHED_PROBLEMS) problemTexts.set(key, text);
  }
  return text;
}
