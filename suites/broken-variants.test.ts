// Proof that the suites judge, not just run (the functional half of npm run mutation): the
// functional checks (every area but RL and HDR) against the mock with each fault of mock/faults
// blame exactly the functional requirements it breaks — none for a rate-limit fault — and the
// clean mock passes everything.
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../mock/faults/faults.js';
import { functionalRun, isRateLimitId } from './mutation/fault-run.js';

describe('the functional suites against broken variants of the mock', () => {
  it('the clean mock keeps every requirement', async () => {
    const { blamed, lines } = await functionalRun([]);
    expect(blamed, lines.join('\n')).toEqual([]);
  }, 60_000);

  it.each(FAULTS.filter((f) => f.multiProcess !== true).map((f) => [f.name, f.breaks.join(', '), f]))('%s (breaks %s) is caught under its requirements, and only there', async (_name, _ids, fault) => {
    const { blamed, lines } = await functionalRun([fault.name]);
    expect(blamed, lines.join('\n')).toEqual(fault.breaks.filter((id) => !isRateLimitId(id)).sort());
  }, 60_000);
});
