// `casebender run` exit codes: 0 conformant, 1 not, 2 usage, profile or unreachable target.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { schemaChecker } from '../contract/index.js';
import type { RunReport } from './report/run-report.js';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../mock/test-support/temp-dir.js';
import { embeddedTarget, type Target } from './harness/target.js';
import { runRunCommand } from './cli.js';

const dir = tempDir('cb-run-');
const started: Target[] = [];
afterAll(async () => {
  for (const t of started) await t.stop();
});

const checkReport = schemaChecker('report.schema.json');
let runs = 0;

/** Runs the command with its own report directory; every report.json it leaves must match the schema. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const reportDir = join(dir, `reports-${runs++}`);
  const code = await runRunCommand(args.includes('--report-dir') ? args : [...args, '--report-dir', reportDir], (l) => out.push(l), (l) => err.push(l));
  const json = join(reportDir, 'latest', 'report.json');
  let report: RunReport | undefined;
  if (existsSync(json)) {
    report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(checkReport(report)).toEqual([]);
  }
  return { code, out: out.join('\n'), err: err.join('\n'), reportDir, report };
}

/** A mock with faults, and a profile file for it. */
async function faultyProfile(faults: string[]): Promise<string> {
  const target = await embeddedTarget({ faults });
  started.push(target);
  const file = join(dir, `${faults.join('-') || 'clean'}.json`);
  const { source: _source, ...profile } = target.profile;
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

describe('casebender run', () => {
  it('exits 0 against the clean embedded mock and prints the summary', async () => {
    const { code, out } = await run(['--only', 'CRED,KEY', '--quiet']);
    expect(code).toBe(0);
    expect(out).toMatch(/^CONFORMANT: 13 requirements — 0 fail, 0 warn, 0 differs, 13 pass, 0 skipped; \d+ requests$/);
  }, 30_000);

  it('exits 1 when a DOC requirement fails, and shows the evidence with the key redacted', async () => {
    const profile = await faultyProfile(['accept-revoked']);
    const { code, out, reportDir, report } = await run(['--profile', profile, '--only', 'KEY']);
    expect(code).toBe(1);
    // The three reports: JSON with the failure, JUnit with a <failure>, HTML with the evidence and no key.
    expect(report?.requirements.find((r) => r.id === 'KEY-3')).toMatchObject({ result: 'fail', checks: expect.arrayContaining([expect.objectContaining({ evidence: expect.objectContaining({ curl: expect.stringContaining("curl -sS -i -X GET") }) })]) });
    const junit = readFileSync(join(reportDir, 'latest', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="casebender.KEY" name="KEY-3 \(DOC\): [^"]*"[^>]*>\s*<failure type="fail"/);
    const html = readFileSync(join(reportDir, 'latest', 'report.html'), 'utf8');
    expect(html).toContain('NOT CONFORMANT');
    expect(html).toContain('id="KEY-3"');
    for (const text of [junit, html, JSON.stringify(report)]) expect(text).not.toMatch(/cbr_live_[A-Za-z0-9]{40}/);
    expect(html).not.toMatch(/<script|<link|src=|url\(/);
    expect(out).toContain('FAIL KEY-3 (DOC)');
    expect(out).toContain('Bearer ‹key:revoked›');
    expect(out).not.toMatch(/cbr_live_[A-Za-z0-9]{40}/);
    expect(out).toMatch(/NOT CONFORMANT: 5 requirements — 1 fail/);
  }, 30_000);

  it('exits 0 when only a REF requirement differs, and 1 with --strict', async () => {
    const profile = await faultyProfile(['x-api-key-beats-bearer']);
    const relaxed = await run(['--profile', profile, '--only', 'PREC', '--quiet']);
    expect(relaxed.code).toBe(0);
    expect(relaxed.out).toMatch(/^CONFORMANT: 4 requirements — 0 fail, 0 warn, 1 differs/);
    const strict = await run(['--profile', profile, '--only', 'PREC', '--quiet', '--strict']);
    expect(strict.code).toBe(1);
  }, 30_000);

  it('a baseline accepts a listed deviation (exit 0) and reports an entry that passes now as stale', async () => {
    const profile = await faultyProfile(['accept-revoked']);
    const baseline = join(dir, 'baseline.json');
    writeFileSync(baseline, JSON.stringify({ accepted: [{ requirement: 'KEY-3', target: '*', reason: 'known, ticket SEC-1' }, { requirement: 'KEY-1', target: '*' }] }));
    const { code, out, report } = await run(['--profile', profile, '--only', 'KEY', '--baseline', baseline]);
    expect(code).toBe(0);
    expect(out).toContain('baseline: the entry for KEY-1 (*) is stale');
    expect(out).toMatch(/CONFORMANT: 5 requirements — 1 fail, .*; 1 accepted by the baseline;/);
    expect(report?.baseline).toEqual({ file: baseline, accepted: ['KEY-3'], stale: [{ requirement: 'KEY-1', target: '*' }] });
  }, 30_000);

  it.each([
    [['--bogus'], "casebender run: Unknown option '--bogus'"],
    [['--format', 'pdf'], 'casebender run: --format: "pdf" is not one of junit, json, html'],
    [['--baseline', '/nonexistent-baseline.json'], 'casebender run: cannot read the baseline /nonexistent-baseline.json: no such file'],
    [['--only', 'NOPE'], 'casebender run: --only: "NOPE" is not an area'],
    [['--budget', '0'], 'casebender run: --budget must be an integer of at least 1; got "0"'],
    [['--target', 'http://127.0.0.1:1/api/v1'], 'casebender run: --target needs --profile'],
    [['--profile', '/nonexistent.json'], 'casebender run: cannot read the profile /nonexistent.json: no such file'],
  ])('exits 2 for %j', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toContain(message);
  });

  it('exits 2 with a clear line when the target does not answer', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const profile = join(dir, 'unreachable.json');
    writeFileSync(profile, JSON.stringify({ target: { baseUrl: `http://127.0.0.1:${port}/api/v1` }, keys: [] }));
    const { code, err } = await run(['--profile', profile]);
    expect(code).toBe(2);
    expect(err).toBe(`casebender run: the target does not answer: GET http://127.0.0.1:${port}/api/v1/alerts: connection refused`);
  });

  it('prints its usage with --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: casebender run [options]');
  });
});
