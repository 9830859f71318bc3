import { describe, expect, it } from 'vitest';
import { entityClearanceFailure, markingClearanceFailure, visibleTo } from './clearance.js';

const green = { tlpClearance: 1, papClearance: 4 };
const papAmber = { tlpClearance: 4, papClearance: 2 };

describe('clearance', () => {
  it('TLP-1: an entity above the TLP clearance is 403 tlp_restricted; at it, allowed', () => {
    expect(entityClearanceFailure(green, { tlp: 2, pap: 0 })).toMatchObject({ status: 403, code: 'tlp_restricted' });
    expect(entityClearanceFailure(green, { tlp: 1, pap: 4 })).toBeUndefined();
  });

  it('TLP-2: an entity above the PAP clearance is 403 pap_restricted', () => {
    expect(entityClearanceFailure(papAmber, { tlp: 4, pap: 3 })).toMatchObject({ status: 403, code: 'pap_restricted' });
    expect(entityClearanceFailure(papAmber, { tlp: 4, pap: 2 })).toBeUndefined();
  });

  it('TLP-3: visibility follows both clearances', () => {
    const entities = [0, 1, 2, 3, 4].flatMap((tlp) => [0, 1, 2, 3, 4].map((pap) => ({ tlp, pap })));
    expect(entities.filter((e) => visibleTo(green, e))).toHaveLength(10);
    expect(entities.filter((e) => visibleTo(papAmber, e))).toHaveLength(15);
  });

  it('TLP-4: asking for a marking above the clearance is 403', () => {
    expect(markingClearanceFailure(green, { tlp: 2 })).toMatchObject({ status: 403, code: 'tlp_restricted' });
    expect(markingClearanceFailure(papAmber, { pap: 3 })).toMatchObject({ status: 403, code: 'pap_restricted' });
    expect(markingClearanceFailure(green, { tlp: 1, pap: 4 })).toBeUndefined();
  });

  it.each([[7], [-1], [1.5], ['2']])('TLP-5: %j is not a level, so clearance leaves it to validation (400)', (tlp) => {
    expect(markingClearanceFailure(green, { tlp })).toBeUndefined();
  });
});
