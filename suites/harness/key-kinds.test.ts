// The catalogue of key kinds (key-kinds.ts) against what the suites really do: against the mock
// without its control API (as against a deployment), a read-write key alone leaves exactly the other
// kinds' requirements skipped, and each kind beside it makes exactly its own list run. A check that
// starts needing another key, or stops needing one, fails this test until the catalogue says so —
// what `casebender init` writes and `casebender doctor` reports stays true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byRequirement } from '../cli.js';
import { REQUIREMENT_IDS } from '../../contract/index.js';
import { functionalBase, functionalKinds, rateLimitKinds } from './key-kinds.js';
import type { ResolvedProfile } from './load-profile.js';
import { profileModel } from './oracle.js';
import { startRun } from './run.js';
import { embeddedTarget, type Target } from './target.js';

let target: Target;
let profile: ResolvedProfile;
beforeAll(async () => {
  target = await embeddedTarget({ timeScale: 1 });
  profile = JSON.parse(JSON.stringify(target.profile)) as ResolvedProfile;
  delete (profile.target as { control?: unknown }).control;
});
afterAll(() => target.stop());

async function skipped(names: readonly string[]): Promise<string[]> {
  const run = await startRun({ profile: { ...profile, keys: profile.keys.filter((k) => names.includes(k.name)) }, skip: ['RL', 'HDR'] });
  const { results } = await run.runAll();
  run.close();
  return [...byRequirement(results)].filter(([, r]) => r === 'skipped').map(([id]) => id).sort();
}

describe('key kinds: what each enables, measured against the mock', () => {
  it('the mock’s seeded key of each kind is recognised as that kind', () => {
    const model = profileModel(profile);
    for (const kind of functionalKinds(model)) {
      const key = profile.keys.find((k) => k.name === kind.name);
      expect(key, kind.name).toBeDefined();
      expect(kind.matches(key!, model), kind.name).toBe(true);
    }
    for (const kind of rateLimitKinds(model, { full: true, spread: true })) expect(profile.keys.some((k) => kind.matches(k, model)), kind.name).toBe(true);
  });

  it('a read-write key alone leaves exactly the other kinds’ requirements skipped; each kind beside it makes exactly its own run', async () => {
    const kinds = functionalKinds(profileModel(profile));
    const others = kinds.filter((k) => k.base !== true);
    const alone = await skipped(['read-write']);
    expect(alone).toEqual([...new Set(others.flatMap((k) => k.enables))].sort());
    for (const kind of others) {
      const now = await skipped(['read-write', kind.name]);
      expect(alone.filter((id) => !now.includes(id)), kind.name).toEqual([...kind.enables].sort());
    }
    // And the main key is what everything else needs: without any key, nothing functional runs but what needs none.
    const ids = REQUIREMENT_IDS;
    expect(functionalBase(kinds, ids).length).toBeGreaterThan(20);
  }, 120_000);
});
