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

/** The problem+json answer of a failure: the one place failures become HTTP (ERR-1). */
export function failureAnswer(failure: Failure): Answer {
  return {
    status: failure.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...failure.headers },
    body: JSON.stringify(problemBody(failure)),
  };
}
