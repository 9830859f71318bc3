// From a credential and the key record it names to an identity or a 401 (contract: KEY, CRED, LEG).
import type { Credential } from './credentials.js';
import { unauthorized, type ProblemCode } from './problem.js';
import type { Failure, Identity, KeyRecord, KeyStatus, Result } from './types.js';

/**
 * A key's state at `now` (KEY-2, KEY-3, KEY-4). Revocation and suspension are states;
 * expiry is a moment, from which the key is expired.
 */
export function keyStatus(key: KeyRecord, now: number): KeyStatus {
  if (key.revokedAt !== undefined) return 'revoked';
  if (key.suspended) return 'suspended';
  if (key.expiresAt !== undefined && now >= key.expiresAt) return 'expired';
  return 'active';
}

const STATUS_FAILURE: Readonly<Record<Exclude<KeyStatus, 'active'>, [ProblemCode, string]>> = {
  revoked: ['revoked_key', 'The API key has been revoked.'],
  suspended: ['suspended_key', 'The API key is suspended.'],
  expired: ['expired_key', 'The API key has expired.'],
};

/**
 * Accepts or refuses a request's credential. `record` is what the key store found for the
 * credential (undefined: no such key, or a wrong secret — the two are not told apart, LEG-2).
 *
 * @example
 * authenticate({ kind: 'none' }, undefined, Date.now(), 'CaseBender') // 401 missing_credentials
 */
export function authenticate(credential: Credential, record: KeyRecord | undefined, now: number, realm: string): Result<Identity, Failure> {
  switch (credential.kind) {
    case 'none':
      return { ok: false, error: unauthorized('missing_credentials', 'No API key was presented.', realm, false) };
    case 'refused':
      return { ok: false, error: unauthorized(credential.code, credential.detail, realm, true) };
    default:
      break;
  }
  if (record === undefined || (credential.kind === 'legacy') !== (record.kind === 'legacy')) {
    const detail = credential.kind === 'legacy' ? 'The legacy access key and secret do not match a key.' : 'The API key is not valid.';
    return { ok: false, error: unauthorized('invalid_key', detail, realm, true) };
  }
  const status = keyStatus(record, now);
  if (status !== 'active') {
    const [code, detail] = STATUS_FAILURE[status];
    return { ok: false, error: unauthorized(code, detail, realm, true) };
  }
  return { ok: true, value: { key: record, method: credential.kind } };
}
