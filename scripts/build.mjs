// npm run build: the library entry points as JavaScript in dist/ (tsc), and the fixtures the mock
// reads at run time (OpenAPI document, seed, schemas) beside them, where contract/fixture-path.ts
// finds them from dist/contract/, and as embedded texts for the browser build.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('fixtures', 'dist/fixtures', { recursive: true, filter: (path) => !path.endsWith('.ts') });
// The browser build has no file system: the same fixtures as texts (contract/platform/browser.ts).
const texts = Object.fromEntries(readdirSync('fixtures').filter((f) => /\.(json|yaml)$/.test(f)).map((f) => [f, readFileSync(`fixtures/${f}`, 'utf8')]));
writeFileSync('dist/contract/platform/fixture-texts.js', `// Written by scripts/build.mjs from fixtures/.\nexport const FIXTURE_TEXTS = Object.freeze(${JSON.stringify(texts)});\n`);
console.log('built dist/ (casebender-conformance/msw)');
