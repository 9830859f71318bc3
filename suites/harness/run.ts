// One conformance run against one target: the context every check gets, each check judged by
// its requirement's level, and SCHEMA-1 over every answer received.
import { fixturePath, LEVELS } from '../../contract/index.js';
import { CheckSkipped, judge, type Check, type CheckContext, type CheckResult, type Level, type Verdict } from './check.js';
import { createControlApi } from './control-api-client.js';
import { BudgetExceeded, createClient, header, TargetUnreachable, type Exchange, type Probe } from './http-client.js';
import type { ResolvedProfile } from './load-profile.js';
import { createOracle, profileModel } from './oracle.js';
import { createRedactor, type Redactor } from './redact.js';
import { clockEstimator } from './target-clock.js';
import { estimatedClock, machineClock, offsetClock, targetTime, type PlacedClock } from './target-time.js';
import { createResponseValidator, type SchemaFinding } from '../schema/response-validator.js';
import { ALL_CHECKS } from '../all-checks.js';
import { loadReport, observationsIfMade } from '../ratelimit/observations.js';
import { createPrismReferee } from '../prism/prism-referee.js';

export interface RunOptions {
  readonly profile: ResolvedProfile;
  readonly strict?: boolean;
  /** Requirement IDs or areas (CRED, PREC-2, ...) to run; all when empty. */
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly budget?: number;
  readonly timeoutMs?: number;
  readonly seed?: number;
  readonly numRuns?: number;
  /** The deployment's own OpenAPI document: SCHEMA-1 mismatches then fail (DOC) instead of differ. */
  readonly openapi?: string;
  readonly rateLimit?: CheckContext['rateLimit'];
  /** Prism judges every answer too (--validate-with-prism): its findings fail SCHEMA-1. */
  readonly prism?: boolean;
}

export interface Run {
  readonly context: CheckContext;
  readonly redact: Redactor;
  readonly checks: readonly Check[];
  /** Runs one check and judges it. */
  runCheck(check: Check): Promise<CheckResult>;
  /**
   * Every selected check in order, then SCHEMA-1 when it is selected (after Prism, if it judges);
   * `events` hears of each check as it starts and of each result as it comes (progress, printing).
   */
  runAll(events?: RunEvents): Promise<RunOutcome>;
  /** SCHEMA-1 over every answer received so far (await refereed() first when Prism judges too). */
  schemaResult(): CheckResult;
  /** Resolves when Prism has judged every answer received so far. */
  refereed(): Promise<void>;
  close(): void;
}

export interface RunEvents {
  /** A check is about to run (SCHEMA-1 is judged last, without a check of its own). */
  starting?(check: Check): void;
  /** A check's result, and SCHEMA-1's at the end. */
  finished?(result: CheckResult): void;
}

export interface RunOutcome {
  readonly results: CheckResult[];
  /** What the reports keep of the rate-limit load (loadReport), when it was sent. */
  readonly load?: object;
  /** Requests sent, the load's included. */
  readonly requests: number;
}

/** Whether `id` is selected by a list of IDs and areas. */
export const selects = (list: readonly string[], id: string) => list.some((s) => s === id || s === id.split('-')[0]);

const MAX_429_RETRIES = 3;
/** Date headers the clock estimate wants before the rate-limit load (fewer came from the checks so far: more are asked for). */
const CLOCK_SAMPLES = 8;
const MAX_429_WAIT_MS = 15_000;

/** Starts a run: checks that the target answers at all (TargetUnreachable otherwise). */
export async function startRun(options: RunOptions): Promise<Run> {
  const { profile } = options;
  const model = profileModel(profile);
  const oracle = createOracle(profile);
  const redact = createRedactor(profile);
  const validator = createResponseValidator(options.openapi ?? fixturePath('openapi.yaml'));
  const findings: SchemaFinding[] = [];
  /**
   * Answers Prism finds in breach of the document, in Prism's words: where the document follows
   * CaseBender's reference (documented or inferred success answers), and where it is the project's
   * own choice (reference), which a deployment may make otherwise.
   */
  const prismFindings: SchemaFinding[] = [];
  const prismReferenceFindings: SchemaFinding[] = [];
  const referee = options.prism === true ? await createPrismReferee(options.openapi) : undefined;
  const judged: Promise<void>[] = [];
  let prismJudged = 0;
  let prismUnrouted = 0;
  let exchanges = 0;
  const timeScale = profile.clock?.timeScale ?? 1;
  const clockSamples = clockEstimator(timeScale);
  /** The credential values requests of this run have carried (a key used by a check is not rested). */
  const presentedValues = new Set<string>();
  const client = createClient({
    baseUrl: profile.target.baseUrl,
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    onExchange: (e) => {
      exchanges++;
      if (e.sentAt !== undefined) clockSamples.add(e.sentAt, e.sentAt + e.ms, e.headers['date']?.[0]);
      for (const [name, value] of e.probe.headers ?? []) if (/^(authorization|x-api-key)$/i.test(name)) presentedValues.add(value.replace(/^bearer\s+/i, '').trim());
      if (referee !== undefined) {
        judged.push(
          referee.check(e).then(
            (v) => {
              prismJudged++;
              if (v.kind === 'unrouted') prismUnrouted++;
              else if (v.kind === 'violations') {
                const finding = { exchange: e, problem: `Prism: ${v.messages.slice(0, 3).join('; ')}${v.messages.length > 3 ? ` (and ${v.messages.length - 3} more)` : ''}` };
                // With the project's document, a breach of a part CaseBender does not document differs, never fails.
                if (options.openapi === undefined && validator.sourceOf(e) === 'reference') prismReferenceFindings.push(finding);
                else prismFindings.push(finding);
              }
            },
            (error: unknown) => void prismFindings.push({ exchange: e, problem: `Prism could not judge the answer: ${(error as Error).message}` }),
          ),
        );
      }
      // One finding an answer, however many problems it has: the count is of answers.
      const problems = validator.check(e);
      if (problems.length > 0) findings.push({ exchange: e, problem: problems.join('; ') });
    },
  });
  const control = profile.target.control?.token !== undefined ? createControlApi(profile.target.control.url, profile.target.control.token) : undefined;
  const shared = new Map<string, Promise<unknown>>();
  const context: CheckContext = {
    profile,
    model,
    oracle,
    client,
    control,
    fc: { seed: options.seed ?? 42, numRuns: options.numRuns ?? 40 },
    time: targetTime(timeScale, async (): Promise<PlacedClock> => {
      if (control !== undefined) {
        const realAt = Date.now();
        const clock = await control.clock();
        // One scale for every conversion: a profile that says another than the target runs at
        // would have every wait and rate of the load wrong.
        if (clock.timeScale !== timeScale) throw new CheckSkipped(`the control API says the target runs at time scale ${clock.timeScale}, the profile says ${timeScale}: set clock.timeScale in the profile to ${clock.timeScale}`);
        return offsetClock('control API', clock.now, realAt, timeScale);
      }
      // A deployment's clock may be seconds off this machine's: its windows and resets are its own.
      // Answers at different phases of the second narrow the estimate: a few more, 130 ms apart.
      for (let i = 0; clockSamples.samples() < CLOCK_SAMPLES && i < CLOCK_SAMPLES; i++) {
        await client.send({ method: 'GET', path: '/alerts', headers: [] });
        await new Promise((r) => setTimeout(r, 130));
      }
      const estimate = clockSamples.estimate();
      return estimate === undefined ? machineClock(timeScale) : estimatedClock(estimate);
    }),
    once: (key, make) => {
      let work = shared.get(key);
      if (work === undefined) shared.set(key, (work = make()));
      return work as ReturnType<typeof make>;
    },
    made: <T>(key: string) => shared.get(key) as Promise<T> | undefined,
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    presented: (key) => presentedValues.has(key.kind === 'modern' ? key.key : key.accessKey),
    async send(probe: Probe): Promise<Exchange> {
      let exchange = await client.send(probe);
      // Rate limits are the RL suites' business: here a 429 is waited out and the request sent again.
      for (let i = 0; i < MAX_429_RETRIES && exchange.status === 429; i++) {
        const retryAfter = Number(header(exchange, 'retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.min(MAX_429_WAIT_MS, context.time.realMs(1000 * (Number.isFinite(retryAfter) ? Math.max(retryAfter, 0.05) : 1)))));
        exchange = await client.send(probe);
      }
      return exchange;
    },
  };
  // Preflight: an unreachable target is a usage problem (exit 2), not a list of failures.
  const preflight = () => client.send({ method: 'GET', path: '/alerts', headers: [] });
  await preflight();
  // Set once the target stops answering mid-run (and a fresh preflight confirms it): the checks
  // left are reported as not run, each with the reason, instead of each waiting out the timeout.
  let lost: TargetUnreachable | undefined;
  const wanted = (id: string) => (options.only === undefined || options.only.length === 0 || selects(options.only, id)) && !(options.skip !== undefined && selects(options.skip, id));
  const levelOf = (check: Check): Level => check.level ?? LEVELS.get(check.requirement) ?? 'REF';
  return {
    context,
    redact,
    checks: ALL_CHECKS.filter((c) => wanted(c.requirement)),
    async runCheck(check) {
      const started = performance.now();
      let verdict: Verdict;
      const notRun = lost !== undefined;
      try {
        if (lost !== undefined) throw lost;
        verdict = await check.run(context);
      } catch (error) {
        if (error instanceof BudgetExceeded || error instanceof CheckSkipped) verdict = { outcome: 'skipped', reason: error.message };
        else if (error instanceof TargetUnreachable) {
          if (lost === undefined) {
            try {
              await preflight();
            } catch (again) {
              // Only a second failure to answer means the target is gone (a spent budget does not).
              if (again instanceof TargetUnreachable) lost = again;
            }
          }
          verdict = notRun
            ? { outcome: 'violation', evidence: { summary: `not run: the target stopped answering earlier in the run (${error.message})`, why: 'a conformance run needs answers' } }
            : { outcome: 'violation', evidence: { summary: `the target stopped answering: ${error.message}`, why: 'a conformance run needs answers' } };
        } else verdict = { outcome: 'violation', evidence: { summary: `the check could not complete: ${(error as Error).message}`, why: 'an unexpected answer broke the check; see the evidence' } };
      }
      const level = levelOf(check);
      const declared = check.policy !== undefined && profile.policy?.[check.policy] !== undefined;
      return { requirement: check.requirement, title: check.title, level, result: judge(level, verdict, { strict: options.strict ?? false, declared }), verdict, ms: performance.now() - started };
    },
    schemaResult() {
      const prismNote = referee !== undefined ? `; Prism judged ${prismJudged - prismUnrouted} of them valid${prismUnrouted > 0 ? ` (${prismUnrouted} probes lie outside the document)` : ''}` : '';
      if (prismFindings.length > 0) {
        // Asked for with --validate-with-prism: an answer Prism refuses fails, whatever the level.
        const first = prismFindings[0]!;
        const verdict: Verdict = { outcome: 'violation', evidence: { summary: `Prism finds ${prismFindings.length} of ${exchanges} answers in breach of the OpenAPI document; first: ${first.problem}`, exchange: first.exchange, why: 'SCHEMA-1: answers match the OpenAPI document (validated by Prism)' } };
        return { requirement: 'SCHEMA-1', title: 'every answer matches the OpenAPI document', level: 'DOC', result: judge('DOC', verdict, { strict: options.strict ?? false, declared: false }), verdict, ms: 0 };
      }
      const level: Level = options.openapi !== undefined ? 'DOC' : 'REF';
      const first = findings[0] ?? prismReferenceFindings[0];
      const count = new Set([...findings, ...prismReferenceFindings].map((f) => f.exchange)).size;
      const verdict: Verdict =
        exchanges === 0
          ? { outcome: 'skipped', reason: 'no answers were received' }
          : first === undefined
            ? { outcome: 'pass', note: `${exchanges} answers matched the document${prismNote}` }
            : { outcome: 'violation', evidence: { summary: `${count} of ${exchanges} answers do not match the document${prismReferenceFindings.length > 0 ? ` (${prismReferenceFindings.length} in parts CaseBender does not document, found by Prism)` : ''}; first: ${first.problem}`, exchange: first.exchange, why: 'SCHEMA-1: answers match the OpenAPI document' } };
      return { requirement: 'SCHEMA-1', title: 'every answer matches the OpenAPI document', level, result: judge(level, verdict, { strict: options.strict ?? false, declared: false }), verdict, ms: 0 };
    },
    async runAll(this: Run, events: RunEvents = {}) {
      const results: CheckResult[] = [];
      const done = (r: CheckResult) => {
        results.push(r);
        events.finished?.(r);
      };
      for (const check of this.checks) {
        events.starting?.(check);
        done(await this.runCheck(check));
      }
      if (wanted('SCHEMA-1')) {
        await this.refereed();
        done(this.schemaResult());
      }
      let load: object | undefined;
      const made = observationsIfMade(context);
      if (made !== undefined) {
        try {
          load = loadReport(await made);
        } catch {
          // The load was refused or skipped: its checks say why.
        }
      }
      return { results, ...(load !== undefined ? { load } : {}), requests: client.sent() };
    },
    refereed: async () => {
      while (judged.length > 0) await Promise.all(judged.splice(0));
    },
    close: () => client.close(),
  };
}
