// The mutation score's arithmetic: detected, missed, misattributed, and its place in report.json.
import { describe, expect, it } from 'vitest';
import { schemaChecker } from '../../contract/index.js';
import { judgeFault, scoreLine } from './mutation-score.js';

const fault = { name: 'existence-before-scope', breaks: ['SCOPE-5', 'ERR-4'], description: 'd' };

describe('judgeFault', () => {
  it('is detected when every requirement the fault breaks is blamed, and nothing else', () => {
    expect(judgeFault(fault, ['ERR-4', 'SCOPE-5'], ['functional'])).toMatchObject({ detected: true, missed: [], misattributed: [] });
  });

  it('is not detected when one of its requirements passed, and names it', () => {
    expect(judgeFault(fault, ['SCOPE-5'], ['functional'])).toMatchObject({ detected: false, missed: ['ERR-4'], misattributed: [] });
  });

  it('counts every other requirement blamed as a misattribution', () => {
    expect(judgeFault(fault, ['ERR-4', 'SCOPE-5', 'PREC-1'], ['functional'])).toMatchObject({ detected: true, misattributed: ['PREC-1'] });
  });

  it('does not expect a rate-limit requirement to be blamed by a run without the load', () => {
    const limits = { name: 'no-retry-after', breaks: ['RL-8'], description: 'd' };
    expect(judgeFault(limits, [], ['functional'])).toMatchObject({ detected: false, missed: [] });
    expect(judgeFault(limits, ['RL-8'], ['functional', 'limits'])).toMatchObject({ detected: true, missed: [] });
    expect(judgeFault(limits, [], ['functional', 'limits'])).toMatchObject({ detected: false, missed: ['RL-8'] });
  });
});

describe('the score', () => {
  const report = {
    scope: 'full' as const,
    faults: 2,
    detected: 1,
    misattributions: 1,
    unstable: 1,
    falseFailures: ['RL-2'],
    seconds: 12,
    faultResults: [
      { ...judgeFault(fault, ['ERR-4', 'SCOPE-5'], ['functional', 'limits']), seconds: 3, unstable: ['RL-2'] },
      { ...judgeFault({ name: 'x', breaks: ['KEY-3'], description: 'd' }, ['KEY-3', 'KEY-5'], ['functional', 'limits']), evidence: ['WARN KEY-5 ...'] },
    ],
  };

  it('prints detected / total, misattributions and false failures in one line', () => {
    expect(scoreLine(report)).toBe('mutation score: 1/2 faults detected (50%), 1 misattribution, 1 false failure (RL-2) [full]; judged differently by a second run: 1 fault');
  });

  it('fits the mutation section of the report schema', () => {
    const check = schemaChecker('report.schema.json');
    const base = {
      schemaVersion: 1,
      tool: { name: 'casebender-conformance', version: '0.1.0', node: process.version },
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      target: { baseUrl: 'http://127.0.0.1:1/api/v1', kind: 'embedded' },
      profile: { source: 'the embedded mock', keys: [], entities: 0, policy: {}, timeScale: 60 },
      options: { strict: false, full: false, seed: 7, budget: 100000 },
      requests: 0,
      conformant: true,
      counts: { fail: 0, warn: 0, differs: 0, pass: 0, skipped: 0 },
      requirements: [],
    };
    expect(check({ ...base, mutation: report })).toEqual([]);
    expect(check({ ...base, mutation: { ...report, faults: -1 } })).not.toEqual([]);
  });
});
