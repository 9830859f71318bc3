// Keys and secrets never reach output: every string shown is passed through a redactor built
// from the profile's material.
import type { ResolvedProfile } from './load-profile.js';

export type Redactor = (text: string) => string;

/**
 * @example
 * const redact = createRedactor(profile);
 * redact(`Bearer ${key}`) // 'Bearer ‹key:basic-a›'
 */
export function createRedactor(profile: Pick<ResolvedProfile, 'keys' | 'target'>): Redactor {
  const secrets: [string, string][] = [];
  for (const k of profile.keys) {
    if (k.kind === 'modern') secrets.push([k.key, `‹key:${k.name}›`]);
    else secrets.push([k.secret, `‹secret:${k.name}›`]);
  }
  if (profile.target.control?.token !== undefined) secrets.push([profile.target.control.token, '‹control-token›']);
  // Longest first, and URL-encoded forms too (keys sent in a query string).
  const all = secrets.flatMap(([s, label]) => (encodeURIComponent(s) === s ? [[s, label]] : [[s, label], [encodeURIComponent(s), label]]) as [string, string][]);
  all.sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [secret, label] of all) if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(label);
    // Near-misses of keys (mangled on purpose by the checks) are material too.
    return out.replace(/cbr_live_[A-Za-z0-9]{12,}/g, (m) => `${m.slice(0, 13)}…‹redacted›`);
  };
}
