// Failures as problem+json (contract: ERR-1, ERR-2, KEY-5, SCOPE-6): built here, in one place.
import type { Failure } from './types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'urn:casebender:problem:';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The RFC 9457 body of a failure. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: readonly { field: string; message: string }[];
}

/**
 * @example
 * problemBody({ status: 401, code: 'revoked_key', detail: 'The key was revoked.' }).type
 * // 'urn:casebender:problem:revoked_key'
 */
export function problemBody(failure: Failure): ProblemBody {
  const body: ProblemBody = {
    type: PROBLEM_TYPE_BASE + failure.code,
    title: TITLES[failure.status] ?? 'Error',
    status: failure.status,
    detail: failure.detail,
    code: failure.code,
  };
  if (failure.errors !== undefined) body.errors = failure.errors;
  return body;
}

/**
 * A 401 (ERR-2): the Bearer challenge with the realm, plus `error="invalid_token"`
 * when a credential was presented and refused — and none when there was no credential.
 */
export function unauthorized(code: string, detail: string, realm: string, presented: boolean): Failure {
  return { status: 401, code, detail, headers: { 'WWW-Authenticate': challenge(realm, presented ? detail : undefined) } };
}

/**
 * Challenges made so far, by realm, then by detail ('' for none): the same few 401s repeat, and a
 * challenge made anew is a concatenation that node:http's header check must flatten on every
 * answer (0.5 µs a 401 in a server profile); a kept one is flattened once. Bounded; past the bound
 * a challenge is made each time.
 */
const challenges = new Map<string, Map<string, string>>();
let cachedChallenges = 0;
const MAX_CACHED_CHALLENGES = 1_000;

/** The Bearer challenge of a 401: `error="invalid_token"` with the detail when a credential was refused. */
function challenge(realm: string, refusedWith: string | undefined): string {
  let byDetail = challenges.get(realm);
  if (byDetail === undefined) challenges.set(realm, (byDetail = new Map()));
  let text = byDetail.get(refusedWith ?? '');
  if (text === undefined) {
    text =
      refusedWith === undefined
        ? `Bearer realm="${realm}"`
        : `Bearer realm="${realm}", error="invalid_token", error_description="${refusedWith.replace(/["\\]/g, '')}"`;
    if (cachedChallenges < MAX_CACHED_CHALLENGES) {
      byDetail.set(refusedWith ?? '', text);
      cachedChallenges += 1;
    }
  }
  return text;
}

/** A 403 for a missing scope (SCOPE-1), with the RFC 6750 challenge for Bearer requests (SCOPE-6). */
export function insufficientScope(missing: readonly string[], realm: string, bearer: boolean): Failure {
  const detail = `This operation needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`;
  const failure: Failure = { status: 403, code: 'insufficient_scope', detail };
  if (!bearer) return failure;
  return {
    ...failure,
    headers: { 'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${missing.join(' ')}"` },
  };
}
