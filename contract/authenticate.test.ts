import { describe, expect, it } from 'vitest';
import { authenticate, keyStatus } from './authenticate.js';
import type { KeyRecord } from './types.js';

const NOW = Date.UTC(2026, 10, 27);
const REALM = 'CaseBender';
const key = (over: Partial<KeyRecord> = {}): KeyRecord => ({
  id: 'key_1',
  name: 'k',
  kind: 'modern',
  tier: 'basic',
  scopes: ['alerts:read'],
  tlpClearance: 4,
  papClearance: 4,
  suspended: false,
  createdAt: NOW - 1000,
  prefix: 'cbr_live_abcd…',
  hash: new Uint8Array(32),
  ...over,
});
const bearer = { kind: 'bearer', key: 'cbr_live_x' } as const;

describe('authenticate', () => {
  it('CRED-1: an active key gives an identity with its method', () => {
    expect(authenticate(bearer, key(), NOW, REALM)).toEqual({ ok: true, value: { key: key(), method: 'bearer' } });
  });

  it('CRED-3, ERR-2: no credential is 401 missing_credentials with a bare Bearer challenge', () => {
    expect(authenticate({ kind: 'none' }, undefined, NOW, REALM)).toEqual({
      ok: false,
      error: { status: 401, code: 'missing_credentials', detail: 'No API key was presented.', headers: { 'WWW-Authenticate': 'Bearer realm="CaseBender"' } },
    });
  });

  it('KEY-1, ERR-2: an unknown key is 401 invalid_key with error="invalid_token"', () => {
    const result = authenticate(bearer, undefined, NOW, REALM);
    expect(result).toMatchObject({ ok: false, error: { status: 401, code: 'invalid_key' } });
    expect(!result.ok && result.error.headers?.['WWW-Authenticate']).toBe(
      'Bearer realm="CaseBender", error="invalid_token", error_description="The API key is not valid."',
    );
  });

  it('KEY-2: a key works until the millisecond before expiry and is expired_key from that instant', () => {
    const k = key({ expiresAt: NOW });
    expect(authenticate(bearer, k, NOW - 1, REALM).ok).toBe(true);
    expect(authenticate(bearer, k, NOW, REALM)).toMatchObject({ ok: false, error: { status: 401, code: 'expired_key' } });
  });

  it('KEY-3: a revoked key is 401 revoked_key, whatever the clock says', () => {
    expect(authenticate(bearer, key({ revokedAt: NOW + 10_000 }), NOW, REALM)).toMatchObject({ ok: false, error: { status: 401, code: 'revoked_key' } });
  });

  it('KEY-4: a suspended key is 401 suspended_key; reinstated it works', () => {
    expect(authenticate(bearer, key({ suspended: true }), NOW, REALM)).toMatchObject({ ok: false, error: { code: 'suspended_key' } });
    expect(authenticate(bearer, key({ suspended: false }), NOW, REALM).ok).toBe(true);
  });

  it('KEY-5: revocation outranks suspension, which outranks expiry, in the reason given', () => {
    expect(keyStatus(key({ revokedAt: 1, suspended: true, expiresAt: 0 }), NOW)).toBe('revoked');
    expect(keyStatus(key({ suspended: true, expiresAt: 0 }), NOW)).toBe('suspended');
    expect(keyStatus(key({ expiresAt: 0 }), NOW)).toBe('expired');
  });

  it('LEG-2: a record of the other kind is no match (a legacy pair cannot name a modern key)', () => {
    expect(authenticate({ kind: 'legacy', accessKey: 'a', secret: 's' }, key(), NOW, REALM)).toMatchObject({ ok: false, error: { code: 'invalid_key' } });
  });

  it('LEG-4: a legacy pair goes through the same lifecycle', () => {
    const legacy = key({ kind: 'legacy', accessKey: 'cbak_1', suspended: true });
    expect(authenticate({ kind: 'legacy', accessKey: 'cbak_1', secret: 's' }, legacy, NOW, REALM)).toMatchObject({ ok: false, error: { code: 'suspended_key' } });
  });

  it('PREC-4, ERR-2: a refused credential keeps its code and gets error="invalid_token"', () => {
    const result = authenticate({ kind: 'refused', code: 'ambiguous_credentials', detail: 'twice' }, undefined, NOW, REALM);
    expect(result).toMatchObject({ ok: false, error: { status: 401, code: 'ambiguous_credentials' } });
    expect(!result.ok && result.error.headers?.['WWW-Authenticate']).toContain('error="invalid_token"');
  });
});
