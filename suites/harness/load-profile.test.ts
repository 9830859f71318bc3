import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../../mock/test-support/temp-dir.js';
import { activeKeys } from './keyring.js';
import { loadProfile, ProfileError, resolveProfile } from './load-profile.js';

const KEY = 'cbr_live_' + 'k'.repeat(40);
const base = { target: { baseUrl: 'http://127.0.0.1:4010/api/v1' }, keys: [{ name: 'a', kind: 'modern', key: KEY, tier: 'basic', scopes: ['alerts:read'] }] };

describe('loadProfile', () => {
  it('accepts the example profile of the README once its variables are set', () => {
    const env = { CB_KEY_READ_WRITE: KEY, CB_KEY_READ_ONLY: KEY + '1', CB_KEY_ADMIN: KEY + '2', CB_KEY_NO_SCOPE: KEY + '3', CB_KEY_TLP_GREEN: KEY + '4', CB_KEY_REVOKED: KEY + '5', CB_LEGACY_SECRET: 's'.repeat(40) };
    const profile = loadProfile('examples/profile.example.json', env);
    expect(profile.keys.find((k) => k.name === 'ci-legacy')).toMatchObject({ kind: 'legacy', secret: 's'.repeat(40) });
  });

  it('resolves a key named by an environment variable', () => {
    const profile = resolveProfile({ ...base, keys: [{ name: 'a', kind: 'modern', keyEnv: 'MY_KEY', tier: 'basic', scopes: [] }] }, 'p.json', { MY_KEY: KEY });
    expect(profile.keys[0]).toMatchObject({ key: KEY });
  });

  it('names the variable that is not set', () => {
    expect(() => resolveProfile({ ...base, keys: [{ name: 'a', kind: 'modern', keyEnv: 'MY_KEY', tier: 'basic', scopes: [] }] }, 'p.json', {})).toThrow(
      'profile p.json: keys[0].keyEnv: the environment variable MY_KEY is not set',
    );
  });

  it.each([
    [{ ...base, target: { baseUrl: 'ftp://x' } }, 'target.baseUrl: must match pattern "^https?://"'],
    [{ ...base, keys: [{ name: 'a', kind: 'modern', tier: 'basic', scopes: [] }] }, 'keys[0]: needs one of key, keyEnv'],
    [{ ...base, keys: [{ ...base.keys[0], tlpClearance: 9 }] }, 'keys[0].tlpClearance: must be <= 4'],
    [{ ...base, keys: [{ ...base.keys[0], state: 'gone' }] }, 'keys[0].state: must be equal to one of the allowed values'],
    [{ ...base, extra: true }, 'extra: is not a known field'],
    [{ keys: [] }, 'target: is required'],
  ])('names the field at fault: %#', (value, line) => {
    expect(() => resolveProfile(value, 'p.json', {})).toThrow(line);
  });

  it('refuses two keys with one name', () => {
    expect(() => resolveProfile({ ...base, keys: [base.keys[0], base.keys[0]] }, 'p.json', {})).toThrow('keys[1].name "a" is used twice');
  });

  it('says so when the file is missing or not JSON', () => {
    expect(() => loadProfile('/nonexistent/profile.json')).toThrow('cannot read the profile /nonexistent/profile.json: no such file');
    const dir = tempDir('cb-profile-', onTestFinished);
    writeFileSync(join(dir, 'p.json'), '{ nope');
    expect(() => loadProfile(join(dir, 'p.json'))).toThrow(ProfileError);
  });
});

describe('activeKeys: the roomiest tier first (functional checks rarely meet a 429)', () => {
  const key = (name: string, tier: string) => ({ name, kind: 'modern', key: `${KEY}${name}`, tier, scopes: ['alerts:read'] });
  const keys = [key('b', 'basic'), key('e', 'enterprise'), key('u', 'unlimited'), key('s', 'standard')];

  it('orders by CaseBender’s documented tiers when the profile gives no tier table (as a deployment’s rarely does)', () => {
    const profile = resolveProfile({ ...base, keys }, 'p.json', {});
    expect(activeKeys(profile).map((k) => k.name)).toEqual(['u', 'e', 's', 'b']);
  });

  it('follows the profile’s own tier table where it gives one', () => {
    const profile = resolveProfile({ ...base, keys, tiers: { basic: null } }, 'p.json', {});
    expect(activeKeys(profile).map((k) => k.name).slice(0, 2)).toEqual(['b', 'u']);
  });
});
