// The rate-limit suites against the mock's alternative algorithms: the sliding and fixed windows
// keep every DOC requirement (the fixed window breaks RL-11 only), and the fingerprint tells them
// apart — also from a fixed window anchored at each key's first request (the mutation
// fixed-window-anchored-per-key), which only the edge probe shows breaking RL-11.
import { describe, expect, it } from 'vitest';
import { rateLimitRun } from './rate-limit-run.js';

describe('rate-limit suites against the mock’s alternative algorithms', () => {
  it('RL-3, RL-11: the sliding window keeps every requirement and is fingerprinted as one', async () => {
    const { blamed, lines, byId } = await rateLimitRun({ algorithm: 'sliding-window' });
    expect(blamed, lines.join('\n')).toEqual([]);
    expect(byId('RL-3').verdict).toMatchObject({ outcome: 'pass', note: expect.stringContaining('behaves like a sliding window') });
  }, 60_000);

  it('RL-3, RL-11: the fixed window keeps every DOC requirement, warns under RL-11 only, and is fingerprinted as one', async () => {
    const { blamed, lines, byId } = await rateLimitRun({ algorithm: 'fixed-window' });
    expect(blamed, lines.join('\n')).toEqual(['RL-11']);
    expect(byId('RL-11').result).toBe('warn');
    expect(byId('RL-3').verdict).toMatchObject({ outcome: 'pass', note: expect.stringContaining('behaves like a clock-aligned fixed window') });
  }, 60_000);

  it('RL-11: a key-anchored fixed window warns under RL-11 only, through the edge probe, and is fingerprinted as one', async () => {
    const { blamed, lines, byId } = await rateLimitRun({ faults: ['fixed-window-anchored-per-key'] });
    expect(blamed, lines.join('\n')).toEqual(['RL-11']);
    expect(byId('RL-11').verdict).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringContaining('the edge probe got') } });
    expect(byId('RL-3').verdict).toMatchObject({ outcome: 'pass', note: expect.stringContaining('behaves like a key-anchored fixed window') });
  }, 60_000);
});

