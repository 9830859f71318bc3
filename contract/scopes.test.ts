import { describe, expect, it } from 'vitest';
import { missingScopes } from './scopes.js';

const REF = { adminImpliesAll: true, writeImpliesRead: false };

describe('missingScopes', () => {
  it('SCOPE-1: a key without the operation scope misses it', () => {
    expect(missingScopes(['cases:read'], ['alerts:read'], REF)).toEqual(['alerts:read']);
  });

  it('SCOPE-1: create-case needs alerts:write and cases:write, both', () => {
    expect(missingScopes(['cases:write'], ['alerts:write', 'cases:write'], REF)).toEqual(['alerts:write']);
    expect(missingScopes(['alerts:write', 'cases:write'], ['alerts:write', 'cases:write'], REF)).toEqual([]);
  });

  it('SCOPE-2: admin:* grants the administrative operations', () => {
    expect(missingScopes(['admin:*'], ['admin:*'], { adminImpliesAll: false, writeImpliesRead: false })).toEqual([]);
  });

  it('SCOPE-2 (REF): admin:* grants every operation under the reference policy, and only then', () => {
    expect(missingScopes(['admin:*'], ['alerts:write', 'cases:write'], REF)).toEqual([]);
    expect(missingScopes(['admin:*'], ['alerts:read'], { adminImpliesAll: false, writeImpliesRead: false })).toEqual(['alerts:read']);
  });

  it('SCOPE-3: write does not imply read under the reference policy; a profile may say it does', () => {
    expect(missingScopes(['alerts:write'], ['alerts:read'], REF)).toEqual(['alerts:read']);
    expect(missingScopes(['alerts:write'], ['alerts:read'], { adminImpliesAll: true, writeImpliesRead: true })).toEqual([]);
  });

  it.each([['Alerts:Read'], ['alerts:*'], ['alerts'], ['admin'], [' alerts:read'], ['alerts:read ']])('SCOPE-4: %j grants nothing', (scope) => {
    expect(missingScopes([scope], ['alerts:read'], REF)).toEqual(['alerts:read']);
  });

  it('SCOPE-4: a key with no scopes can do nothing', () => {
    expect(missingScopes([], ['users:read'], REF)).toEqual(['users:read']);
  });
});
