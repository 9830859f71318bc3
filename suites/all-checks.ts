// Every conformance check of the access contract, in the order a run takes them.
import type { Check } from './harness/check.js';
import { credentialChecks } from './credentials/credential-checks.js';
import { precedenceChecks } from './precedence/precedence-checks.js';
import { legacyChecks } from './legacy/legacy-checks.js';
import { lifecycleChecks } from './lifecycle/lifecycle-checks.js';
import { scopeChecks } from './scopes/scope-checks.js';
import { clearanceChecks } from './clearance/clearance-checks.js';
import { errorChecks } from './errors/error-checks.js';
import { propertyChecks } from './properties/property-checks.js';
import { rateLimitChecks } from './ratelimit/ratelimit-checks.js';
import { modelBasedCheck } from './ratelimit/model-based-check.js';

/** Checks of single requests: quick against any target. */
export const FUNCTIONAL_CHECKS: readonly Check[] = [
  ...credentialChecks,
  ...precedenceChecks,
  ...legacyChecks,
  ...lifecycleChecks,
  ...scopeChecks,
  ...clearanceChecks,
  ...errorChecks,
  ...propertyChecks,
];

/** Rate limits and their headers: load, over about a minute and a half of the target's time. */
export const RATE_LIMIT_CHECKS: readonly Check[] = [
  ...rateLimitChecks.filter((c) => c.requirement.startsWith('RL-')),
  modelBasedCheck,
  ...rateLimitChecks.filter((c) => c.requirement.startsWith('HDR-')),
];

export const ALL_CHECKS: readonly Check[] = [...FUNCTIONAL_CHECKS, ...RATE_LIMIT_CHECKS];

/** The areas a run can be limited to (--only, --skip): requirement ID prefixes. */
export const AREAS = ['CRED', 'PREC', 'LEG', 'KEY', 'SCOPE', 'TLP', 'ERR', 'RL', 'HDR', 'SCHEMA'] as const;
