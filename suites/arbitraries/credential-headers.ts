// fast-check arbitraries for credential headers, built from the profile's keys: which methods a
// request uses, the key behind each (valid, revoked, expired, suspended, unknown, mangled,
// empty), header-name case, scheme case, surrounding whitespace.
import fc from 'fast-check';
import type { Header } from '../harness/keyring.js';
import { isLegacy, isModern, mangle, stateOf, unknownModernKey } from '../harness/keyring.js';
import type { ResolvedProfile } from '../harness/load-profile.js';

export type Variant = 'valid' | 'revoked' | 'expired' | 'suspended' | 'unknown' | 'mangled' | 'empty';

export interface CredentialPart {
  readonly method: 'bearer' | 'x-api-key' | 'legacy';
  readonly variant: Variant;
  readonly headers: readonly Header[];
}

/**
 * What a property varies besides the credential: header-name case (CRED-4), the Bearer scheme's
 * case (CRED-5). Everything else keeps the spelling of the docs, so that a failure names the
 * requirement whose dimension the property varies.
 */
export interface Vary {
  readonly names?: boolean;
  readonly scheme?: boolean;
}

const caseOf = (name: string, vary: boolean) =>
  vary ? fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), name.split('').map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('')) : fc.constant(name);
const padded = (value: string) => fc.constantFrom(value, ` ${value}`, `${value} `, `  ${value}\t`);

/**
 * The profile's keys of a kind in a state, from the roomiest tier that has any: random requests
 * are about credentials, and a limited tier would only add rate-limit waits.
 */
function keysOf<K extends ResolvedProfile['keys'][number]>(profile: ResolvedProfile, pick: (k: ResolvedProfile['keys'][number]) => k is K, variant: Variant): K[] {
  const state = variant === 'valid' ? 'active' : variant;
  const keys = profile.keys.filter(pick).filter((k) => stateOf(k) === state);
  const room = (k: K) => {
    const t = profile.tiers?.[k.tier];
    return t === null ? Number.POSITIVE_INFINITY : (t?.perMinute ?? 0);
  };
  const best = Math.max(...keys.map(room));
  return keys.filter((k) => room(k) === best);
}

/** The variants this profile can produce for a method (a state is possible only if a key of it exists). */
export function variantsFor(profile: ResolvedProfile, method: CredentialPart['method']): Variant[] {
  const states = (['valid', 'revoked', 'expired', 'suspended'] as const).filter((v) => (method === 'legacy' ? keysOf(profile, isLegacy, v) : keysOf(profile, isModern, v)).length > 0);
  if (states.length === 0) return [];
  return [...states, 'unknown', 'mangled', 'empty'];
}

/** One credential presented by one method. */
export function credentialPart(profile: ResolvedProfile, method: CredentialPart['method'], variants: readonly Variant[], vary: Vary = {}): fc.Arbitrary<CredentialPart> {
  return fc.constantFrom(...variants).chain((variant) => {
    if (method === 'legacy') {
      const pairs = keysOf(profile, isLegacy, variant === 'unknown' || variant === 'mangled' || variant === 'empty' ? 'valid' : variant);
      return fc.tuple(fc.constantFrom(...pairs), caseOf('x-api-key', vary.names === true), caseOf('x-api-secret', vary.names === true)).map(([pair, kn, sn]): CredentialPart => {
        const secret = variant === 'mangled' ? mangle(pair.secret, 'flip-middle') : variant === 'empty' ? '' : pair.secret;
        const access = variant === 'unknown' ? 'cbak_' + 'u'.repeat(20) : pair.accessKey;
        return { method, variant, headers: [[kn, access], [sn, secret]] };
      });
    }
    const keys = keysOf(profile, isModern, variant === 'unknown' || variant === 'mangled' || variant === 'empty' ? 'valid' : variant);
    return fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...(['flip-first', 'flip-middle', 'flip-last', 'truncate', 'extend', 'prefix'] as const))).chain(([key, how]) => {
      const value = variant === 'unknown' ? unknownModernKey() : variant === 'mangled' ? mangle(key.key, how) : variant === 'empty' ? '' : key.key;
      if (method === 'bearer') {
        return fc.tuple(caseOf('Authorization', vary.names === true), vary.scheme === true ? fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR') : fc.constant('Bearer'), padded(value)).map(
          ([name, scheme, v]): CredentialPart => ({ method, variant, headers: [[name, `${scheme} ${v}`.trimEnd()]] }),
        );
      }
      return fc.tuple(caseOf('X-Api-Key', vary.names === true), padded(value)).map(([name, v]): CredentialPart => ({ method, variant, headers: [[name, v]] }));
    });
  });
}

/** A request's credentials: one to three methods, each with its own key and variant. */
export function credentialSet(profile: ResolvedProfile, options: { variants?: (method: CredentialPart['method']) => readonly Variant[]; min?: number; vary?: Vary } = {}): fc.Arbitrary<CredentialPart[]> {
  const methods = (['bearer', 'x-api-key', 'legacy'] as const).filter((m) => (options.variants?.(m) ?? variantsFor(profile, m)).length > 0);
  if (methods.length === 0) return fc.constant([]);
  return fc
    .subarray([...methods], { minLength: Math.min(options.min ?? 1, methods.length) })
    .chain((chosen) => fc.tuple(...chosen.map((m) => credentialPart(profile, m, options.variants?.(m) ?? variantsFor(profile, m), options.vary))))
    .map((parts) => {
      // X-Api-Key and the legacy pair share the x-api-key field: together, the legacy pair
      // contributes only its secret (PREC-3), never a second x-api-key line (that is PREC-4).
      const modern = parts.some((p) => p.method === 'x-api-key');
      return parts.map((p) => (p.method === 'legacy' && modern ? { ...p, headers: p.headers.slice(1) } : p));
    });
}
