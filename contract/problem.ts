// Failures as problem+json (contract: ERR-1, ERR-2, KEY-5, SCOPE-6): built here, in one place.
import { boundedMemo } from './bounded-memo.js';
import type { Failure } from './types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'urn:casebender:problem:';

/**
 * Every problem code an answer may carry (the `code` member and the end of `type`), a closed set:
 * a code written anywhere else fails to compile. 401s: missing/malformed/ambiguous credentials,
 * unknown, expired, revoked, suspended keys; 403s: scope and clearance; the rest are the API's and
 * the mock's own (control API, store, transport limits).
 */
export const PROBLEM_CODES = [
  'missing_credentials', 'malformed_credentials', 'ambiguous_credentials', 'invalid_key', 'expired_key', 'revoked_key', 'suspended_key',
  'insufficient_scope', 'tlp_restricted', 'pap_restricted',
  'rate_limited',
  'not_found', 'method_not_allowed', 'bad_request', 'invalid_body', 'invalid_json', 'invalid_query', 'unsupported_media_type',
  'body_too_large', 'body_too_deep', 'headers_too_large', 'request_timeout', 'key_revoked',
  'control_token_required', 'clock_not_virtual', 'invalid_control_request',
  'store_unavailable', 'internal_error',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** RFC 9110 reason phrases: a problem's `title` for each status. */
export const PROBLEM_TITLES: Readonly<Record<number, string>> = {
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
  code: ProblemCode;
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
    title: PROBLEM_TITLES[failure.status] ?? 'Error',
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
export function unauthorized(code: ProblemCode, detail: string, realm: string, presented: boolean): Failure {
  return { status: 401, code, detail, headers: { 'WWW-Authenticate': challenge(realm, presented ? detail : '') } };
}

/** Texts kept at most, per memo (bounded-memo.ts); the realms, details and scope sets are few. */
const MAX_KEPT = 1_000;

/**
 * The Bearer challenge of a 401, by realm and the detail of a refused credential ('' for none):
 * `error="invalid_token"` with the detail when a credential was refused. Kept: a challenge made
 * anew per 401 cost 0.5 µs of node:http's header check in a server profile.
 */
const challenge = boundedMemo(MAX_KEPT, (realm: string, refusedWith: string): string =>
  refusedWith === ''
    ? `Bearer realm="${realm}"`
    : `Bearer realm="${realm}", error="invalid_token", error_description="${refusedWith.replace(/["\\]/g, '')}"`,
);

/**
 * A 403 for a missing scope (SCOPE-1), with the RFC 6750 challenge for Bearer requests (SCOPE-6).
 * Scopes are tokens (no spaces), so the space-separated list of the challenge names the set.
 */
export function insufficientScope(missing: readonly string[], realm: string, bearer: boolean): Failure {
  const failures = scopeFailures(realm, missing.join(' '));
  return bearer ? failures.bearer : failures.other;
}

/** Both 403s of a realm and a set of missing scopes (space-separated), made once. */
const scopeFailures = boundedMemo(MAX_KEPT, (realm: string, scopes: string): { readonly bearer: Failure; readonly other: Failure } => {
  const missing = scopes.split(' ');
  const other: Failure = { status: 403, code: 'insufficient_scope', detail: `This operation needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.` };
  return { other, bearer: { ...other, headers: { 'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${scopes}"` } } };
});
