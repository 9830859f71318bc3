// The rate-limit suites against broken limiters and headers (the load half of npm run mutation):
// each fault that breaks an RL/HDR requirement is caught under it, and only there.
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_FAULTS } from '../../mock/faults/faults.js';
import { isRateLimitId, limitsRun } from '../mutation/fault-run.js';

describe('rate-limit suites against broken limiters', () => {
  it('the clean mock keeps every rate-limit requirement', async () => {
    const { blamed, lines } = await limitsRun([]);
    expect(blamed, lines.join('\n')).toEqual([]);
  }, 90_000);

  it.each(RATE_LIMIT_FAULTS.map((f) => [f.name, f.breaks.join(', '), f]))('%s is caught under %s, and only there', async (_name, _ids, fault) => {
    const { blamed, lines } = await limitsRun([fault.name]);
    expect(blamed, lines.join('\n')).toEqual(fault.breaks.filter(isRateLimitId).sort());
  }, 90_000);
});
