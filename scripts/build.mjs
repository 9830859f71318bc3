// npm run build: the contract, the mock, the suites and the CLI (bin/, cli/) as JavaScript in dist/
// (tsc), the fixtures they read at run time (OpenAPI document, seed, schemas) beside them, where
// contract/platform/node.ts finds them from dist/contract/platform/, and as embedded texts for the
// browser build; the Redis limiter's Lua script; a stamp bin/casebender.js compares sources with.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
// --if-stale: nothing to do when dist/ is the build of the sources as they stand (a test that needs
// dist/ calls it so; a rebuild under a running CLI would pull its modules from under it).
if (process.argv.includes('--if-stale')) {
  const { distIsCurrent } = await import('../bin/freshness.js');
  if (distIsCurrent(new URL('..', import.meta.url))) process.exit(0);
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = new Date();
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('fixtures', 'dist/fixtures', { recursive: true, filter: (path) => !path.endsWith('.ts') });
cpSync('mock/store/redis/decide-rate.lua', 'dist/mock/store/redis/decide-rate.lua');
// The browser build has no file system: the same fixtures as texts (contract/platform/browser.ts).
const texts = Object.fromEntries(readdirSync('fixtures').filter((f) => /\.(json|yaml)$/.test(f)).map((f) => [f, readFileSync(`fixtures/${f}`, 'utf8')]));
writeFileSync('dist/contract/platform/fixture-texts.js', `// Written by scripts/build.mjs from fixtures/.\nexport const FIXTURE_TEXTS = Object.freeze(${JSON.stringify(texts)});\n`);
// packages/msw: the MSW handlers alone (their modules, the contract, the fixtures), for a client that
// wants no CLI, suites, Prism, Redis or load driver (docs/msw.md).
const lean = 'packages/msw/dist';
rmSync(lean, { recursive: true, force: true });
// Not the mock's command (mock/cli.ts, mock/cli/; cli/ is not copied) nor its workers and Redis store.
const notForMsw = /^dist\/mock\/(cli|workers)(\.|\/|$)|^dist\/mock\/store\/redis(\/|$)/;
for (const part of ['contract', 'mock', 'fixtures']) cpSync(`dist/${part}`, `${lean}/${part}`, { recursive: true, filter: (path) => !notForMsw.test(path) });
// bin/casebender.js runs dist/ while no source is newer than this stamp (the time the build began).
writeFileSync('dist/.built', '');
utimesSync('dist/.built', started, started);
console.log('built dist/ and packages/msw/dist/');
