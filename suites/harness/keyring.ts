// Picking the profile's keys for a check, and turning them into request headers.
import tiersFixture from '../../fixtures/tiers.json' with { type: 'json' };
import type { CredentialMethod } from '../../contract/index.js';
import type { Probe } from './http-client.js';
import type { ResolvedKey, ResolvedProfile } from './load-profile.js';
import type { Oracle } from './oracle.js';

export type Header = readonly [string, string];
export type ModernKey = Extract<ResolvedKey, { kind: 'modern' }>;
export type LegacyKey = Extract<ResolvedKey, { kind: 'legacy' }>;

export const isModern = (k: ResolvedKey): k is ModernKey => k.kind === 'modern';
export const isLegacy = (k: ResolvedKey): k is LegacyKey => k.kind === 'legacy';
export const stateOf = (k: ResolvedKey) => k.state ?? 'active';

/** The header lines that present a key by a method. */
export function credentialHeaders(key: ResolvedKey, method?: CredentialMethod): Header[] {
  if (key.kind === 'legacy') return [['x-api-key', key.accessKey], ['x-api-secret', key.secret]];
  return method === 'x-api-key' ? [['X-Api-Key', key.key]] : [['Authorization', `Bearer ${key.key}`]];
}

const { $comment: _comment, ...DOCUMENTED_TIERS } = tiersFixture;

/** Limited tiers last, so functional checks rarely meet a 429. */
function byHeadroom(profile: ResolvedProfile) {
  // CaseBender's documented tiers unless the profile overrides them: a deployment's profile rarely
  // repeats the table, and without it every key looked equally roomy (basic keys were then picked
  // first, and functional checks waited out their 429s).
  const tiers: Readonly<Record<string, { perMinute: number } | null | undefined>> = { ...DOCUMENTED_TIERS, ...(profile.tiers ?? {}) };
  const room = (k: ResolvedKey) => {
    const t = tiers[k.tier];
    return t === null ? Number.POSITIVE_INFINITY : (t?.perMinute ?? 0);
  };
  return (a: ResolvedKey, b: ResolvedKey) => room(b) - room(a);
}

/** Active keys of a kind, roomiest tier first. */
export function activeKeys(profile: ResolvedProfile, kind?: 'modern' | 'legacy'): ResolvedKey[] {
  return profile.keys.filter((k) => stateOf(k) === 'active' && (kind === undefined || k.kind === kind)).sort(byHeadroom(profile));
}

/** The first key (roomiest first) the oracle says gets `status` for the probe built from it. */
export async function keyWhere(
  oracle: Oracle,
  keys: readonly ResolvedKey[],
  probe: (key: ResolvedKey) => Probe,
  wanted: (status: number) => boolean,
): Promise<ResolvedKey | undefined> {
  for (const key of keys) if (wanted((await oracle.expect(probe(key))).status)) return key;
  return undefined;
}

/** A key value changed in one of the ways CRED-6 lists. */
export function mangle(value: string, how: 'flip-first' | 'flip-middle' | 'flip-last' | 'truncate' | 'extend' | 'prefix'): string {
  const flip = (i: number) => value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
  switch (how) {
    case 'flip-first':
      return flip(value.indexOf('_') >= 0 ? value.lastIndexOf('_') + 1 : 0);
    case 'flip-middle':
      return flip(Math.floor(value.length / 2));
    case 'flip-last':
      return flip(value.length - 1);
    case 'truncate':
      return value.slice(0, -1);
    case 'extend':
      return value + 'A';
    case 'prefix':
      return value.startsWith('cbr_live_') ? 'cbr_test_' + value.slice('cbr_live_'.length) : 'x' + value;
  }
}

export const MANGLINGS = ['flip-first', 'flip-middle', 'flip-last', 'truncate', 'extend', 'prefix'] as const;

/** A well-formed key that no deployment issued. */
export const unknownModernKey = (): string => 'cbr_live_' + 'Zq9'.repeat(14).slice(0, 40);
