// The soak script works: a few seconds at tiny settings give samples, a half-capacity rate and
// growth figures. Structure only; no figure is judged here (speed is measured in bench/, not tests).
import { describe, expect, it } from 'vitest';
import { parseSoakArgs, runSoak } from './soak.js';

describe('bench/soak', () => {
  it('gives the bounded defaults and refuses values outside the bounds with one line', () => {
    expect(parseSoakArgs([])).toEqual({ minutes: 10, measureSeconds: 5, sampleSeconds: 30, connections: 10, json: false });
    expect(() => parseSoakArgs(['--minutes', '500'])).toThrow('--minutes must be a number from 0.01 to 120; got "500"');
    expect(() => parseSoakArgs(['--connections', '2.5'])).toThrow('--connections must be an integer from 1 to 100; got "2.5"');
    expect(() => parseSoakArgs(['--rate', '9'])).toThrow(/Unknown option '--rate'/);
  });

  it('measures capacity, runs at half of it and samples the mock memory at intervals', async () => {
    const lines: string[] = [];
    const r = await runSoak({ minutes: 0.05, measureSeconds: 1, sampleSeconds: 1, connections: 1, json: false }, (l) => lines.push(l));
    expect(r.capacityPerSecond).toBeGreaterThan(0);
    expect(r.targetPerSecond).toBe(Math.max(1, Math.floor(r.capacityPerSecond / 2)));
    // A sample before the load, about one a second during its 3 s, one at the end.
    expect(r.samples.length).toBeGreaterThanOrEqual(3);
    expect(r.samples.map((s) => s.at)).toEqual([...r.samples.map((s) => s.at)].sort((a, b) => a - b));
    for (const s of r.samples) expect(s.rss > 0 && s.heapUsed > 0 && s.arrayBuffers >= 0).toBe(true);
    // Only the three paths' answers: 200, 401, 429 (the spent Basic key earns a 200 a second).
    expect(Object.keys(r.statuses).sort()).toEqual(['200', '401', '429']);
    const baseline = r.samples.length >= 3 ? r.samples[1]! : r.samples[0]!;
    expect(r.growth.rss).toBe(r.samples.at(-1)!.rss - baseline.rss);
    expect(r.growth.heapUsed).toBe(r.samples.at(-1)!.heapUsed - baseline.heapUsed);
    expect(lines[0]).toMatch(/^capacity: [\d,]+ requests\/s over 1 s; the soak runs at [\d,]+\/s for 0\.05 min$/);
  }, 60_000);
});
