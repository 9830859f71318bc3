// `casebender mock --print-env` (#20): the seeded keys as shell variables. The README's example is
// run as written, in bash, from a fresh directory (`npx casebender` is this checkout's CLI, on a
// free port): sourced, its curl lines — Bearer, X-Api-Key, the legacy pair, the control API — all
// succeed. Without FILE, standard output holds the variables alone.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killMocks, mock, until } from './test-support/mock-process.js';
import { tempDir } from './test-support/temp-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir('casebender-print-env-');
afterEach(killMocks);

/** The README's example: the sh block after the print-env marker. */
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const from = readme.indexOf('<!-- print-env example');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from === -1 || block === null) throw new Error('the README has no print-env example');
  return block[1]!;
}

describe('casebender mock --print-env', () => {
  it('the README example, sourced in bash, makes its curl lines work as written', () => {
    const script = `set -euo pipefail
cd ${JSON.stringify(dir)}
npx() { shift; exec node ${JSON.stringify(`${ROOT}bin/casebender.js`)} "$@" --port 0; }
trap 'kill %1 2>/dev/null || true' EXIT
${readmeExample()}`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/"title":"Phishing report"/);
    expect(r.stdout).toMatch(/"timeScale":1/);
    expect(statSync(`${dir}/reports/keys.env`).mode & 0o777).toBe(0o600);
  }, 40_000);

  it('without FILE: standard output holds only the variables; the start-up lines go to standard error', async () => {
    const run = mock('--print-env', '--port', '0', '--profile-out', `${dir}/stdout-profile.json`);
    await until('the mock starts', () => /listening on/.test(run.output().stderr));
    const lines = run.output().stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^# casebender mock keys/);
    for (const line of lines.slice(1)) expect(line).toMatch(/^CB_[A-Z0-9_]+='[^']*'$/);
    expect(lines.some((l) => l.startsWith('CB_KEY_LEGACY_RW_SECRET='))).toBe(true);
    // Sourced, the variables are the profile's material.
    const profile = JSON.parse(readFileSync(`${dir}/stdout-profile.json`, 'utf8')) as { keys: { name: string; key?: string }[] };
    const shown = spawnSync('bash', ['-c', `${run.output().stdout}\necho "$CB_KEY_READ_ONLY"`], { encoding: 'utf8' }).stdout.trim();
    expect(shown).toBe(profile.keys.find((k) => k.name === 'read-only')!.key);
  }, 30_000);
});
