// One clock for the checks (#21 item 2): the run's TargetTime converts both ways, restates a load
// run recorded in real time into the target's time, places the clock once, and is the only place in
// the suites' checks that reads the time scale (a test below reads the sources to hold that).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadRun } from '../ratelimit/load-driver.js';
import { estimatedClock, machineClock, offsetClock, targetTime } from './target-time.js';
import { clockEstimator } from './target-clock.js';

describe('TargetTime', () => {
  it('converts durations and rates both ways at its scale', () => {
    const t = targetTime(60);
    expect(t.realMs(60_000)).toBe(1_000);
    expect(t.targetMs(1_000)).toBe(60_000);
    expect(t.targetMs(t.realMs(1_234))).toBeCloseTo(1_234);
    expect(t.realRate(2)).toBe(120);
    expect(() => targetTime(0)).toThrow(/positive/);
    expect(() => targetTime(Number.NaN)).toThrow(/positive/);
  });

  it('restates a run recorded in real time: start on the target clock, times, latencies, duration and timeline in target ms', () => {
    const t = targetTime(10);
    const clock = offsetClock('control API', 5_000_000, 1_000_000, 10);
    const run: LoadRun = { label: 'x', startedAt: 1_000_100, startedPerf: 0, durationMs: 250, errors: 0, statusCounts: {}, timeline: [], samples: [{ at: 50, latency: 5, status: 200 }, { at: 210, status: 429 }] };
    const r = t.restate(run, clock);
    expect(r.startedAt).toBe(5_000_000 + 100 * 10);
    expect(r.durationMs).toBe(2_500);
    expect(r.samples).toEqual([{ at: 500, latency: 50, status: 200 }, { at: 2_100, status: 429 }]);
    expect(r.timeline.map((s) => [s.second, s.ok, s.limited])).toEqual([[0, 1, 0], [1, 0, 0], [2, 0, 1]]);
    // The recorded run is left as it was.
    expect(run.samples[0]!.at).toBe(50);
  });

  it('waits until the target clock reads an instant, never early', async () => {
    const t = targetTime(100);
    const clock = offsetClock('control API', 0, Date.now(), 100);
    const due = clock.now() + 3_000; // 30 real ms
    await t.until(clock, due);
    expect(clock.now()).toBeGreaterThanOrEqual(due);
    const before = Date.now();
    await t.sleep(2_000); // 20 real ms
    expect(Date.now() - before).toBeGreaterThanOrEqual(19);
  });

  it('places the clock once a run: later calls get the first placement', async () => {
    let placed = 0;
    const t = targetTime(1, async () => {
      placed++;
      return machineClock();
    });
    const [a, b] = await Promise.all([t.clock(), t.clock()]);
    expect(await t.clock()).toBe(a);
    expect(b).toBe(a);
    expect(placed).toBe(1);
  });

  it('a clock from Date headers keeps the estimate, its scale and its uncertainty, and says where it came from', () => {
    const est = clockEstimator(10);
    const now = Date.now();
    for (let i = 0; i < 10; i++) est.add(now + i * 130, now + i * 130 + 4, new Date(7_000_000_000 + (now + i * 130 + 2) * 10).toUTCString());
    const c = estimatedClock(est.estimate()!);
    expect(c.source).toBe('Date headers');
    expect(c.uncertaintyMs).toBe(est.estimate()!.uncertaintyMs);
    expect(c.at(now + 1_000) - c.at(now)).toBeCloseTo(10_000, 0);
    expect(c.describe()).toMatch(/from its Date headers/);
    expect(machineClock().describe()).toMatch(/this machine's clock/);
  });
});

describe('no check reads the time scale itself', () => {
  const root = join(import.meta.dirname, '..');
  /** Suites' modules that may read the profile's clock.timeScale: the run that makes the TargetTime, and what only prints or passes it on. */
  const MAY_READ = new Set(['harness/target-time.ts', 'harness/target-clock.ts', 'harness/run.ts', 'harness/target.ts', 'harness/control-api-client.ts', 'cli.ts', 'doctor.ts', 'init.ts', 'report/run-report.ts', 'ratelimit/rate-limit-run.ts', 'ratelimit/limiter-targets.ts']);
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
  /** What reads a scale: the profile's or the control API's timeScale, or a `scale` variable (comments and quoted strings aside). */
  const readsScale = (text: string) => /(?<![\w-])(timeScale|scale)\b(?!-)/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '').replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''"));

  it('only the listed modules mention a time scale; the checks, the load and its judgement do not', () => {
    const offenders = files(root)
      .map((f) => relative(root, f))
      .filter((f) => !f.startsWith('mutation/') && !MAY_READ.has(f) && readsScale(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the rule finds a check that converts with the scale (synthetic)', () => {
    expect(readsScale('const wait = seconds * 1000 / ctx.profile.clock?.timeScale;')).toBe(true);
    expect(readsScale('const at = s.at * scale;')).toBe(true);
    expect(readsScale('// the time scale is the TargetTime’s business\nconst wait = ctx.time.realMs(1000);')).toBe(false);
    expect(readsScale("return answer(400, 'TLP-5: the scale is 0..4');")).toBe(false);
  });
});
