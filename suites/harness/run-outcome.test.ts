// runAll is the whole run (#21 item 3): it tells its caller of each check as it starts and of each
// result as it comes, and returns the results, the load report and the requests sent — what
// `casebender run` prints and reports, with nothing reached around it. The load report is in the
// target's time (#21 item 2): at time scale 60 the 90-second flood's timeline has about ninety
// rows of target seconds, not the two real seconds it took.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from './run.js';
import { embeddedTarget, type Target } from './target.js';

let target: Target;
beforeAll(async () => {
  target = await embeddedTarget({ timeScale: 60 });
});
afterAll(() => target.stop());

interface LoadReportShape {
  targetClock: string;
  tiers: { tier: string; runs: { label: string; durationMs: number; timeline: unknown[] }[] }[];
}

describe('runAll: results by callback, the outcome returned', () => {
  it('hears each check start and finish in order, SCHEMA-1 last; returns the load report in target time and the requests sent', async () => {
    const run = await startRun({ profile: target.profile, only: ['CRED-3', 'RL-1', 'HDR-1', 'SCHEMA-1'], rateLimit: { tiers: ['basic'], unlimitedAmount: 200 } });
    const heard: string[] = [];
    const outcome = await run.runAll({ starting: (c) => heard.push(`start ${c.requirement}`), finished: (r) => heard.push(`done ${r.requirement}`) });
    const sent = run.context.client.sent();
    run.close();
    const ids = run.checks.map((c) => c.requirement);
    expect(heard).toEqual([...ids.flatMap((id) => [`start ${id}`, `done ${id}`]), 'done SCHEMA-1']);
    expect(outcome.results.map((r) => r.requirement)).toEqual([...ids, 'SCHEMA-1']);
    expect(outcome.requests).toBe(sent);
    const load = outcome.load as LoadReportShape;
    expect(load.targetClock).toMatch(/from its control API/);
    const flood = load.tiers.find((t) => t.tier === 'basic')!.runs.find((r) => r.label.includes('flood'))!;
    // 90 target seconds (1.5 real seconds at scale 60), and a row per target second.
    expect(flood.durationMs).toBeGreaterThan(80_000);
    expect(flood.timeline.length).toBeGreaterThan(80);
  }, 60_000);

  it('without a rate-limit check there is no load, and no load report', async () => {
    const run = await startRun({ profile: target.profile, only: ['CRED-3'] });
    const outcome = await run.runAll();
    run.close();
    expect(outcome.load).toBeUndefined();
    expect(new Set(outcome.results.map((r) => r.requirement))).toEqual(new Set(['CRED-3']));
  });

  it('a profile whose time scale is not the one the control API gives: the load is not sent, and the skip says what to set', async () => {
    const profile = { ...target.profile, clock: { mode: 'real' as const, timeScale: 1 } };
    const run = await startRun({ profile, only: ['RL-1'] });
    const { results, load } = await run.runAll();
    run.close();
    expect(results[0]).toMatchObject({ result: 'skipped', verdict: { reason: expect.stringContaining('set clock.timeScale in the profile to 60') } });
    expect(load).toBeUndefined();
  });
});
