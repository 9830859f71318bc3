// The contract's data, gathered once: tiers, the operation -> scope table and the policy,
// all read from fixtures/ (never constants in code). A profile may override parts of it.
import operationsFixture from '../fixtures/operations.json' with { type: 'json' };
import policyFixture from '../fixtures/policy.json' with { type: 'json' };
import tiersFixture from '../fixtures/tiers.json' with { type: 'json' };
import type { Operation, Policy, RateLimitAlgorithm, TierLimits, TierTable } from './types.js';

export interface Model {
  readonly tiers: TierTable;
  readonly operations: readonly Operation[];
  readonly scopes: readonly string[];
  readonly policy: Policy;
}

export const ALGORITHMS: readonly RateLimitAlgorithm[] = ['token-bucket', 'sliding-window', 'fixed-window'];

function withoutComment<T extends Record<string, unknown>>(o: T): Omit<T, '$comment'> {
  const { $comment: _ignored, ...rest } = o;
  return rest;
}

/** The reference model: CaseBender's documented tiers and the project's reference policy. */
export function referenceModel(overrides: { policy?: Partial<Policy>; tiers?: TierTable; operationScopes?: Readonly<Record<string, readonly string[]>> } = {}): Model {
  const tiers = (overrides.tiers ?? withoutComment(tiersFixture)) as Record<string, TierLimits | null>;
  const policy = { ...(withoutComment(policyFixture) as unknown as Policy), ...overrides.policy };
  if (!ALGORITHMS.includes(policy.rateLimitAlgorithm)) {
    throw new Error(`policy.rateLimitAlgorithm must be one of ${ALGORITHMS.join(', ')}; got ${JSON.stringify(policy.rateLimitAlgorithm)}`);
  }
  const scopeOverrides = overrides.operationScopes ?? {};
  for (const id of Object.keys(scopeOverrides)) {
    if (!operationsFixture.operations.some((o) => o.id === id)) throw new Error(`operationScopes names an unknown operation: ${id}`);
  }
  return {
    tiers,
    operations: operationsFixture.operations.map((o) => (o.id in scopeOverrides ? { ...o, scopes: scopeOverrides[o.id]! } : o)),
    scopes: operationsFixture.scopes,
    policy,
  };
}
