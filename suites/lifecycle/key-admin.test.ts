// KEY-3 and KEY-4 in effect at a deployment without the mock's control API, through the key
// administration its profile declares: HTTP requests made with an admin key (the mock's own
// /api-keys stands in for a deployment's), or commands run with the key's id. Before this, only
// keys revoked beforehand were tried, so a deployment that kept accepting a revoked key for a
// while (a cached lookup) passed KEY-3.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../mock/test-support/temp-dir.js';
import type { KeyAdminDeclaration } from '../../contract/index.js';
import type { CheckResult } from '../harness/check.js';
import type { ResolvedProfile } from '../harness/load-profile.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget, type Target } from '../harness/target.js';

const dir = tempDir('cb-key-admin-');
const targets: Target[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.stop();
});

const HTTP_ADMIN: KeyAdminDeclaration = {
  adminKey: 'admin',
  create: { method: 'POST', path: '/api-keys', body: { name: '{name}', tier: 'unlimited', scopes: ['alerts:read'] } },
  revoke: { method: 'DELETE', path: '/api-keys/{id}' },
  suspend: { method: 'POST', path: '/api-keys/{id}/suspend' },
  reinstate: { method: 'POST', path: '/api-keys/{id}/reinstate' },
};

/** The embedded mock as a deployment: no control API in its profile, no declared revoked or suspended keys. */
async function deployment(keyAdmin: KeyAdminDeclaration | undefined, faults: string[] = [], timeScale = 1): Promise<ResolvedProfile> {
  const target = await embeddedTarget({ timeScale, faults });
  targets.push(target);
  const profile = JSON.parse(JSON.stringify(target.profile)) as ResolvedProfile & { keyAdmin?: KeyAdminDeclaration };
  delete (profile.target as { control?: unknown }).control;
  profile.keys = profile.keys.filter((k) => (k.state ?? 'active') === 'active');
  if (keyAdmin !== undefined) profile.keyAdmin = keyAdmin;
  else delete profile.keyAdmin;
  return profile;
}

async function key34(profile: ResolvedProfile): Promise<Record<string, CheckResult>> {
  const run = await startRun({ profile, only: ['KEY-3', 'KEY-4'] });
  try {
    // The checks in effect, not the model-based ones (virtual clock only) under the same IDs.
    return Object.fromEntries((await run.runAll()).results.filter((r) => r.requirement !== 'SCHEMA-1' && !r.title.startsWith('model-based')).map((r) => [r.requirement, r]));
  } finally {
    run.close();
  }
}

const summaryOf = (r: CheckResult | undefined) => (r?.verdict.outcome === 'violation' ? r.verdict.evidence.summary : r?.verdict.outcome === 'skipped' ? r.verdict.reason : r?.verdict.outcome === 'pass' ? (r.verdict.note ?? '') : '');

describe('KEY-3, KEY-4 through a declared key administration', () => {
  it('HTTP: a revoked key is refused on the very next request; a suspended one too, and works again once reinstated', async () => {
    const results = await key34(await deployment(HTTP_ADMIN));
    expect(results['KEY-3']?.result, summaryOf(results['KEY-3'])).toBe('pass');
    expect(summaryOf(results['KEY-3'])).toMatch(/revoked through the profile's key administration \(HTTP\): the very next request got 401/);
    expect(results['KEY-4']?.result, summaryOf(results['KEY-4'])).toBe('pass');
  });

  it('HTTP: a revocation that takes effect late fails KEY-3, with how long the key went on working', async () => {
    // 30 s of the mock's time at time scale 20: about 1.5 real seconds.
    const results = await key34(await deployment(HTTP_ADMIN, ['revocation-takes-effect-late'], 20));
    expect(results['KEY-3']?.result).toBe('fail');
    const summary = summaryOf(results['KEY-3']);
    expect(summary).toMatch(/got 200 on the next request, and went on working for about (\d+) ms after the revoke/);
    const ms = Number(/about (\d+) ms/.exec(summary)![1]);
    expect(ms).toBeGreaterThan(1_000);
    expect(ms).toBeLessThan(4_000);
    expect(results['KEY-4']?.result).toBe('pass');
  }, 30_000);

  it('commands: create prints the key as JSON; revoke, suspend and reinstate take the id', async () => {
    const profile = await deployment(undefined);
    const admin = profile.keys.find((k) => k.name === 'admin');
    if (admin?.kind !== 'modern') throw new Error('no modern admin key');
    // A deployment's own administration script, here speaking to the mock's /api-keys.
    const script = join(dir, 'keys.mjs');
    writeFileSync(
      script,
      `const [action, arg] = process.argv.slice(2);
const base = ${JSON.stringify(profile.target.baseUrl)};
const headers = { Authorization: 'Bearer ${admin.key}', 'Content-Type': 'application/json' };
const call = (method, path, body) => fetch(base + path, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
if (action === 'create') {
  const made = await (await call('POST', '/api-keys', { name: arg, tier: 'unlimited', scopes: ['alerts:read'] })).json();
  console.log(JSON.stringify({ id: made.id, key: made.key }));
} else {
  const r = action === 'revoke' ? await call('DELETE', '/api-keys/' + arg) : await call('POST', '/api-keys/' + arg + '/' + action);
  if (!r.ok) { console.error('refused', r.status); process.exit(1); }
}
`,
    );
    const command = (action: string, arg: string) => ({ command: [process.execPath, script, action, arg] });
    profile.keyAdmin = { create: command('create', '{name}'), revoke: command('revoke', '{id}'), suspend: command('suspend', '{id}'), reinstate: command('reinstate', '{id}') };
    const results = await key34(profile);
    expect(results['KEY-3']?.result, summaryOf(results['KEY-3'])).toBe('pass');
    expect(summaryOf(results['KEY-3'])).toMatch(/\(commands\)/);
    expect(results['KEY-4']?.result, summaryOf(results['KEY-4'])).toBe('pass');
  }, 30_000);

  it('without a control API or keyAdmin, KEY-3 and KEY-4 skip, saying what to declare', async () => {
    const results = await key34(await deployment(undefined));
    expect(results['KEY-3']?.result).toBe('skipped');
    expect(summaryOf(results['KEY-3'])).toMatch(/declare keyAdmin \(create, revoke\)/);
    expect(summaryOf(results['KEY-4'])).toMatch(/declare keyAdmin \(create, suspend, reinstate\)/);
  });

  it('a key administration that fails is the profile’s fault: skipped with its answer, never blamed on the deployment', async () => {
    const results = await key34(await deployment({ ...HTTP_ADMIN, create: { method: 'POST', path: '/no-such-admin-endpoint' } }));
    expect(results['KEY-3']?.result).toBe('skipped');
    expect(summaryOf(results['KEY-3'])).toMatch(/keyAdmin\.create \(POST \/no-such-admin-endpoint\) answered 404/);
    const broken = await key34(await deployment({ create: { command: [join(dir, 'missing-script')] }, revoke: { command: ['true'] } }));
    expect(broken['KEY-3']?.result).toBe('skipped');
    expect(summaryOf(broken['KEY-3'])).toMatch(/the command .*missing-script.* failed/);
  });
});
