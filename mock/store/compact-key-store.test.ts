// The compact key store against the plain model of a key store (two Maps of whole records): any
// sequence of puts gives back the same records by id, by material and in the same order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mintKey, type KeyMaterial } from '../../contract/mint-key.js';
import type { KeyRecord } from '../../contract/types.js';
import { propertyOptions } from '../test-support/property-options.js';
import { CompactKeyStore } from './compact-key-store.js';

const NOW = Date.UTC(2026, 10, 27);

/** A minted key with arbitrary metadata: kind, tier, scopes, clearances, times, user, description. */
const mintedKey = fc
  .record({
    kind: fc.constantFrom('modern' as const, 'legacy' as const),
    tier: fc.constantFrom('basic', 'standard', 'unlimited'),
    scopes: fc.subarray(['alerts:read', 'alerts:write', 'cases:read', 'admin:*']),
    tlp: fc.integer({ min: 0, max: 4 }),
    pap: fc.integer({ min: 0, max: 4 }),
    expiresIn: fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: undefined }),
    userId: fc.option(fc.constantFrom('user_a', 'user_b'), { nil: undefined }),
    description: fc.option(fc.string(), { nil: undefined }),
    name: fc.string({ minLength: 1, maxLength: 12 }),
  })
  .map((s) =>
    mintKey(
      {
        name: s.name,
        kind: s.kind,
        tier: s.tier,
        scopes: s.scopes,
        tlpClearance: s.tlp,
        papClearance: s.pap,
        ...(s.expiresIn !== undefined ? { expiresAt: NOW + s.expiresIn } : {}),
        ...(s.userId !== undefined ? { userId: s.userId } : {}),
        ...(s.description !== undefined ? { description: s.description } : {}),
      },
      NOW,
      { tlp: 4, pap: 4 },
    ),
  );

/** A later version of a record: revoked, suspended or reinstated, as the lifecycle changes it. */
const change = fc.constantFrom<(r: KeyRecord) => KeyRecord>(
  (r) => ({ ...r, revokedAt: NOW + 5 }),
  (r) => ({ ...r, suspended: true }),
  (r) => ({ ...r, suspended: false }),
  (r) => ({ ...r, name: `${r.name}!` }),
);

const find = (store: CompactKeyStore, m: KeyMaterial) => (m.kind === 'modern' ? store.findModern(m.key) : store.findLegacy(m.accessKey, m.secret));

describe('the compact key store', () => {
  it('answers get, list, findModern and findLegacy as the plain model does after any puts and changes', () => {
    fc.assert(
      fc.property(fc.array(mintedKey, { minLength: 1, maxLength: 80 }), fc.array(fc.tuple(fc.nat(), change), { maxLength: 40 }), (minted, changes) => {
        const store = new CompactKeyStore();
        const model = new Map<string, KeyRecord>();
        for (const { record } of minted) {
          store.put(record);
          model.set(record.id, record);
        }
        for (const [i, f] of changes) {
          const next = f(model.get(minted[i % minted.length]!.record.id)!);
          store.put(next);
          model.set(next.id, next);
        }
        expect(store.list()).toEqual([...model.values()]);
        for (const { record, material } of minted) {
          expect(store.get(record.id)).toEqual(model.get(record.id));
          expect(find(store, material)).toEqual(model.get(record.id));
        }
      }),
      propertyOptions(100),
    );
  });

  it('finds nothing for a key one character off, for the wrong kind, or for an unknown id', () => {
    const store = new CompactKeyStore();
    const modern = mintKey({ name: 'm', tier: 'basic', scopes: [] }, NOW, { tlp: 4, pap: 4 });
    const legacy = mintKey({ name: 'l', kind: 'legacy', tier: 'basic', scopes: [] }, NOW, { tlp: 4, pap: 4 });
    store.put(modern.record);
    store.put(legacy.record);
    if (modern.material.kind !== 'modern' || legacy.material.kind !== 'legacy') throw new Error('unexpected kinds');
    const key = modern.material.key;
    expect(store.findModern(key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a'))).toBeUndefined();
    expect(store.findLegacy(legacy.material.accessKey, legacy.material.secret + 'x')).toBeUndefined();
    expect(store.findLegacy(modern.record.id.slice(4), key)).toBeUndefined();
    expect(store.get('key_nothing1')).toBeUndefined();
    expect(store.get(legacy.record.accessKey!)).toBeUndefined();
  });

  it('keeps records it rebuilt unchanged when the key is put again', () => {
    const store = new CompactKeyStore();
    const { record } = mintKey({ name: 'm', tier: 'basic', scopes: ['alerts:read'] }, NOW, { tlp: 4, pap: 4 });
    store.put(record);
    const before = store.get(record.id)!;
    store.put({ ...record, hash: Buffer.alloc(32), suspended: true });
    expect(before).toEqual(record);
    expect(store.get(record.id)).toEqual({ ...record, hash: Buffer.alloc(32), suspended: true });
  });

  it('holds thousands of keys across its growth and forgets them all on clear', () => {
    const store = new CompactKeyStore();
    const minted = Array.from({ length: 5000 }, (_, i) => mintKey({ name: `k${i}`, tier: 'basic', scopes: [] }, NOW, { tlp: 4, pap: 4 }));
    for (const m of minted) store.put(m.record);
    expect(store.list()).toHaveLength(5000);
    for (const m of minted.filter((_, i) => i % 97 === 0)) expect(find(store, m.material)).toEqual(m.record);
    store.clear();
    expect(store.list()).toEqual([]);
    expect(find(store, minted[0]!.material)).toBeUndefined();
  });
});
