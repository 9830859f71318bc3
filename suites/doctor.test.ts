// `casebender init` and `casebender doctor` (#20) against the mock: the skeleton init writes is a
// valid profile naming every kind of key; doctor finds the mock's own profile ready, and catches,
// each on its own, a key declared with the wrong tier, a scope the key lacks, a revoked key declared
// active, an entity that does not exist, and material that is not set — and for a profile with few
// keys names the requirements that will be skipped and the key to add.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../contract/index.js';
import { runDoctorCommand, skippedRequirements } from './doctor.js';
import { byRequirement } from './cli.js';
import { startRun } from './harness/run.js';
import { profileModel } from './harness/oracle.js';
import type { ResolvedProfile } from './harness/load-profile.js';
import { runInitCommand } from './init.js';
import { resolveProfile } from './harness/load-profile.js';
import { embeddedTarget, type Target } from './harness/target.js';
import { freePort } from '../mock/test-support/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'casebender-doctor-'));
let target: Target;
beforeAll(async () => {
  target = await embeddedTarget({ timeScale: 1 });
});
afterAll(() => target.stop());

/** doctor over a changed copy of the mock's profile: its exit code and output. */
async function doctor(change: (p: Profile) => void = () => undefined, env: NodeJS.ProcessEnv = {}) {
  const profile = JSON.parse(JSON.stringify(target.profile)) as Profile & { source?: string };
  delete profile.source;
  change(profile);
  const path = join(dir, `profile-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(profile));
  const lines: string[] = [];
  const code = await runDoctorCommand(['--profile', path], (l) => lines.push(l), (l) => lines.push(l), env);
  return { code, text: lines.join('\n') };
}

const key = (p: Profile, name: string) => p.keys.find((k) => k.name === name)!;

describe('casebender init', () => {
  it('writes a commented YAML skeleton that is a valid profile with every kind of key, and an .env.example naming every variable; refuses to overwrite', () => {
    const out = join(dir, 'init', 'casebender.profile.yaml');
    const lines: string[] = [];
    expect(runInitCommand(['--out', out, '--target', 'https://cb.example.com/api'], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/# write scopes without their reads .* — enables SCOPE-3/);
    const variables = readFileSync(join(dir, 'init', '.env.example'), 'utf8').split('\n').filter((l) => /^CB_/.test(l)).map((l) => l.slice(0, -1));
    const env = Object.fromEntries(variables.map((v) => [v, 'placeholder']));
    const profile = resolveProfile(parseYaml(text), out, env);
    expect(profile.target.baseUrl).toBe('https://cb.example.com/api');
    for (const name of ['read-write', 'write-only', 'admin', 'no-scope', 'tlp-green', 'pap-amber', 'expired', 'revoked', 'suspended', 'legacy-rw', 'rl-basic-1', 'rl-basic-counted-write', 'rl-basic-edge', 'rl-unlimited']) expect(profile.keys.map((k) => k.name)).toContain(name);
    expect(variables).toContain('CB_KEY_LEGACY_RW_ACCESS_KEY');
    expect(runInitCommand(['--out', out], () => undefined, (l) => lines.push(l))).toBe(2);
    expect(lines.at(-1)).toMatch(/already exist.*--force/);
  });
});

describe('casebender doctor', () => {
  it('the mock’s own profile: every key as declared, READY, exit 0, at most 100 requests', async () => {
    const { code, text } = await doctor();
    expect(code, text).toBe(0);
    expect(text).toMatch(/^(\d+) requests sent\. READY$/m);
    expect(Number(/^(\d+) requests sent/m.exec(text)![1])).toBeLessThanOrEqual(100);
    expect(text).not.toMatch(/WRONG/);
  });

  it('a key declared with the wrong tier', async () => {
    const { code, text } = await doctor((p) => void (key(p, 'basic-a').tier = 'standard'));
    expect(code).toBe(1);
    expect(text).toMatch(/WRONG basic-a +declared tier standard \(m = 300\), but X-RateLimit-Limit says 60 \(the basic tier\)/);
  });

  it('a scope the key lacks', async () => {
    const { code, text } = await doctor((p) => void key(p, 'read-only').scopes.push('alerts:write', 'admin:*'));
    expect(code).toBe(1);
    expect(text).toMatch(/WRONG read-only +declared active, unlimited: GET \/api-keys\?limit=1 answered 403, expected 200/);
  });

  it('a revoked key declared active', async () => {
    const { code, text } = await doctor((p) => void (key(p, 'revoked').state = 'active'));
    expect(code).toBe(1);
    expect(text).toMatch(/WRONG revoked +declared active, unlimited: GET \/\S+ answered 401, expected 200 \(the deployment does not take it/);
  });

  it('an entity that does not exist, and one whose markings differ', async () => {
    const { code, text } = await doctor((p) => {
      p.entities = [{ type: 'alerts', id: 'alert_does_not_exist', tlp: 0, pap: 0 }, { ...p.entities!.find((e) => e.type === 'alerts' && e.tlp === 0)!, tlp: 3 }];
    });
    expect(code).toBe(1);
    expect(text).toMatch(/WRONG alerts\/alert_does_not_exist +does not exist \(GET answered 404/);
    expect(text).toMatch(/declared tlp 3; the deployment has tlp 0/);
  });

  it('material not set: said per key, the rest still checked', async () => {
    const { code, text } = await doctor((p) => {
      const k = key(p, 'admin');
      delete k.key;
      k.keyEnv = 'CB_KEY_NOT_SET_ANYWHERE';
    });
    expect(code).toBe(1);
    expect(text).toMatch(/WRONG admin +its material is not set: CB_KEY_NOT_SET_ANYWHERE/);
    expect(text).toMatch(/ok +read-write/);
  });

  it('a profile of one key, without the control API: the requirements that will be skipped, and the key to add for each', async () => {
    const { code, text } = await doctor((p) => {
      p.keys = [key(p, 'read-write')];
      delete p.target.control;
    });
    expect(code).toBe(0);
    expect(text).toMatch(/SCOPE-3 +needs a key like "write-only"/);
    expect(text).toMatch(/KEY-3 +needs a key like "revoked" .*, or a key like "legacy-revoked"/);
    expect(text).toMatch(/RL-1, RL-2, RL-3, RL-5, RL-6, RL-8, HDR-1, HDR-2, HDR-3, HDR-5 +needs 3 more unused active keys of the basic tier with alerts:read .*; or 3 more unused active keys of the enterprise tier/);
    expect(text).toMatch(/RL-9 +needs .*alerts:read and alerts:write/);
    // What --provision would leave: the control API is gone here, and no keyAdmin is declared, so nothing is said of it.
    expect(text).not.toMatch(/with --provision/);
    // The read-write key is an unused Unlimited key too: RL-7 takes it.
    expect(text).not.toMatch(/RL-7 /);
  });

  it('no entity above the restricted keys’ clearances: TLP-1 and TLP-2 will be skipped, saying what to declare', async () => {
    const { code, text } = await doctor((p) => void (p.entities = p.entities!.filter((e) => e.type === 'users' || (e.tlp ?? 0) === 0)));
    expect(code).toBe(0);
    expect(text).toMatch(/TLP-1 +needs an entity declared with tlp above 1, the lowest TLP clearance among the keys/);
  });

  it('a profile of one admin key with the control API: what --provision leaves skipped', async () => {
    const { code, text } = await doctor((p) => void (p.keys = [key(p, 'admin')]));
    expect(code).toBe(0);
    expect(text).toMatch(/with --provision \(keys made through the control API and revoked at the end\): 53 will run, 1 will be skipped \(RL-4\)/);
  });

  it('what doctor says will be skipped is what a run skips (functional areas; sparse profiles with and without the control API)', async () => {
    const shapes: [string, (p: ResolvedProfile) => void][] = [
      ['admin key alone, control API', (p) => void (p.keys = p.keys.filter((k) => k.name === 'admin'))],
      ['read-write alone, no control API', (p) => { p.keys = p.keys.filter((k) => k.name === 'read-write'); delete p.target.control; }],
      ['read-only, tlp-green and a legacy pair, no control API, no entities above clearance', (p) => { p.keys = p.keys.filter((k) => ['read-only', 'tlp-green', 'legacy-rw'].includes(k.name)); delete p.target.control; p.entities = p.entities!.filter((e) => (e.tlp ?? 0) === 0); }],
      ['every key, no control API', (p) => void delete p.target.control],
    ];
    for (const [what, change] of shapes) {
      const profile = JSON.parse(JSON.stringify(target.profile)) as ResolvedProfile;
      change(profile);
      const predicted = [...skippedRequirements(profile, profileModel(profile), profile.keys).keys()].filter((id) => !/^(RL|HDR)-/.test(id)).sort();
      const run = await startRun({ profile, skip: ['RL', 'HDR'] });
      const { results } = await run.runAll();
      run.close();
      const actual = [...byRequirement(results)].filter(([, r]) => r === 'skipped').map(([id]) => id).sort();
      expect(predicted, what).toEqual(actual);
    }
  }, 60_000);

  it('an unreachable target: exit 2 with one line', async () => {
    const port = await freePort();
    const path = join(dir, 'unreachable.json');
    writeFileSync(path, JSON.stringify({ target: { baseUrl: `http://127.0.0.1:${port}/api` }, keys: [] }));
    const errors: string[] = [];
    expect(await runDoctorCommand(['--profile', path], () => undefined, (l) => errors.push(l))).toBe(2);
    expect(errors.join('\n')).toMatch(/the target does not answer/);
  });
});
