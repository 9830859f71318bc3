import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios.js';
import { disturbedRunsWarning, runWarnings, summarise, type Run } from './throughput-report.js';

const run = (over: Partial<Run>): Run => ({
  round: 0,
  side: 'bare',
  scenario: 'read',
  requestsPerSecond: 1000,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  requests: 5000,
  statusCounts: { 200: 5000 },
  errors: 0,
  timeouts: 0,
  serverCpuMicrosPerRequest: 20,
  serverCpuPercent: 100,
  loaderCpuPercent: 80,
  otherCpuPercent: 5,
  ...over,
});

describe('summarise', () => {
  it('takes the median of each side, and the median of the ratios within each round', () => {
    const runs = [
      run({ round: 0, requestsPerSecond: 100 }),
      run({ round: 1, requestsPerSecond: 300 }),
      run({ round: 2, requestsPerSecond: 200 }),
      run({ side: 'mock', round: 0, requestsPerSecond: 90, serverCpuMicrosPerRequest: 25 }),
      run({ side: 'mock', round: 1, requestsPerSecond: 30, serverCpuMicrosPerRequest: 200 }),
      run({ side: 'mock', round: 2, requestsPerSecond: 160, serverCpuMicrosPerRequest: 25 }),
    ];
    const summary = summarise(SCENARIOS.read, runs);
    expect(summary.bare.medianRequestsPerSecond).toBe(200);
    expect(summary.mock.medianRequestsPerSecond).toBe(90);
    // Rounds: 90/100, 30/300, 160/200 — a slow moment of the machine moves both runs of a round.
    expect(summary.ratio).toBe(0.8);
    expect(summary.ratioRange).toEqual([0.1, 0.9]);
    expect(summary.pass).toBe(true);
    expect(summary.cpuRatio).toBe(0.8);
  });

  it('leaves out a round that lacks one side, and fails below the target', () => {
    const runs = [
      run({ round: 0, requestsPerSecond: 100 }),
      run({ side: 'mock', round: 0, requestsPerSecond: 70 }),
      run({ side: 'mock', round: 1, requestsPerSecond: 500 }),
    ];
    const summary = summarise(SCENARIOS.read, runs);
    expect(summary.ratio).toBe(0.7);
    expect(summary.pass).toBe(false);
  });

  it('reports the share of 429s on the limited path', () => {
    const runs = [run({ scenario: 'limited', statusCounts: { 429: 995, 200: 5 }, requests: 1000 }), run({ scenario: 'limited', side: 'mock', statusCounts: { 429: 1000 }, requests: 1000 })];
    const summary = summarise(SCENARIOS.limited, runs);
    expect(summary.bare.expectedShare).toBe(0.995);
    expect(summary.mock.expectedShare).toBe(1);
  });
});

describe('runWarnings', () => {
  it('warns about statuses the scenario does not expect', () => {
    expect(runWarnings(run({ side: 'mock', statusCounts: { 200: 4990, 500: 10 } }), SCENARIOS.read)).toEqual([
      'WARNING: read, mock, round 1: 10× 500 (every answer should be 200)',
    ]);
  });

  it('tolerates admitted requests of a spent key', () => {
    expect(runWarnings(run({ scenario: 'limited', statusCounts: { 429: 4990, 200: 10 } }), SCENARIOS.limited)).toEqual([]);
  });
});

describe('disturbedRunsWarning', () => {
  it('is silent on a quiet machine and names the disturbed runs otherwise', () => {
    expect(disturbedRunsWarning([run({})])).toBeUndefined();
    expect(disturbedRunsWarning([run({}), run({ side: 'mock', round: 1, otherCpuPercent: 60 })])).toMatch(/^WARNING: in 1 of 2 runs .*\(read\/mock\/r2 60%\)/);
  });
});
