// `casebender run --provision` (#20): the keys a run needs, made at the target for this run (named
// after it) through the profile's key administration, or the mock's control API, and revoked when
// the run ends — also on Ctrl-C or a failed run — so that a profile needs one admin key. Made are
// the kinds of key.kinds.ts the profile lacks (expired, revoked and suspended keys are made active,
// then expired by their date or revoked and suspended through the same administration), and,
// without a control API (which mints the load's keys itself), the rate-limit load's fresh keys.
import type { KeyMaterial, Model } from '../../contract/index.js';
import { functionalKinds, rateLimitKinds, type KeyKind } from './key-kinds.js';
import type { KeyAdmin } from './key-admin.js';
import type { ResolvedKey, ResolvedProfile } from './load-profile.js';

export interface CreatedKey {
  readonly id: string;
  readonly name: string;
  /** Revoked as part of what it stands for (a revoked kind): nothing to undo. */
  readonly revoked: boolean;
}

export interface Provisioned {
  readonly keys: ResolvedKey[];
  readonly created: CreatedKey[];
  /** Kinds that could not be made, and why. */
  readonly notes: string[];
}

/** A name for this run's keys: `cb-run-20261205T0812-x7k2`. */
export const runName = (now = new Date()): string => `cb-run-${now.toISOString().replace(/[-:]/g, '').slice(0, 13)}-${Math.random().toString(36).slice(2, 6)}`;

const profileKey = (kind: KeyKind, name: string, id: string, material: KeyMaterial, model: Model, run: string): ResolvedKey => {
  const base = {
    name,
    id,
    tier: kind.tier,
    scopes: [...kind.scopes],
    tlpClearance: kind.tlpClearance ?? model.policy.defaultTlpClearance,
    papClearance: kind.papClearance ?? model.policy.defaultPapClearance,
    state: kind.state ?? ('active' as const),
    purpose: `${kind.what} (made for ${run})`,
  };
  return material.kind === 'modern' ? { ...base, kind: 'modern', key: material.key } : { ...base, kind: 'legacy', accessKey: material.accessKey, secret: material.secret };
};

/**
 * Makes the keys the run needs; `created` is called as each is made (so that a run stopped midway
 * still revokes what exists). A kind that cannot be made is noted and left out (its requirements are
 * then skipped, saying why).
 */
export async function provisionKeys(profile: ResolvedProfile, model: Model, admin: KeyAdmin, options: { run: string; rateLimits: boolean; full: boolean; now: number; created: (key: CreatedKey) => void }): Promise<Provisioned> {
  const keys: ResolvedKey[] = [];
  const created: CreatedKey[] = [];
  const notes: string[] = [];
  const wanted = functionalKinds(model).filter((kind) => !profile.keys.some((k) => kind.matches(k, model)));
  if (options.rateLimits) wanted.push(...rateLimitKinds(model, { full: options.full, spread: (profile.target.extraBaseUrls ?? []).length > 0 }));
  for (const kind of wanted) {
    for (let i = 1; i <= kind.count; i++) {
      const name = `${options.run}-${kind.name}${kind.count > 1 ? `-${i}` : ''}`;
      let made: { id: string; material: KeyMaterial };
      try {
        made = await admin.make({
          name,
          kind: kind.kind,
          tier: kind.tier,
          scopes: kind.scopes,
          tlpClearance: kind.tlpClearance ?? model.policy.defaultTlpClearance,
          papClearance: kind.papClearance ?? model.policy.defaultPapClearance,
          ...(kind.state === 'expired' ? { expiresAt: options.now - 86_400_000 } : {}),
        });
      } catch (error) {
        notes.push(`${kind.name}: could not be made (${(error as Error).message})`);
        break;
      }
      const action = kind.state === 'revoked' ? 'revoke' : kind.state === 'suspended' ? 'suspend' : undefined;
      const record: CreatedKey = { id: made.id, name, revoked: action === 'revoke' };
      created.push(record);
      options.created(record);
      if (action !== undefined) {
        try {
          await admin.act(made.id, action);
        } catch (error) {
          notes.push(`${kind.name}: made, but could not be ${action === 'revoke' ? 'revoked' : 'suspended'} (${(error as Error).message})`);
          (record as { revoked: boolean }).revoked = false;
          break;
        }
      }
      keys.push(profileKey(kind, name, made.id, made.material, model, options.run));
    }
  }
  return { keys, created, notes };
}

/** Revokes every key the run made that is not revoked already; says what it could not. */
export async function retireKeys(created: readonly CreatedKey[], admin: KeyAdmin): Promise<{ revoked: number; failed: string[] }> {
  const live = created.filter((k) => !k.revoked);
  if (live.length > 0 && !admin.can('revoke')) return { revoked: 0, failed: live.map((k) => `${k.name}: the key administration declares no revoke`) };
  let revoked = 0;
  const failed: string[] = [];
  for (const key of live) {
    try {
      await admin.act(key.id, 'revoke');
      revoked++;
    } catch (error) {
      failed.push(`${key.name}: ${(error as Error).message}`);
    }
  }
  return { revoked, failed };
}
