// The kinds of key the suites can use against a deployment, what each enables, and how to tell
// whether a profile has one (#20: `casebender init` writes them, `casebender doctor` checks for
// them). The functional kinds' requirement lists are measured, not guessed: key-kinds.test.ts
// runs the suites against the mock with a read-write key alone and then with each kind beside it,
// and fails when a list here differs from what that run makes run. The rate-limit kinds follow the
// load in suites/ratelimit/observations.ts (keys taken fresh, each once).
import type { Model, TierLimits, ProfileKey } from '../../contract/index.js';

export const READ_SCOPES = ['alerts:read', 'cases:read', 'observables:read', 'users:read'] as const;
export const WRITE_SCOPES = ['alerts:write', 'cases:write', 'observables:write'] as const;
const ALL_SCOPES = [...READ_SCOPES, ...WRITE_SCOPES];

/** A kind of key: what a profile key must be to stand for it, and what it makes the suites run. */
export interface KeyKind {
  /** The name `casebender init` gives it (the mock's seed uses the same names). */
  readonly name: string;
  readonly what: string;
  readonly kind: 'modern' | 'legacy';
  /** A tier name, or `unlimited` for the model's Unlimited tier. */
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance?: number;
  readonly papClearance?: number;
  readonly state?: 'expired' | 'revoked' | 'suspended';
  /** Requirement IDs that are skipped without a key of this kind. */
  readonly enables: readonly string[];
  /** How many the suites take (rate limits: each key once). */
  readonly count: number;
  /** The main key: it enables every functional requirement the other kinds do not (functionalBase). */
  readonly base?: boolean;
  /** Whether a declared profile key can stand for this kind. */
  matches(key: ProfileKey, model: Model): boolean;
}

const stateOf = (k: ProfileKey) => k.state ?? 'active';
const clearance = (k: ProfileKey, model: Model) => ({ tlp: k.tlpClearance ?? model.policy.defaultTlpClearance, pap: k.papClearance ?? model.policy.defaultPapClearance });
const hasAll = (k: ProfileKey, scopes: readonly string[]) => scopes.every((s) => k.scopes.includes(s));
const KNOWN = new Set<string>([...ALL_SCOPES, 'admin:*']);
/** The name of the model's Unlimited tier (a tier whose limits are null). */
export const unlimitedTier = (model: Model): string | undefined => Object.entries(model.tiers).find(([, t]) => t === null)?.[0];
const isUnlimited = (k: ProfileKey, model: Model) => model.tiers[k.tier] === null;

/** The kinds the functional areas use (CRED, PREC, LEG, KEY, SCOPE, TLP, ERR, SCHEMA). */
export function functionalKinds(model: Model): KeyKind[] {
  const unlimited = unlimitedTier(model) ?? 'unlimited';
  const base = { kind: 'modern' as const, tier: unlimited, count: 1 };
  return [
    {
      ...base,
      name: 'read-write',
      what: 'every read and write scope, full clearance: most checks (the roomiest such key is used)',
      scopes: ALL_SCOPES,
      // Every functional requirement no other kind enables (functionalBase).
      enables: [],
      base: true,
      matches: (k, m) => k.kind === 'modern' && stateOf(k) === 'active' && hasAll(k, ALL_SCOPES) && clearance(k, m).tlp === 4 && clearance(k, m).pap === 4,
    },
    { ...base, name: 'read-only', what: 'reads only: more rows of the scope matrix', scopes: READ_SCOPES, enables: [], matches: (k) => stateOf(k) === 'active' && hasAll(k, READ_SCOPES) && !WRITE_SCOPES.some((s) => k.scopes.includes(s)) && !k.scopes.includes('admin:*') },
    { ...base, name: 'write-only', what: 'write scopes without their reads (SCOPE-3: write does not imply read)', scopes: WRITE_SCOPES, enables: ['SCOPE-3'], matches: (k) => stateOf(k) === 'active' && WRITE_SCOPES.some((w) => k.scopes.includes(w) && !k.scopes.includes(w.replace(':write', ':read'))) },
    { ...base, name: 'admin', what: 'admin:* alone (SCOPE-2)', scopes: ['admin:*'], enables: ['SCOPE-2'], matches: (k) => stateOf(k) === 'active' && k.scopes.includes('admin:*') },
    { ...base, name: 'no-scope', what: 'authenticates, may do nothing (SCOPE-4)', scopes: [], enables: ['SCOPE-4'], matches: (k) => stateOf(k) === 'active' && k.scopes.every((s) => !KNOWN.has(s)) },
    { ...base, name: 'tlp-green', what: 'TLP clearance GREEN (1): entities above it are hidden and refused', scopes: ALL_SCOPES, tlpClearance: 1, enables: ['TLP-1', 'TLP-3', 'TLP-4'], matches: (k, m) => stateOf(k) === 'active' && clearance(k, m).tlp < 4 && k.scopes.includes('alerts:read') },
    { ...base, name: 'pap-amber', what: 'PAP clearance AMBER (2)', scopes: ALL_SCOPES, papClearance: 2, enables: ['TLP-2', 'TLP-3', 'TLP-4'], matches: (k, m) => stateOf(k) === 'active' && clearance(k, m).pap < 4 && k.scopes.includes('alerts:read') },
    { ...base, name: 'expired', what: 'a key past its expiry (KEY-2)', scopes: ALL_SCOPES, state: 'expired', enables: ['KEY-2'], matches: (k) => stateOf(k) === 'expired' },
    { ...base, name: 'revoked', what: 'a revoked key (KEY-3; with keyAdmin, revocation is also seen taking effect)', scopes: ALL_SCOPES, state: 'revoked', enables: ['KEY-3'], matches: (k) => k.kind === 'modern' && stateOf(k) === 'revoked' },
    { ...base, name: 'suspended', what: 'a suspended key (KEY-4)', scopes: ALL_SCOPES, state: 'suspended', enables: ['KEY-4'], matches: (k) => k.kind === 'modern' && stateOf(k) === 'suspended' },
    { ...base, kind: 'legacy', name: 'legacy-rw', what: 'a legacy x-api-key + x-api-secret pair (LEG)', scopes: ALL_SCOPES, enables: ['LEG-1', 'LEG-2', 'LEG-4'], matches: (k) => k.kind === 'legacy' && stateOf(k) === 'active' },
    { ...base, kind: 'legacy', name: 'legacy-revoked', what: 'a revoked legacy pair', scopes: READ_SCOPES, state: 'revoked', enables: ['KEY-3', 'LEG-4'], matches: (k) => k.kind === 'legacy' && stateOf(k) === 'revoked' },
    { ...base, kind: 'legacy', name: 'legacy-suspended', what: 'a suspended legacy pair', scopes: READ_SCOPES, state: 'suspended', enables: ['KEY-4', 'LEG-4'], matches: (k) => k.kind === 'legacy' && stateOf(k) === 'suspended' },
  ];
}

/** Rate-limit requirements a tier's three fresh keys enable (burst, steady minute, flood, fresh key after it, Retry-After). */
const TIER_LOAD = ['RL-1', 'RL-2', 'RL-3', 'RL-5', 'RL-6', 'RL-8', 'HDR-1', 'HDR-2', 'HDR-3', 'HDR-5'];

/**
 * The kinds the rate-limit load takes, each key once (suites/ratelimit/observations.ts): three
 * per limited tier; on the lowest, four more for RL-9 (one with alerts:write) and one for the edge
 * probe (RL-11); one more on the next tier for RL-10 (with extraBaseUrls); one Unlimited; with
 * --full one more per limited tier (RL-4).
 */
export function rateLimitKinds(model: Model, options: { full?: boolean; spread?: boolean } = {}): KeyKind[] {
  const limited = Object.entries(model.tiers).filter((e): e is [string, TierLimits] => e[1] !== null).sort((a, b) => a[1].perMinute - b[1].perMinute);
  const fresh = (tier: string) => (k: ProfileKey) => k.kind === 'modern' && stateOf(k) === 'active' && k.tier === tier && k.scopes.includes('alerts:read');
  const out: KeyKind[] = [];
  const kind = (tier: string, name: string, what: string, enables: string[], count: number, scopes: readonly string[] = READ_SCOPES): KeyKind => ({ name, what, kind: 'modern', tier, scopes, enables, count, matches: fresh(tier) });
  for (const [tier] of limited) out.push(kind(tier, `rl-${tier}`, `fresh keys of the ${tier} tier for its load`, TIER_LOAD, 3));
  const lowest = limited[0]?.[0];
  if (lowest !== undefined) {
    out.push(kind(lowest, `rl-${lowest}-counted`, 'RL-9: a 401 flood, then 404, 403 and 400 floods, each on its own fresh key', ['RL-9'], 3));
    out.push({ ...kind(lowest, `rl-${lowest}-counted-write`, 'RL-9: the 400 flood (an invalid create) needs alerts:write', ['RL-9'], 1, [...READ_SCOPES, 'alerts:write']), matches: (k) => fresh(lowest)(k) && k.scopes.includes('alerts:write') });
    out.push(kind(lowest, `rl-${lowest}-edge`, 'RL-11: the edge probe (allowance spent just before and after its window’s edge)', ['RL-11'], 1));
  }
  const next = limited[1]?.[0] ?? lowest;
  if (options.spread === true && next !== undefined) out.push(kind(next, `rl-${next}-spread`, 'RL-10: the flood spread over every base URL', ['RL-10'], 1));
  const unlimited = unlimitedTier(model);
  if (unlimited !== undefined) out.push({ ...kind(unlimited, 'rl-unlimited', 'RL-7: an Unlimited key at full speed; HDR-4', ['RL-7', 'HDR-4'], 1), matches: (k, m) => fresh(unlimited)(k) && isUnlimited(k, m) });
  if (options.full === true) for (const [tier] of limited) out.push(kind(tier, `rl-${tier}-hour`, `RL-4 (--full): the ${tier} tier's hour flood`, ['RL-4'], 1));
  return out;
}

/** The functional requirements the main key (read-write) enables: all of `ids` outside RL and HDR that no other kind enables. */
export function functionalBase(kinds: readonly KeyKind[], ids: readonly string[]): string[] {
  const others = new Set(kinds.flatMap((k) => k.enables));
  return ids.filter((id) => !/^(RL|HDR)-/.test(id) && !others.has(id));
}
