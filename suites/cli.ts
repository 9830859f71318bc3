// `casebender run`: the conformance suites against a deployment (or the embedded mock), with
// progress, a summary per requirement, and exit codes a release gate can use.
import { integerOption, listOption, parseOptions, UsageError } from '../cli/args.js';
import type { CheckResult, Result } from './harness/check.js';
import { runPasses } from './harness/check.js';
import { describeResult } from './harness/describe-result.js';
import { TargetUnreachable } from './harness/http-client.js';
import { ProfileError, type ResolvedKey, type ResolvedProfile } from './harness/load-profile.js';
import { controlKeyAdmin, declaredKeyAdmin, declaresSpec, type KeyAdmin } from './harness/key-admin.js';
import { provisionKeys, retireKeys, runName, type CreatedKey } from './harness/provision.js';
import { createControlApi } from './harness/control-api-client.js';
import { createClient, type Probe } from './harness/http-client.js';
import { profileModel } from './harness/oracle.js';
import type { CheckContext } from './harness/check.js';
import { startRun } from './harness/run.js';
import { embeddedTarget, externalTarget, type Target } from './harness/target.js';
import { AREAS } from './all-checks.js';
import { estimateLoad } from './ratelimit/observations.js';
import { join } from 'node:path';
import { applyBaseline, loadBaseline, type BaselineEntry } from './report/baseline.js';
import { buildRunReport, RESULT_ORDER, worst, type RunReport } from './report/run-report.js';
import { FORMATS, writeReports, type Format } from './report/write-reports.js';
import { PrismMissing } from './prism/prism-referee.js';

export const RUN_USAGE = `Usage: casebender run [options]

Runs the conformance suites (${AREAS.join(', ')}) against a CaseBender deployment, or,
without --target and --profile, against the embedded mock on a free loopback port.

Options:
  --target URL        the API base, e.g. https://staging.example.com/api/v1 (overrides the profile's)
  --profile FILE      the target profile: keys and entities (schema: fixtures/profile.schema.json)
  --only LIST         run only these areas or requirement IDs, e.g. CRED,PREC-2
  --skip LIST         leave these areas or requirement IDs out
  --strict            warn and differs fail the run too
  --quick             rate limits: burst, rate, minute cap, 429s, isolation, headers (default)
  --full              also the hour caps (RL-4): an hour of the target's time per tier, tiers in parallel
  --provision         make the keys the run needs at the deployment (named after the run) through
                      the profile's keyAdmin, or the mock's control API, and revoke them when the
                      run ends, also on Ctrl-C or a failed run: the profile needs one admin key
  --openapi FILE      the deployment's own OpenAPI document (SCHEMA-1 mismatches then fail)
  --validate-with-prism
                      Stoplight Prism judges every answer too, against --openapi FILE or
                      fixtures/openapi.yaml; an answer it finds in breach of what CaseBender
                      documents fails SCHEMA-1, of the project's own choices differs
                      (needs the optional @stoplight/prism-http and prism-core packages)
  --report-dir DIR    where reports go: DIR/<run>/ and DIR/latest (default reports)
  --format LIST       junit,json,html (default all three; none for no files)
  --baseline FILE     accepted deviations {"accepted":[{"requirement","target","reason"}]}: they do
                      not fail the run; entries that pass now are reported as stale
  --budget N          at most N requests (default 100000, with --full 1000000); load beyond it is refused
  --timeout MS        per request (default 10000)
  --seed N            fast-check seed (default 42)
  --runs N            fast-check runs per property (default 40)
  --verbose           print every result, not only the ones that are not a pass
  --quiet             print only the summary line
  -h, --help          show this help

Exit codes: 0 nothing failed (with --strict: nothing failed, warned or differed),
1 something did, 2 a usage or profile error, or an unreachable target.`;

function parse(argv: readonly string[]) {
  const values = parseOptions(argv, {
    target: { type: 'string' },
    profile: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    strict: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    provision: { type: 'boolean', default: false },
    openapi: { type: 'string' },
    'validate-with-prism': { type: 'boolean', default: false },
    budget: { type: 'string' },
    'report-dir': { type: 'string', default: 'reports' },
    format: { type: 'string', default: 'junit,json,html' },
    baseline: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '40' },
    verbose: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const int = (name: string, v: string, min: number) => integerOption(name, v, { min });
  // An area (CRED) or a requirement ID of one (CRED-1).
  const list = (name: string, v: string | undefined) =>
    listOption(name, v, {
      normalize: (s) => s.toUpperCase(),
      allows: (item) => /^[A-Z]+(-\d+)?$/.test(item) && (AREAS as readonly string[]).includes(item.split('-')[0]!),
      refuse: (item) => `"${item}" is not an area (${AREAS.join(', ')}) or a requirement ID`,
    });
  const formatsOf = (v: string): Format[] => listOption('format', v, { normalize: (x) => x.toLowerCase(), drop: ['none'], choices: FORMATS });
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  if (values.target !== undefined && values.profile === undefined) throw new UsageError('--target needs --profile: the suites need to know the deployment’s keys');
  if (values.provision && values.profile === undefined) throw new UsageError('--provision needs --profile (with keyAdmin, or the mock’s control API): the embedded mock’s profile has every key already');
  return {
    target: values.target,
    profile: values.profile,
    only: list('only', values.only),
    skip: list('skip', values.skip),
    strict: values.strict,
    full: values.full,
    provision: values.provision,
    reportDir: values['report-dir'],
    formats: formatsOf(values.format),
    baseline: values.baseline,
    openapi: values.openapi,
    prism: values['validate-with-prism'],
    budget: int('budget', values.budget ?? (values.full ? '1000000' : '100000'), 1),
    timeoutMs: int('timeout', values.timeout, 100),
    seed: int('seed', values.seed, 0),
    runs: int('runs', values.runs, 1),
    verbose: values.verbose,
    quiet: values.quiet,
    help: values.help,
  };
}

/** The result of each requirement: the worst of its checks, skipped only when all were. */
export function byRequirement(results: readonly CheckResult[]): Map<string, Result> {
  const grouped = new Map<string, Result[]>();
  for (const r of results) grouped.set(r.requirement, [...(grouped.get(r.requirement) ?? []), r.result]);
  return new Map([...grouped].map(([id, rs]) => [id, worst(rs)]));
}

export async function runRunCommand(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    err(`casebender run: ${(error as Error).message}\nRun "casebender run --help" for the options.`);
    return 2;
  }
  if (options.help) {
    out(RUN_USAGE);
    return 0;
  }
  let baselineEntries: BaselineEntry[] = [];
  if (options.baseline !== undefined) {
    try {
      baselineEntries = loadBaseline(options.baseline);
    } catch (error) {
      err(`casebender run: ${(error as Error).message}`);
      return 2;
    }
  }
  let target: Target;
  try {
    target = options.profile !== undefined ? externalTarget(options.profile, options.target) : await embeddedTarget();
  } catch (error) {
    err(`casebender run: ${(error as Error).message}`);
    return 2;
  }
  let provisioning: Provisioning | undefined;
  try {
    let profile = target.profile;
    if (options.provision) {
      try {
        provisioning = await provision(profile, options, out);
      } catch (error) {
        err(`casebender run: --provision: ${(error as Error).message}`);
        return 2;
      }
      profile = { ...profile, keys: [...profile.keys, ...provisioning.keys] };
    }
    let run;
    try {
      run = await startRun({
        profile,
        strict: options.strict,
        ...(options.only !== undefined ? { only: options.only } : {}),
        ...(options.skip !== undefined ? { skip: options.skip } : {}),
        budget: options.budget,
        timeoutMs: options.timeoutMs,
        seed: options.seed,
        numRuns: options.runs,
        ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
        rateLimit: { full: options.full },
        prism: options.prism,
      });
    } catch (error) {
      if (error instanceof PrismMissing) {
        err(`casebender run: --validate-with-prism: ${error.message}`);
        return 2;
      }
      if (error instanceof TargetUnreachable || error instanceof ProfileError) {
        err(`casebender run: the target does not answer: ${error.message}`);
        return 2;
      }
      throw error;
    }
    const say = (line: string) => {
      if (!options.quiet) out(line);
    };
    say(`casebender run: ${target.kind === 'embedded' ? 'the embedded mock at ' : ''}${target.profile.target.baseUrl}${options.prism ? ' (answers judged by Prism too)' : ''}; fast-check seed ${options.seed}`);
    const startedAt = new Date();
    const seen = new Set<string>();
    let stopBar: (() => void) | undefined;
    const { results, load, requests } = await run.runAll({
      starting(check) {
        const a = check.requirement.split('-')[0]!;
        if (seen.has(a)) return;
        seen.add(a);
        if (a === 'RL') {
          const limited = Object.values(run.context.model.tiers).filter((t) => t !== null);
          const e = estimateLoad(limited, run.context.time, (target.profile.target.extraBaseUrls ?? []).length > 0, undefined, options.full);
          say(`RL … about ${e.requests} requests over about ${e.seconds} s (time scale ${target.profile.clock?.timeScale ?? 1})`);
          if (!options.quiet) stopBar = progressBar(e.seconds, out);
        } else say(`${a} … ${run.checks.filter((c) => c.requirement.startsWith(`${a}-`)).length} checks`);
      },
      finished(result) {
        // The whole load runs under the first rate-limit check; the bar ends with it.
        stopBar?.();
        stopBar = undefined;
        // Skipped checks are listed at the end, once per requirement that ran none of its checks.
        if (options.verbose || (result.result !== 'pass' && result.result !== 'skipped')) say(indent(run.redact(describeResult(result))));
      },
    });
    run.close();
    const per = byRequirement(results);
    // A baseline accepts listed deviations: they are reported, and do not fail the gate.
    let baseline: Parameters<typeof buildRunReport>[0]['baseline'];
    if (options.baseline !== undefined) {
      const deviating = new Set([...per].filter(([, r]) => r !== 'pass' && r !== 'skipped').map(([id]) => id));
      baseline = { file: options.baseline, ...applyBaseline(baselineEntries, target.profile.target.baseUrl, deviating, new Set(per.keys())) };
    }
    const gated = results.filter((r) => baseline?.accepts(r.requirement) === undefined);
    const passed = runPasses(gated, options.strict);
    const report = buildRunReport({
      results,
      profile,
      targetKind: target.kind,
      startedAt,
      options: { strict: options.strict, full: options.full, seed: options.seed, budget: options.budget, ...(options.only !== undefined ? { only: options.only } : {}), ...(options.skip !== undefined ? { skip: options.skip } : {}) },
      requests,
      conformant: passed,
      redact: run.redact,
      ...(load !== undefined ? { load } : {}),
      ...(baseline !== undefined ? { baseline } : {}),
    });
    for (const r of report.requirements.filter((q) => q.result === 'skipped')) say(`  SKIPPED ${r.id}: ${r.checks.map((c) => c.reason).filter((x) => x !== undefined)[0] ?? 'skipped'}`);
    say(summaryTable(report));
    for (const s of report.baseline?.stale ?? []) say(`baseline: the entry for ${s.requirement} (${s.target}) is stale — it passes now; remove it`);
    if (options.formats.length > 0) {
      try {
        const failOn = (r: string) => r === 'fail' || (options.strict && (r === 'warn' || r === 'differs'));
        const written = writeReports(report, options.reportDir, options.formats, failOn);
        say(`reports: ${written.files.join(', ')} (and ${join(options.reportDir, 'latest')})`);
      } catch (error) {
        err(`casebender run: could not write the reports to ${options.reportDir}: ${(error as Error).message}`);
      }
    }
    const counts = RESULT_ORDER.map((r) => `${[...per.values()].filter((v) => v === r).length} ${r}`).join(', ');
    const accepted = report.baseline !== undefined && report.baseline.accepted.length > 0 ? `; ${report.baseline.accepted.length} accepted by the baseline` : '';
    out(`${passed ? 'CONFORMANT' : 'NOT CONFORMANT'}${options.strict ? ' (strict)' : ''}: ${per.size} requirements — ${counts}${accepted}; ${requests} requests`);
    return passed ? 0 : 1;
  } finally {
    if (provisioning !== undefined) await provisioning.retire();
    await target.stop();
  }
}

interface Provisioning {
  readonly keys: ResolvedKey[];
  /** Revokes what the run made (once; also from a signal), and says so. */
  retire(): Promise<void>;
}

/**
 * --provision: makes the run's keys through the mock's control API or the profile's keyAdmin; from
 * then on Ctrl-C or SIGTERM revokes them before the process ends.
 */
async function provision(profile: ResolvedProfile, options: { full: boolean; only?: string[] | undefined; skip?: string[] | undefined }, out: (line: string) => void): Promise<Provisioning> {
  const model = profileModel(profile);
  const control = profile.target.control;
  const client = createClient({ baseUrl: profile.target.baseUrl });
  const ctx = { profile, model, control: control?.token !== undefined ? createControlApi(control.url, control.token) : undefined, send: (p: Probe) => client.send(p) } as unknown as CheckContext;
  let admin: KeyAdmin | undefined = controlKeyAdmin(ctx);
  if (admin === undefined) {
    if (profile.keyAdmin === undefined) throw new Error('the profile declares no keyAdmin and names no control API: there is nothing to make keys with');
    if (!declaresSpec(profile.keyAdmin)) throw new Error('keyAdmin.create must pass on {tier} and {scopes} (and, where it can, {kind}, {tlpClearance}, {papClearance}, {expiresAt}) to make the keys of a run');
    admin = declaredKeyAdmin(ctx, profile.keyAdmin);
  }
  const made = admin;
  const created: CreatedKey[] = [];
  let retired: Promise<void> | undefined;
  const retire = () =>
    (retired ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const { revoked, failed } = await retireKeys(created, made);
      if (created.length > 0) out(`provision: revoked ${revoked} of the ${created.filter((k) => !k.revoked).length} keys this run made${failed.length > 0 ? `; NOT revoked: ${failed.join('; ')}` : ''}`);
      client.close();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    out(`provision: ${signal}: revoking this run's keys before stopping`);
    void retire().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run = runName();
  const rateLimits = control === undefined && !(options.only !== undefined && !options.only.some((id) => /^(RL|HDR)/.test(id))) && !(options.skip?.includes('RL') === true && options.skip.includes('HDR'));
  try {
    const done = await provisionKeys(profile, model, made, { run, rateLimits, full: options.full, now: Date.now(), created: (k) => created.push(k) });
    out(`provision: made ${done.created.length} keys through ${made.via}, named ${run}-*; they are revoked when the run ends`);
    for (const note of done.notes) out(`provision: ${note}`);
    return { keys: done.keys, retire };
  } catch (error) {
    await retire();
    throw error;
  }
}

/**
 * A bar for the rate-limit load, from its estimated duration: redrawn in place every second on a
 * terminal, a line every 15 s otherwise (CI logs).
 */
function progressBar(estimateSeconds: number, out: (line: string) => void): () => void {
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  const draw = () => {
    const elapsed = (Date.now() - started) / 1000;
    const share = Math.min(1, elapsed / estimateSeconds);
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
    const left = Math.max(0, Math.round(estimateSeconds - elapsed));
    const text = `  load [${bar}] ${Math.round(share * 100)}%, about ${left} s left`;
    if (tty) process.stdout.write(`\r${text}`);
    else out(text);
  };
  const timer = setInterval(draw, tty ? 1_000 : 15_000);
  return () => {
    clearInterval(timer);
    if (tty) process.stdout.write(`\r${' '.repeat(60)}\r`);
  };
}

/** Results per area: a compact table for the end of a run. */
function summaryTable(report: RunReport): string {
  const areas = new Map<string, Record<string, number>>();
  for (const r of report.requirements) {
    const a = r.id.split('-')[0]!;
    const row = areas.get(a) ?? { pass: 0, fail: 0, warn: 0, differs: 0, skipped: 0 };
    row[r.result] = (row[r.result] ?? 0) + 1;
    areas.set(a, row);
  }
  const cols = ['pass', 'fail', 'warn', 'differs', 'skipped'];
  const lines = [['area', ...cols].map((c, i) => (i === 0 ? c.padEnd(7) : c.padStart(8))).join('')];
  for (const [a, row] of areas) lines.push([a.padEnd(7), ...cols.map((c) => String(row[c] ?? 0).padStart(8))].join(''));
  return lines.join('\n');
}

const indent = (text: string) => text.split('\n').map((l) => '  ' + l).join('\n');
