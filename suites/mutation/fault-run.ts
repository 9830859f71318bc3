// One run of the suites against the embedded mock with faults set: which requirements the suites
// blame (any result but pass or skipped). The functional areas and the rate-limit areas run
// apart, because the load needs its own time scale and fresh limits.
import { RATE_LIMIT_FAULTS, type Fault } from '../../mock/faults/faults.js';
import type { CheckResult } from '../harness/check.js';
import { describeResult } from '../harness/describe-result.js';
import { startRun, type Run } from '../harness/run.js';
import { embeddedTarget } from '../harness/target.js';
import type { ResolvedProfile } from '../harness/load-profile.js';
import { rateLimitRun } from '../ratelimit/rate-limit-run.js';

export interface Blame {
  /** Requirement IDs whose result is fail, warn or differs. */
  readonly blamed: string[];
  /** One line per result that is not a pass, redacted. */
  readonly lines: string[];
  readonly results: CheckResult[];
  readonly ms: number;
  /** Redacts the keys of the mock the run used (it is gone by then; its keys stay secret anyway). */
  readonly redact: (text: string) => string;
  readonly profile: ResolvedProfile;
}

/**
 * Faults whose rate-limit run needs a slower clock to be seen, on the lowest tier. At 60 target
 * seconds a real second a basic token refills every 17 ms, less than a busy machine's jitter: a
 * burst one short is refilled before it lands, and five extra a minute hide in the jitter allowance.
 */
const PRECISE: Readonly<Record<string, { timeScale: number; tiers: string[] }>> = {
  'burst-off-by-one': { timeScale: 10, tiers: ['basic'] },
  'burst-plus-five': { timeScale: 10, tiers: ['basic'] },
};

export const isRateLimitId = (id: string) => id.startsWith('RL-') || id.startsWith('HDR-');

const blameOf = (run: Pick<Run, 'redact'>, profile: ResolvedProfile, results: CheckResult[], started: number): Blame => {
  const bad = results.filter((r) => r.result !== 'pass' && r.result !== 'skipped');
  return { blamed: [...new Set(bad.map((r) => r.requirement))].sort(), lines: bad.map((r) => run.redact(describeResult(r))), results, ms: performance.now() - started, redact: run.redact, profile };
};

/** Every functional check (all areas but RL and HDR) and SCHEMA-1 against a mock with these faults. */
export async function functionalRun(faults: readonly string[]): Promise<Blame> {
  const started = performance.now();
  const target = await embeddedTarget({ faults });
  try {
    const run = await startRun({ profile: target.profile, numRuns: 25, seed: 7, skip: ['RL', 'HDR'] });
    const { results } = await run.runAll();
    run.close();
    return blameOf(run, target.profile, results, started);
  } finally {
    await target.stop();
  }
}

/**
 * The rate-limit checks (RL, HDR) against a mock with these faults (basic and standard tiers), at
 * `timeScale` target seconds a real second (60 by default: ten seconds a run; a busy machine's
 * jitter is then a target second, so npm run mutation uses 30).
 */
export async function limitsRun(faults: readonly string[], timeScale = 60): Promise<Blame> {
  const started = performance.now();
  const precise = faults.length === 1 ? PRECISE[faults[0]!] : undefined;
  const r = await rateLimitRun({ faults: [...faults], timeScale, ...(precise ?? {}) });
  const bad = r.results.filter((x) => x.result !== 'pass' && x.result !== 'skipped');
  return { blamed: r.blamed, lines: bad.map((x) => r.redact(describeResult(x))), results: r.results, ms: performance.now() - started, redact: r.redact, profile: r.profile };
}

/** Which runs a fault needs: `full` runs both for every fault; otherwise the load only for faults that break RL/HDR. */
export const needsLimitsRun = (fault: Fault, full: boolean) => full || RATE_LIMIT_FAULTS.includes(fault);
