// A conformance check: one behaviour of one requirement, run against a target, judged by the
// requirement's level (fixtures/requirements.json).
import type { Model, Level } from '../../contract/index.js';
import type { Client, Exchange, Probe } from './http-client.js';
import type { ResolvedKey, ResolvedProfile } from './load-profile.js';
import type { Oracle } from './oracle.js';
import type { ControlApi } from './control-api-client.js';
import type { TargetTime } from './target-time.js';

export type { Level };
export type Result = 'pass' | 'fail' | 'warn' | 'differs' | 'skipped';

export interface Evidence {
  /** One line: what went wrong. */
  readonly summary: string;
  readonly exchange?: Exchange;
  readonly expected?: string;
  readonly why?: string;
}

export type Verdict =
  | { readonly outcome: 'pass'; readonly note?: string }
  | { readonly outcome: 'violation'; readonly evidence: Evidence }
  | { readonly outcome: 'skipped'; readonly reason: string };

/** Thrown by shared work a check depends on, when that work cannot run here: the check is skipped. */
export class CheckSkipped extends Error {}

export const pass = (note?: string): Verdict => (note === undefined ? { outcome: 'pass' } : { outcome: 'pass', note });
export const skip = (reason: string): Verdict => ({ outcome: 'skipped', reason });
export const violation = (evidence: Evidence): Verdict => ({ outcome: 'violation', evidence });

export interface CheckContext {
  readonly profile: ResolvedProfile;
  readonly model: Model;
  readonly oracle: Oracle;
  readonly client: Client;
  /** The mock's control API, when the profile gives one. */
  readonly control: ControlApi | undefined;
  /** Sends a probe; a 429 is waited out (Retry-After) and sent again, a bounded number of times. */
  send(probe: Probe): Promise<Exchange>;
  /** fast-check options: the run's seed and number of runs. */
  readonly fc: { readonly seed: number; readonly numRuns: number };
  /** The target's time: every wait, rate and sample time of a check is in it (target-time.ts). */
  readonly time: TargetTime;
  /**
   * Work several checks share, made once a run under `key` (the rate-limit load): the first caller
   * starts it, later callers get the same promise.
   */
  once<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** The shared work made under `key` so far, if any, without starting it. */
  made<T>(key: string): Promise<T> | undefined;
  /** Whether a request of this run has presented the key already (the rate-limit load wants keys it has not). */
  presented(key: ResolvedKey): boolean;
  /** Limits on the rate-limit load: only these tiers, and this many requests for the Unlimited run. */
  readonly rateLimit?: { readonly tiers?: readonly string[]; readonly unlimitedAmount?: number; readonly full?: boolean };
}

export interface Check {
  /** The requirement ID this check judges, e.g. "CRED-4". */
  readonly requirement: string;
  /** What it shows, e.g. "header names in any case are accepted". */
  readonly title: string;
  /**
   * A policy a profile may declare; when it does, a REF violation of this check is a `fail`
   * (the deployment breaks its own declaration) instead of `differs`.
   */
  readonly policy?: 'adminImpliesAll' | 'writeImpliesRead' | 'operationScopes' | 'rateLimitAlgorithm';
  /** The level of the part of the requirement this check judges, when not the catalogue's. */
  readonly level?: Level;
  run(ctx: CheckContext): Promise<Verdict>;
}

export interface CheckResult {
  readonly requirement: string;
  readonly title: string;
  readonly level: Level;
  readonly result: Result;
  readonly verdict: Verdict;
  readonly ms: number;
}

/** A violation's result by the requirement's level (contract: Levels). */
export function judge(level: Level, verdict: Verdict, options: { strict: boolean; declared: boolean }): Result {
  if (verdict.outcome === 'pass') return 'pass';
  if (verdict.outcome === 'skipped') return 'skipped';
  switch (level) {
    case 'DOC':
    case 'STD':
      return 'fail';
    case 'SHOULD':
      return 'warn';
    case 'REF':
      return options.declared ? 'fail' : 'differs';
  }
}

/** Whether a run with these results passes: nothing fails (with --strict: nothing warns or differs either). */
export function runPasses(results: readonly { result: Result }[], strict: boolean): boolean {
  return results.every((r) => r.result === 'pass' || r.result === 'skipped' || (!strict && (r.result === 'warn' || r.result === 'differs')));
}

