// The rate-limit suites against the mock's alternative algorithms: the sliding and fixed windows
// keep every DOC requirement (the fixed window breaks RL-11 only), and the fingerprint tells them apart.
import { describe, expect, it } from 'vitest';
import { rateLimitRun } from './rate-limit-run.js';

describe('rate-limit suites against the mock’s alternative algorithms', () => {
  it('RL-3, RL-11: the sliding window keeps every requirement and is fingerprinted as one', async () => {
    const { blamed, lines, byId } = await rateLimitRun({ algorithm: 'sliding-window' });
    expect(blamed, lines.join('\n')).toEqual([]);
    expect(byId('RL-3').verdict).toMatchObject({ outcome: 'pass', note: expect.stringContaining('behaves like a sliding-window') });
  }, 60_000);

  it('RL-3, RL-11: the fixed window keeps every DOC requirement, warns under RL-11 only, and is fingerprinted as one', async () => {
    const { blamed, lines, byId } = await rateLimitRun({ algorithm: 'fixed-window' });
    expect(blamed, lines.join('\n')).toEqual(['RL-11']);
    expect(byId('RL-11').result).toBe('warn');
    expect(byId('RL-3').verdict).toMatchObject({ outcome: 'pass', note: expect.stringContaining('behaves like a fixed-window') });
  }, 60_000);
});

