// Scope checks (contract: SCOPE-1..4); the operation -> scope table is data (fixtures/operations.json).
import type { Policy } from './types.js';

export const ADMIN_SCOPE = 'admin:*';

/**
 * The scopes of `required` that `granted` does not cover; empty when the key may proceed.
 * Scopes match exactly (SCOPE-4). `admin:*` covers everything when the policy says so
 * (SCOPE-2, REF); `write` covers `read` only when the policy says so (SCOPE-3).
 *
 * @example
 * missingScopes(['alerts:write'], ['alerts:read'], policy) // ['alerts:read']
 */
export function missingScopes(granted: readonly string[], required: readonly string[], policy: Pick<Policy, 'adminImpliesAll' | 'writeImpliesRead'>): string[] {
  if (policy.adminImpliesAll && granted.includes(ADMIN_SCOPE)) return [];
  const missing: string[] = [];
  for (const scope of required) {
    if (granted.includes(scope)) continue;
    if (policy.writeImpliesRead && scope.endsWith(':read') && granted.includes(scope.slice(0, -':read'.length) + ':write')) continue;
    missing.push(scope);
  }
  return missing;
}
