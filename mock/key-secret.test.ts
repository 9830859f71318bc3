// --key-secret (#19): the seeded keys' material derived from a shared secret and each key's name,
// so that every replica and every restart writes the same profile; without it, random as before.
import { describe, expect, it } from 'vitest';
import { createMockApp } from './app.js';
import { parseMockArgs, UsageError } from './cli.js';
import { secretMatches } from '../contract/key-material.js';
import { referenceModel } from '../contract/model.js';
import { loadSeed, mintSeedKeys } from '../contract/seed.js';

const model = referenceModel();
const seed = loadSeed(undefined, model);
const materials = (keys: ReturnType<typeof mintSeedKeys>) => keys.map((k) => JSON.stringify(k.material));

describe('seeded keys from a key secret', () => {
  it('the same secret gives the same material and ids at any time, modern and legacy; another secret or none gives others', () => {
    const a = mintSeedKeys(seed, model, 1_000, 'a shared secret of some length');
    const b = mintSeedKeys(seed, model, 9_999_999, 'a shared secret of some length');
    expect(materials(b)).toEqual(materials(a));
    expect(b.map((k) => k.record.id)).toEqual(a.map((k) => k.record.id));
    expect(a.some((k) => k.material?.kind === 'legacy')).toBe(true);
    for (const k of a) expect(secretMatches(k.material!.kind === 'modern' ? k.material!.key : k.material!.secret, k.record.hash)).toBe(true);
    const other = mintSeedKeys(seed, model, 1_000, 'another shared secret, also long');
    expect(materials(other).filter((m, i) => m === materials(a)[i])).toEqual([]);
    expect(materials(mintSeedKeys(seed, model, 1_000))).not.toEqual(materials(mintSeedKeys(seed, model, 1_000)));
    // Every key its own material, and the keys keep their formats.
    expect(new Set(materials(a)).size).toBe(a.length);
    for (const k of a) if (k.material?.kind === 'modern') expect(k.material.key).toMatch(/^cbr_live_[0-9A-Za-z]{40}$/);
  });

  it('two mocks on memory stores given the same secret write the same keys into their profiles (times aside: an expiring key expires after its own start)', async () => {
    const one = await createMockApp({ keySecret: 'a shared secret of some length' });
    const two = await createMockApp({ keySecret: 'a shared secret of some length' });
    const material = (p: ReturnType<typeof one.profile>) => p.keys.map(({ name, id, key, accessKey, secret }) => ({ name, id, key, accessKey, secret }));
    expect(material(two.profile('http://b/api/v1'))).toEqual(material(one.profile('http://a/api/v1')));
  });

  it('--key-secret and CASEBENDER_KEY_SECRET: at least 16 characters, not with --data; the flag wins over the variable', () => {
    expect(parseMockArgs(['--key-secret', 'sixteen-chars-ok']).keySecret).toBe('sixteen-chars-ok');
    expect(parseMockArgs([], { CASEBENDER_KEY_SECRET: 'from-the-environment' }).keySecret).toBe('from-the-environment');
    expect(parseMockArgs(['--key-secret', 'the-flag-is-taken'], { CASEBENDER_KEY_SECRET: 'from-the-environment' }).keySecret).toBe('the-flag-is-taken');
    expect(parseMockArgs([], {}).keySecret).toBeUndefined();
    expect(() => parseMockArgs(['--key-secret', 'short'])).toThrow(new UsageError('--key-secret must be at least 16 characters'));
    expect(() => parseMockArgs([], { CASEBENDER_KEY_SECRET: 'short' })).toThrow(new UsageError('CASEBENDER_KEY_SECRET must be at least 16 characters'));
    expect(() => parseMockArgs(['--key-secret', 'sixteen-chars-ok', '--data', '/tmp/x'])).toThrow(/--key-secret and --data/);
  });
});
