// npm run build: the library entry points as JavaScript in dist/ (tsc), and the fixtures the mock
// reads at run time (OpenAPI document, seed, schemas) beside them, where mock/fixture-path.ts
// finds them from dist/mock/.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('fixtures', 'dist/fixtures', { recursive: true, filter: (path) => !path.endsWith('.ts') });
console.log('built dist/ (casebender-conformance/msw)');
