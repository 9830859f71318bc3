// The rate-limit suites against broken limiters (mock/faults): each is caught under the
// requirement it breaks, and only there.
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_FAULTS } from '../../mock/faults/faults.js';
import { rateLimitRun } from './rate-limit-run.js';

describe('rate-limit suites against broken limiters', () => {
  it.each(RATE_LIMIT_FAULTS.map((f) => [f.name, f.breaks.join(', '), f]))('%s is caught under %s, and only there', async (_name, _ids, fault) => {
    // A burst one short is seen only when the burst lands before a token refills: at 60 target
    // seconds a real second a basic token refills every 17 ms, less than a busy machine's jitter.
    const precise = fault.name === 'burst-off-by-one' ? { timeScale: 10, tiers: ['basic'] } : {};
    const { blamed, lines } = await rateLimitRun({ faults: [fault.name], ...precise });
    expect(blamed, lines.join('\n')).toEqual([...fault.breaks].sort());
  }, 60_000);
});
