// `casebender run --provision` (#20) against the mock started standalone (its own process, time
// scale 20): a profile holding one admin key reaches the verdicts of the embedded run — every
// requirement but RL-4 judged, CONFORMANT — whether the keys are made through the control API or,
// with no control API in the profile, through a declared keyAdmin over the mock's /api-keys; and
// no key the run made is left active (read through the control API). Ctrl-C during the run revokes
// them too; a profile with nothing to make keys with is a usage error.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../contract/index.js';
import { killMocks, mock, until } from '../mock/test-support/mock-process.js';
import { tempDir } from '../mock/test-support/temp-dir.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { runRunCommand } from './cli.js';
import { runDoctorCommand } from './doctor.js';
import { runInitCommand } from './init.js';

/**
 * The mock's time scale. At 60 RL-2's paced minute met 429s on this machine in about one run in two
 * (both the run and its retry, in npm test); at 20 none in 20. The cause, probed: a freshly started
 * mock in its own process stalls 40–200 ms (JIT, GC), 2–12 target seconds at 60; the professional
 * tier's paced requests queue meanwhile and reach its token bucket bunched, past its cap b, which
 * rightly refuses some. RL-2 does not yet tell such bunching from a limiter that is too strict.
 */
const SCALE = 20;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir('casebender-provision-');
let full: Profile;
beforeAll(async () => {
  const run = mock('--port', '0', '--time-scale', String(SCALE), '--quiet', '--profile-out', join(dir, 'mock.json'));
  await until('the mock starts', () => /listening on/.test(run.output().stdout));
  full = JSON.parse(readFileSync(join(dir, 'mock.json'), 'utf8')) as Profile;
});
afterAll(killMocks);

/** The mock's profile with its admin key alone, both base paths as the deployment's base URLs. */
function adminOnly(change: (p: Profile) => void = () => undefined): string {
  const p = JSON.parse(JSON.stringify(full)) as Profile;
  p.keys = p.keys.filter((k) => k.name === 'admin');
  p.target.extraBaseUrls = [p.target.baseUrl.replace(/\/api\/v1$/, '/api')];
  change(p);
  const path = join(dir, `profile-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

const withKeyAdmin = (p: Profile) => {
  delete p.target.control;
  p.keyAdmin = {
    adminKey: 'admin',
    create: { method: 'POST', path: '/api-keys', body: { name: '{name}', kind: '{kind}', tier: '{tier}', scopes: '{scopes}', tlpClearance: '{tlpClearance}', papClearance: '{papClearance}', expiresAt: '{expiresAt}' } },
    revoke: { method: 'DELETE', path: '/api-keys/{id}' },
    suspend: { method: 'POST', path: '/api-keys/{id}/suspend' },
    reinstate: { method: 'POST', path: '/api-keys/{id}/reinstate' },
  };
};

/** The keys a run made (named after it), with their state, from the mock's control API. */
async function madeKeys(run: string): Promise<{ name: string; status: string }[]> {
  const r = await fetch(`${full.target.control!.url}/keys`, { headers: { 'X-Mock-Token': full.target.control!.token! } });
  const body = (await r.json()) as { data?: { name: string; status: string }[] } | { name: string; status: string }[];
  return (Array.isArray(body) ? body : body.data ?? []).filter((k) => k.name.startsWith(run));
}

async function provisionedRun(path: string) {
  const lines: string[] = [];
  const code = await runRunCommand(['--profile', path, '--provision', '--format', 'none'], (l) => lines.push(l), (l) => lines.push(l));
  const text = lines.join('\n');
  return { code, text, run: /named (cb-run-[\w-]+)-\*/.exec(text)?.[1] };
}

/**
 * A provisioned run that should be CONFORMANT. The rate-limit checks judge real time against a
 * mock in another process at SCALE target seconds a real second; as in the mutation score, a run that
 * is not is made once more, and the second decides (its first output is kept for the message).
 * Every run's keys are checked for being revoked.
 */
async function conformantRun(path: string) {
  const first = await provisionedRun(path);
  if (first.code === 0) return { ...first, runs: [first.run!] };
  const second = await provisionedRun(path);
  return { ...second, text: `(first run)\n${first.text}\n(second run)\n${second.text}`, runs: [first.run!, second.run!] };
}

describe('casebender run --provision', () => {
  it('through the control API: one admin key, CONFORMANT with only RL-4 skipped, nothing made left active', async () => {
    const { code, text, runs } = await conformantRun(adminOnly());
    expect(code, text).toBe(0);
    expect(text).toMatch(/^CONFORMANT: 54 requirements — 0 fail, 0 warn, 0 differs, 53 pass, 1 skipped/m);
    for (const run of runs) {
      const made = await madeKeys(run);
      expect(made.length).toBeGreaterThan(5);
      expect(made.filter((k) => k.status === 'active')).toEqual([]);
    }
  }, 180_000);

  it('through a declared keyAdmin (no control API): the rate-limit load’s keys are made too; the same verdicts; nothing left active', async () => {
    const { code, text, runs } = await conformantRun(adminOnly(withKeyAdmin));
    expect(code, text).toBe(0);
    expect(text).toMatch(/^CONFORMANT: 54 requirements — 0 fail, 0 warn, 0 differs, 53 pass, 1 skipped/m);
    for (const run of runs) {
      const made = await madeKeys(run);
      expect(made.some((k) => k.name.includes('rl-basic-edge'))).toBe(true);
      expect(made.filter((k) => k.status === 'active')).toEqual([]);
    }
  }, 180_000);

  it('init, then doctor (READY), then run --provision from the skeleton cut to its admin key and keyAdmin', async () => {
    const out = join(dir, 'init', 'casebender.profile.yaml');
    expect(runInitCommand(['--out', out, '--target', full.target.baseUrl], () => undefined, () => undefined)).toBe(0);
    const skeleton = parseYaml(readFileSync(out, 'utf8')) as Profile;
    skeleton.keys = skeleton.keys.filter((k) => k.name === 'admin');
    skeleton.target.extraBaseUrls = [full.target.baseUrl.replace(/\/api\/v1$/, '/api')];
    skeleton.entities = full.entities!.filter((e) => e.type !== 'users');
    skeleton.clock = { mode: 'real', timeScale: SCALE };
    withKeyAdmin(skeleton);
    writeFileSync(out, stringifyYaml(skeleton));
    const adminKey = full.keys.find((k) => k.name === 'admin')!.key!;
    const env = { ...process.env, CB_KEY_ADMIN: adminKey };
    const lines: string[] = [];
    expect(await runDoctorCommand(['--profile', out], (l) => lines.push(l), (l) => lines.push(l), env)).toBe(0);
    expect(lines.join('\n')).toMatch(/READY$/);
    expect(lines.join('\n')).toMatch(/with --provision \(keys made through the profile’s keyAdmin and revoked at the end\): 53 will run, 1 will be skipped \(RL-4\)/);
    process.env['CB_KEY_ADMIN'] = adminKey;
    try {
      const { code, text } = await conformantRun(out);
      expect(code, text).toBe(0);
      expect(text).toMatch(/^CONFORMANT: 54 requirements — 0 fail, 0 warn, 0 differs, 53 pass, 1 skipped/m);
    } finally {
      delete process.env['CB_KEY_ADMIN'];
    }
  }, 180_000);

  it('Ctrl-C during the run revokes what it made and exits 130', async () => {
    const child = spawn(process.execPath, ['bin/casebender.js', 'run', '--profile', adminOnly(withKeyAdmin), '--provision', '--format', 'none'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('the keys are made and the load is under way', () => /RL … /.test(output), 60_000);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(output).toMatch(/provision: SIGINT: revoking this run's keys before stopping/);
    const run = /named (cb-run-[\w-]+)-\*/.exec(output)![1]!;
    expect((await madeKeys(run)).filter((k) => k.status === 'active')).toEqual([]);
  }, 180_000);

  it('nothing to make keys with, or a create that takes no tier and scopes: exit 2, nothing made', async () => {
    const errors: string[] = [];
    const none = adminOnly((p) => delete p.target.control);
    expect(await runRunCommand(['--profile', none, '--provision', '--format', 'none'], () => undefined, (l) => errors.push(l))).toBe(2);
    expect(errors.join('\n')).toMatch(/--provision: the profile declares no keyAdmin and names no control API/);
    const vague = adminOnly((p) => {
      withKeyAdmin(p);
      p.keyAdmin = { ...p.keyAdmin!, create: { method: 'POST', path: '/api-keys', body: { name: '{name}' } } };
    });
    expect(await runRunCommand(['--profile', vague, '--provision', '--format', 'none'], () => undefined, (l) => errors.push(l))).toBe(2);
    expect(errors.join('\n')).toMatch(/keyAdmin.create must pass on \{tier\} and \{scopes\}/);
    expect(await runRunCommand(['--provision'], () => undefined, (l) => errors.push(l))).toBe(2);
  });
});
