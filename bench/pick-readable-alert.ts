// The seeded alert a key may read: the benchmark's read path must answer 200, not a TLP/PAP 403.
import type { Profile, ProfileKey } from '../contract/index.js';

/**
 * @example
 * pickReadableAlert(profile, profile.keys.find((k) => k.name === 'unlimited-a')!) // 'alert_seed000000000001'
 */
export function pickReadableAlert(profile: Profile, key: ProfileKey): string {
  const alert = (profile.entities ?? []).find(
    (e) => e.type === 'alerts' && (e.tlp ?? 0) <= (key.tlpClearance ?? Infinity) && (e.pap ?? 0) <= (key.papClearance ?? Infinity),
  );
  if (alert === undefined) throw new Error(`no seeded alert is readable by the key ${key.name}`);
  return alert.id;
}
