// The target profile the mock writes at start: the keyring and facts the suites read.
// Its format is fixtures/profile.schema.json.
import type { Clock } from './clock.js';
import type { Model } from './model.js';
import type { Seed, SeededKey } from './seed.js';
import { COLLECTIONS } from './seed.js';
import { keyStatus } from './authenticate.js';

export interface ProfileKey {
  name: string;
  id?: string;
  kind: 'modern' | 'legacy';
  key?: string;
  keyEnv?: string;
  accessKey?: string;
  accessKeyEnv?: string;
  secret?: string;
  secretEnv?: string;
  tier: string;
  scopes: string[];
  tlpClearance?: number;
  papClearance?: number;
  state?: 'active' | 'expired' | 'revoked' | 'suspended';
  expiresAt?: string;
  userId?: string;
  purpose?: string;
}

export interface Profile {
  $schema?: string;
  target: { baseUrl: string; extraBaseUrls?: string[]; control?: { url: string; token?: string; tokenEnv?: string } };
  clock?: { mode: 'real' | 'virtual'; timeScale: number };
  policy?: {
    adminImpliesAll?: boolean;
    writeImpliesRead?: boolean;
    rateLimitAlgorithm?: Model['policy']['rateLimitAlgorithm'];
    operationScopes?: Record<string, string[]>;
  };
  tiers?: Record<string, { perMinute: number; perHour: number; burst: number } | null>;
  keys: ProfileKey[];
  entities?: { type: 'alerts' | 'cases' | 'observables' | 'users'; id: string; tlp?: number; pap?: number }[];
  currentUserId?: string;
  /** How the suites create, revoke, suspend and reinstate keys at a deployment without the mock's control API. */
  keyAdmin?: KeyAdminDeclaration;
}

/** One step of a deployment's key administration: an HTTP request made with the admin key, or a command. */
export type KeyAdminStep =
  | { readonly method: string; readonly path: string; readonly body?: unknown; readonly keyField?: string; readonly idField?: string; readonly accessKeyField?: string; readonly secretField?: string }
  | { readonly command: readonly string[] };

/**
 * A deployment's key administration (profile `keyAdmin`): `{name}` and `{id}` are filled in paths,
 * bodies and command arguments. `create` answers (or, as a command, prints) JSON with the new key's
 * id and material (`idField`, `keyField`: dotted paths, default `id` and `key`).
 */
export interface KeyAdminDeclaration {
  /** The profile key HTTP steps are made with. */
  readonly adminKey?: string;
  readonly create: KeyAdminStep;
  readonly revoke?: KeyAdminStep;
  readonly suspend?: KeyAdminStep;
  readonly reinstate?: KeyAdminStep;
  /** How long a command may run, ms (default 30,000). */
  readonly timeoutMs?: number;
}

/** The profile of a running mock. Holds key material: write it with owner-only permissions. */
export function mockProfile(options: {
  baseUrl: string;
  controlUrl?: string;
  controlToken?: string;
  model: Model;
  clock: Clock;
  seed: Seed;
  keys: readonly SeededKey[];
}): Profile {
  const { model, clock } = options;
  const now = clock.now();
  const profile: Profile = {
    $schema: 'https://casebender-conformance/profile.schema.json',
    target: { baseUrl: options.baseUrl },
    clock: { mode: clock.mode, timeScale: clock.scale },
    policy: {
      adminImpliesAll: model.policy.adminImpliesAll,
      writeImpliesRead: model.policy.writeImpliesRead,
      rateLimitAlgorithm: model.policy.rateLimitAlgorithm,
    },
    tiers: { ...model.tiers } as Profile['tiers'],
    // Seeded keys whose material is not known (a restart from --data without it) cannot be used.
    keys: options.keys.flatMap(({ spec, record, material }) => {
      if (material === undefined) return [];
      const key: ProfileKey = {
        name: spec.name,
        id: record.id,
        kind: record.kind,
        ...(material.kind === 'modern' ? { key: material.key } : { accessKey: material.accessKey, secret: material.secret }),
        tier: record.tier,
        scopes: [...record.scopes],
        tlpClearance: record.tlpClearance,
        papClearance: record.papClearance,
        state: keyStatus(record, now),
      };
      if (record.expiresAt !== undefined) key.expiresAt = new Date(record.expiresAt).toISOString();
      if (record.userId !== undefined) key.userId = record.userId;
      if (spec.purpose !== undefined) key.purpose = spec.purpose;
      return [key];
    }),
    entities: COLLECTIONS.flatMap((type) =>
      options.seed[type].map((e) => (type === 'users' ? { type, id: e.id } : { type, id: e.id, tlp: e.tlp!, pap: e.pap! })),
    ),
  };
  if (options.controlUrl !== undefined) {
    profile.target.control = { url: options.controlUrl, ...(options.controlToken !== undefined ? { token: options.controlToken } : {}) };
  }
  return profile;
}

/** The shell variable of a key's material: CB_KEY_ and the key's name in capitals, other characters as `_`. */
export const keyVariable = (name: string): string => 'CB_KEY_' + name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * A profile's keys as shell variable assignments (`casebender mock --print-env`): CB_BASE_URL,
 * CB_MOCK_TOKEN when the control token is known, and per key with known material CB_KEY_<NAME>
 * (a legacy pair as CB_KEY_<NAME>_ACCESS_KEY and CB_KEY_<NAME>_SECRET), single-quoted.
 */
export function envLines(profile: Profile): string[] {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = [`CB_BASE_URL=${quote(profile.target.baseUrl)}`];
  if (profile.target.control?.token !== undefined) lines.push(`CB_MOCK_TOKEN=${quote(profile.target.control.token)}`);
  for (const k of profile.keys) {
    const name = keyVariable(k.name);
    if (k.key !== undefined) lines.push(`${name}=${quote(k.key)}`);
    else if (k.accessKey !== undefined && k.secret !== undefined) lines.push(`${name}_ACCESS_KEY=${quote(k.accessKey)}`, `${name}_SECRET=${quote(k.secret)}`);
  }
  return lines;
}
