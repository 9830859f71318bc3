// The HTML report in a real headless Chromium (Debian's chromium): it opens, its charts render,
// and the console stays clean. CI installs chromium; elsewhere the test is skipped, saying why.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { envWithTempDir, tempDir } from '../../mock/test-support/temp-dir.js';
import { FAULTS } from '../../mock/faults/faults.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget } from '../harness/target.js';
import { htmlReport } from './html-report.js';
import { buildRunReport } from './run-report.js';
import { CHROMIUM_MISSING as reason, findChromium } from '../../mock/test-support/chromium.js';

const chromium = findChromium();

describe.skipIf(chromium === undefined)(chromium === undefined ? `the HTML report in Chromium — skipped: ${reason}` : 'the HTML report in Chromium', () => {
  it('opens, draws a chart per load run and a section per failure, with no console errors', async () => {
    // A broken mock: a legacy answer without Deprecation (LEG-3) and one limit per client (RL-6).
    expect(FAULTS.map((f) => f.name)).toEqual(expect.arrayContaining(['no-deprecation-header', 'limits-per-ip']));
    const target = await embeddedTarget({ timeScale: 60, faults: ['no-deprecation-header', 'limits-per-ip'] });
    let html: string;
    try {
      const run = await startRun({ profile: target.profile, only: ['LEG', 'RL'], rateLimit: { tiers: ['basic'], unlimitedAmount: 500 } });
      const { results, load } = await run.runAll();
      run.close();
      html = htmlReport(buildRunReport({ results, profile: target.profile, targetKind: 'embedded', startedAt: new Date(), options: { strict: false, full: false, seed: 42, budget: 100_000 }, requests: 1, conformant: false, redact: run.redact, load }));
    } finally {
      await target.stop();
    }
    const dir = tempDir('cb-html-', onTestFinished);
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const result = spawnSync(
      chromium!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`],
      { encoding: 'utf8', timeout: 60_000, env: envWithTempDir(dir) },
    );
    expect(result.status).toBe(0);
    const dom = result.stdout;
    expect(dom).toContain('NOT CONFORMANT');
    expect(dom).toMatch(/<section class="failure" id="LEG-3">/);
    expect(dom).toMatch(/<section class="failure" id="RL-6">/);
    // One chart per load run with a timeline, each with bars.
    expect((dom.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(dom).toMatch(/<rect [^>]*fill="#c62828"/);
    expect(result.stderr).not.toMatch(/CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|Failed to load resource/);
  }, 90_000);
});
