// bin/casebender.js (with bin/freshness.js) runs dist/ while the build is at least as new as every source, and the
// TypeScript through tsx as soon as one source is newer: a checkout never answers with stale code.
import { cpSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../mock/test-support/temp-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('bin/casebender.js picks the build or the sources', () => {
  const dir = tempDir('cb-launcher-');
  const at = (path: string) => join(dir, path);
  const write = (path: string, text: string, seconds: number) => {
    mkdirSync(join(at(path), '..'), { recursive: true });
    writeFileSync(at(path), text);
    utimesSync(at(path), seconds, seconds);
  };
  const run = () => execFileSync(process.execPath, [at('bin/casebender.js')], { encoding: 'utf8' }).trim();

  it('the build when no source is newer, the sources when one is, the build alone when no sources ship', () => {
    for (const file of ['bin/casebender.js', 'bin/freshness.js']) cpSync(join(ROOT, file), at(file));
    symlinkSync(join(ROOT, 'node_modules'), at('node_modules'));
    write('bin/casebender.ts', "console.log('sources');", 1_000);
    write('contract/rules.ts', 'export {};', 1_000);
    write('fixtures/tiers.json', '{}', 1_000);
    write('dist/bin/casebender.js', "console.log('dist');", 2_000);
    write('dist/.built', '', 2_000);
    expect(run()).toBe('dist');
    write('contract/rules.ts', 'export const changed = 1;', 3_000);
    expect(run()).toBe('sources');
    write('dist/.built', '', 4_000);
    write('fixtures/tiers.json', '{"changed":1}', 5_000);
    expect(run()).toBe('sources');
    write('contract/rules.test.ts', 'export {};', 1_000);
    write('dist/.built', '', 6_000);
    write('contract/rules.test.ts', 'export {};', 7_000);
    expect(run()).toBe('dist'); // a test file is not built
    execFileSync('rm', [at('bin/casebender.ts')]);
    write('contract/rules.ts', 'export {};', 8_000);
    expect(run()).toBe('dist'); // a published package: no sources beside the launcher
  });
});
