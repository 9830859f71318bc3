// `casebender run`: the conformance suites against a deployment (or the embedded mock), with
// progress, a summary per requirement, and exit codes a release gate can use.
import { parseArgs } from 'node:util';
import type { CheckResult, Result } from './harness/check.js';
import { runPasses } from './harness/check.js';
import { describeResult } from './harness/describe-result.js';
import { TargetUnreachable } from './harness/http-client.js';
import { ProfileError } from './harness/load-profile.js';
import { startRun, selects } from './harness/run.js';
import { embeddedTarget, externalTarget, type Target } from './harness/target.js';
import { AREAS } from './all-checks.js';
import { estimateLoad, loadReport, observationsIfMade } from './ratelimit/observations.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  --openapi FILE      the deployment's own OpenAPI document (SCHEMA-1 mismatches then fail)
  --report-dir DIR    where the rate-limit load timelines are written (default reports)
  --budget N          at most N requests (default 100000, with --full 1000000); load beyond it is refused
  --timeout MS        per request (default 10000)
  --seed N            fast-check seed (default 42)
  --runs N            fast-check runs per property (default 40)
  --verbose           print every result, not only the ones that are not a pass
  --quiet             print only the summary line
  -h, --help          show this help

Exit codes: 0 nothing failed (with --strict: nothing failed, warned or differed),
1 something did, 2 a usage or profile error, or an unreachable target.`;

class UsageError extends Error {}

function parse(argv: readonly string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        target: { type: 'string' },
        profile: { type: 'string' },
        only: { type: 'string' },
        skip: { type: 'string' },
        strict: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        openapi: { type: 'string' },
        budget: { type: 'string' },
        'report-dir': { type: 'string', default: 'reports' },
        timeout: { type: 'string', default: '10000' },
        seed: { type: 'string', default: '42' },
        runs: { type: 'string', default: '40' },
        verbose: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer of at least ${min}; got "${v}"`);
    return n;
  };
  const list = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const items = v.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
    for (const item of items) {
      if (!/^[A-Z]+(-\d+)?$/.test(item) || !(AREAS as readonly string[]).includes(item.split('-')[0]!)) throw new UsageError(`--${name}: "${item}" is not an area (${AREAS.join(', ')}) or a requirement ID`);
    }
    return items;
  };
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  if (values.target !== undefined && values.profile === undefined) throw new UsageError('--target needs --profile: the suites need to know the deployment’s keys');
  return {
    target: values.target,
    profile: values.profile,
    only: list('only', values.only),
    skip: list('skip', values.skip),
    strict: values.strict,
    full: values.full,
    reportDir: values['report-dir'],
    openapi: values.openapi,
    budget: int('budget', values.budget ?? (values.full ? '1000000' : '100000'), 1),
    timeoutMs: int('timeout', values.timeout, 100),
    seed: int('seed', values.seed, 0),
    runs: int('runs', values.runs, 1),
    verbose: values.verbose,
    quiet: values.quiet,
    help: values.help,
  };
}

const ORDER: Result[] = ['fail', 'warn', 'differs', 'pass', 'skipped'];

/** The worst result of each requirement's checks; skipped only when every one of them was. */
export function byRequirement(results: readonly CheckResult[]): Map<string, Result> {
  const out = new Map<string, Result>();
  for (const r of results) {
    const prev = out.get(r.requirement);
    if (prev === undefined || ORDER.indexOf(r.result) < ORDER.indexOf(prev)) out.set(r.requirement, r.result);
  }
  return out;
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
  let target: Target;
  try {
    target = options.profile !== undefined ? externalTarget(options.profile, options.target) : await embeddedTarget();
  } catch (error) {
    err(`casebender run: ${(error as Error).message}`);
    return 2;
  }
  try {
    let run;
    try {
      run = await startRun({
        profile: target.profile,
        strict: options.strict,
        ...(options.only !== undefined ? { only: options.only } : {}),
        ...(options.skip !== undefined ? { skip: options.skip } : {}),
        budget: options.budget,
        timeoutMs: options.timeoutMs,
        seed: options.seed,
        numRuns: options.runs,
        ...(options.openapi !== undefined ? { openapi: options.openapi } : {}),
        rateLimit: { full: options.full },
      });
    } catch (error) {
      if (error instanceof TargetUnreachable || error instanceof ProfileError) {
        err(`casebender run: the target does not answer: ${error.message}`);
        return 2;
      }
      throw error;
    }
    const say = (line: string) => {
      if (!options.quiet) out(line);
    };
    say(`casebender run: ${target.kind === 'embedded' ? 'the embedded mock at ' : ''}${target.profile.target.baseUrl}; fast-check seed ${options.seed}`);
    const results: CheckResult[] = [];
    const seen = new Set<string>();
    for (const check of run.checks) {
      const a = check.requirement.split('-')[0]!;
      if (!seen.has(a)) {
        seen.add(a);
        if (a === 'RL') {
          const limited = Object.values(run.context.model.tiers).filter((t) => t !== null);
          const e = estimateLoad(limited, target.profile.clock?.timeScale ?? 1, (target.profile.target.extraBaseUrls ?? []).length > 0, undefined, options.full);
          say(`RL … about ${e.requests} requests over about ${e.seconds} s (time scale ${target.profile.clock?.timeScale ?? 1})`);
        } else say(`${a} …`);
      }
      const result = await run.runCheck(check);
      results.push(result);
      if (options.verbose || result.result !== 'pass') say(indent(run.redact(describeResult(result))));
    }
    const wantSchema = (options.only === undefined || selects(options.only, 'SCHEMA-1')) && !(options.skip !== undefined && selects(options.skip, 'SCHEMA-1'));
    if (wantSchema) {
      const schema = run.schemaResult();
      results.push(schema);
      if (options.verbose || schema.result !== 'pass') say(indent(run.redact(describeResult(schema))));
    }
    const load = observationsIfMade(run.context);
    if (load !== undefined) {
      try {
        const dir = join(options.reportDir, new Date().toISOString().replace(/[:.]/g, '-'));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'rate-limit-load.json'), JSON.stringify(loadReport(await load), null, 1) + '\n');
        say(`rate-limit load timelines: ${join(dir, 'rate-limit-load.json')}`);
      } catch (error) {
        err(`casebender run: could not write the load timelines: ${(error as Error).message}`);
      }
    }
    run.close();
    const per = byRequirement(results);
    const counts = ORDER.map((r) => `${[...per.values()].filter((v) => v === r).length} ${r}`).join(', ');
    const passed = runPasses(results, options.strict);
    out(`${passed ? 'CONFORMANT' : 'NOT CONFORMANT'}${options.strict ? ' (strict)' : ''}: ${per.size} requirements — ${counts}; ${run.context.client.sent()} requests`);
    return passed ? 0 : 1;
  } finally {
    await target.stop();
  }
}

const indent = (text: string) => text.split('\n').map((l) => '  ' + l).join('\n');
