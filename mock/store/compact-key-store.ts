// The memory store's keys, compact: a million keys fit in a few hundred bytes each. A key is a
// slot in columns (typed arrays for times and flags, one slab of 32-byte hashes), its tier,
// scopes, clearances, kind and user are shared with every key that has the same ones, and what
// can be derived (the id and prefix of a modern key) is not kept. Records are rebuilt on demand;
// the last one is kept built. Hashes only, never the material.
import { MODERN_KEY_PREFIX } from '../../contract/credentials.js';
import { displayPrefix, KEY_ID_PREFIX, modernLookupId, secretMatches, secretMatchesAt } from '../../contract/key-material.js';
import type { KeyKind, KeyRecord } from '../../contract/types.js';
import type { KeyStore } from '../../contract/store-types.js';
import { allocBytes, copyBytes } from '../../contract/platform/node.js';

const HASH_BYTES = 32;
const INITIAL_CAPACITY = 64;

/** What many keys share. */
interface Shape {
  readonly kind: KeyKind;
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance: number;
  readonly papClearance: number;
  readonly userId: string | undefined;
}

/** What a key has that is neither shared nor derived (most keys have none). */
interface Extra {
  id?: string;
  prefix?: string;
  description?: string;
  accessKey?: string;
  hash?: Uint8Array;
}

/**
 * @example
 * const keys = new CompactKeyStore();
 * keys.put(mintKey({ name: 'ci', tier: 'basic', scopes: [] }, Date.now(), { tlp: 4, pap: 4 }).record);
 */
export class CompactKeyStore implements KeyStore {
  private readonly slotByLookup = new Map<string, number>();
  /** Ids that are not `key_` + the lookup id (legacy pairs). */
  private readonly slotById = new Map<string, number>();
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<string, number>();
  /**
   * The record built last, reused while the same key keeps coming (a load test's key). Keeping
   * more is slower: cached records outlive the young generation and make every GC dearer.
   */
  private lastSlot = -1;
  private lastRecord: KeyRecord | undefined;
  private count = 0;
  private capacity = 0;
  private lookups: string[] = [];
  private names: string[] = [];
  private extras: (Extra | undefined)[] = [];
  private shapeOf = new Uint32Array(0);
  private suspended = new Uint8Array(0);
  /** createdAt, expiresAt, revokedAt per slot; NaN for absent. */
  private times = new Float64Array(0);
  private hashes = allocBytes(0);

  findModern(key: string): KeyRecord | undefined {
    const lookup = modernLookupId(key);
    if (lookup === undefined) return undefined;
    const slot = this.slotByLookup.get(lookup);
    if (slot === undefined || this.shapes[this.shapeOf[slot]!]!.kind !== 'modern') return undefined;
    return this.matches(key, slot) ? this.record(slot) : undefined;
  }

  findLegacy(accessKey: string, secret: string): KeyRecord | undefined {
    const slot = this.slotByLookup.get(accessKey);
    if (slot === undefined || this.shapes[this.shapeOf[slot]!]!.kind !== 'legacy') return undefined;
    return this.matches(secret, slot) ? this.record(slot) : undefined;
  }

  get(id: string): KeyRecord | undefined {
    const slot = this.slotOfId(id);
    return slot === undefined ? undefined : this.record(slot);
  }

  list(): readonly KeyRecord[] {
    const out: KeyRecord[] = [];
    for (let slot = 0; slot < this.count; slot++) out.push(this.record(slot));
    return out;
  }

  put(record: KeyRecord): void {
    const lookup = lookupOf(record);
    let slot = this.slotOfId(record.id) ?? this.slotByLookup.get(lookup);
    if (slot === undefined) {
      slot = this.count++;
      if (slot >= this.capacity) this.grow();
    } else if (this.lookups[slot] !== lookup) this.slotByLookup.delete(this.lookups[slot]!);
    this.slotByLookup.set(lookup, slot);
    this.lookups[slot] = lookup;
    this.names[slot] = record.name;
    this.shapeOf[slot] = this.shapeFor(record);
    this.suspended[slot] = record.suspended ? 1 : 0;
    this.times[slot * 3] = record.createdAt;
    this.times[slot * 3 + 1] = record.expiresAt ?? NaN;
    this.times[slot * 3 + 2] = record.revokedAt ?? NaN;
    const extra: Extra = {};
    if (record.id !== KEY_ID_PREFIX + lookup) {
      extra.id = record.id;
      this.slotById.set(record.id, slot);
    }
    if (record.prefix !== derivedPrefix(record.kind, lookup)) extra.prefix = record.prefix;
    if (record.description !== undefined) extra.description = record.description;
    if (record.kind === 'legacy') extra.accessKey = lookup;
    if (record.hash.length === HASH_BYTES) this.hashes.set(record.hash, slot * HASH_BYTES);
    else extra.hash = copyBytes(record.hash);
    this.extras[slot] = Object.keys(extra).length === 0 ? undefined : extra;
    if (slot === this.lastSlot) this.lastSlot = -1;
  }

  clear(): void {
    this.slotByLookup.clear();
    this.slotById.clear();
    this.shapes.length = 0;
    this.shapeIndex.clear();
    this.lastSlot = -1;
    this.lastRecord = undefined;
    this.count = 0;
    this.capacity = 0;
    this.lookups = [];
    this.names = [];
    this.extras = [];
    this.shapeOf = new Uint32Array(0);
    this.suspended = new Uint8Array(0);
    this.times = new Float64Array(0);
    this.hashes = allocBytes(0);
  }

  private slotOfId(id: string): number | undefined {
    const other = this.slotById.get(id);
    if (other !== undefined) return other;
    if (!id.startsWith(KEY_ID_PREFIX)) return undefined;
    const slot = this.slotByLookup.get(id.slice(KEY_ID_PREFIX.length));
    return slot !== undefined && this.extras[slot]?.id === undefined ? slot : undefined;
  }

  /** Whether `secret` hashes to the slot's digest; read in place, without a view per lookup. */
  private matches(secret: string, slot: number): boolean {
    const own = this.extras[slot]?.hash;
    return own !== undefined ? secretMatches(secret, own) : secretMatchesAt(secret, this.hashes, slot * HASH_BYTES);
  }

  private hashOf(slot: number): Uint8Array {
    return this.extras[slot]?.hash ?? this.hashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES);
  }

  private shapeFor(record: KeyRecord): number {
    const key = JSON.stringify([record.kind, record.tier, record.scopes, record.tlpClearance, record.papClearance, record.userId ?? null]);
    let index = this.shapeIndex.get(key);
    if (index === undefined) {
      index = this.shapes.length;
      this.shapes.push({ kind: record.kind, tier: record.tier, scopes: [...record.scopes], tlpClearance: record.tlpClearance, papClearance: record.papClearance, userId: record.userId });
      this.shapeIndex.set(key, index);
    }
    return index;
  }

  private grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, this.capacity * 2);
    const widen = <T extends Uint32Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.shapeOf = widen(this.shapeOf, (n) => new Uint32Array(n));
    this.suspended = widen(this.suspended, (n) => new Uint8Array(n));
    this.times = widen(this.times, (n) => new Float64Array(n), 3);
    const hashes = allocBytes(capacity * HASH_BYTES);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.capacity = capacity;
  }

  /** The record of a slot, as it was put (a fresh object, or the last one built for this slot). */
  private record(slot: number): KeyRecord {
    if (slot === this.lastSlot) return this.lastRecord!;
    const shape = this.shapes[this.shapeOf[slot]!]!;
    const lookup = this.lookups[slot]!;
    const extra = this.extras[slot];
    const expiresAt = this.times[slot * 3 + 1]!;
    const revokedAt = this.times[slot * 3 + 2]!;
    // Plain assignments, not spreads: this runs on every lookup of a key not built lately.
    const record: { -readonly [K in keyof KeyRecord]: KeyRecord[K] } = {
      id: extra?.id ?? KEY_ID_PREFIX + lookup,
      name: this.names[slot]!,
      kind: shape.kind,
      tier: shape.tier,
      scopes: shape.scopes,
      tlpClearance: shape.tlpClearance,
      papClearance: shape.papClearance,
      suspended: this.suspended[slot] === 1,
      createdAt: this.times[slot * 3]!,
      prefix: extra?.prefix ?? derivedPrefix(shape.kind, lookup),
      hash: copyBytes(this.hashOf(slot)),
    };
    if (extra?.description !== undefined) record.description = extra.description;
    if (!Number.isNaN(expiresAt)) record.expiresAt = expiresAt;
    if (!Number.isNaN(revokedAt)) record.revokedAt = revokedAt;
    if (shape.userId !== undefined) record.userId = shape.userId;
    if (extra?.accessKey !== undefined) record.accessKey = extra.accessKey;
    this.lastSlot = slot;
    this.lastRecord = record;
    return record;
  }
}

/** Modern keys are found by the id inside them, legacy pairs by their public access key. */
function lookupOf(record: KeyRecord): string {
  if (record.kind === 'legacy') {
    if (record.accessKey === undefined) throw new Error(`legacy key ${record.id} has no accessKey`);
    return record.accessKey;
  }
  return record.id.slice(KEY_ID_PREFIX.length);
}

/** The prefix mint-key gives: the first characters of a modern key, a legacy pair's access key. */
function derivedPrefix(kind: KeyKind, lookup: string): string {
  return kind === 'legacy' ? lookup : displayPrefix(MODERN_KEY_PREFIX + lookup);
}
