// Who may import what (issue #21): contract/ is the one model both halves share and depends on
// nothing of theirs; everything but the mock reaches it through contract/index.ts; the suites'
// own modules touch the mock only to start the embedded one or to run the mutation score; cli/
// (the commands' argument parsing) depends on nothing of the project, and in the mock only its
// command uses it (the MSW package leaves that out).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url);
const packageJson = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { dependencies: Record<string, string> };

/** Suites modules (not tests) that may import mock/: the embedded target and the mutation score. */
const SUITES_MAY_IMPORT_MOCK = [/^suites\/harness\/target\.ts$/, /^suites\/mutation\//];
/** Mock modules that may import cli/: the command (scripts/build.mjs leaves them out of packages/msw). */
const MOCK_COMMAND = /^mock\/cli(\.ts$|\/)/;
const SOURCE = /\.(ts|mts|mjs)$/;
const isTest = (file: string) => /\.test\.ts$/.test(file);

/** Every module specifier a source text names: static imports and exports, and import('...'). */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?\sfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'/g)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

/** A package name from a bare specifier ('@scope/name/sub' → '@scope/name'). */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/** The rules' violations among files (path relative to the repository → text), one line each. */
export function importViolations(files: ReadonlyMap<string, string>, dependencies: readonly string[]): string[] {
  const bad: string[] = [];
  for (const [file, text] of files) {
    const top = file.split('/')[0]!;
    for (const spec of specifiers(text)) {
      const target = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), spec)) : undefined;
      const into = target?.split('/')[0];
      const say = (rule: string) => bad.push(`${file}: '${spec}' — ${rule}`);
      if (top === 'contract') {
        if (target === undefined) {
          if (spec.startsWith('node:')) {
            if (!isTest(file) && file !== 'contract/platform/node.ts') say('only contract/platform/node.ts uses Node built-ins (the browser build swaps it)');
          } else if (!isTest(file) && !dependencies.includes(packageOf(spec))) say('contract/ uses only the packages in "dependencies"');
        } else if (into !== 'contract' && into !== 'fixtures' && !(isTest(file) && into === 'mock')) say('contract/ imports nothing of the mock, the suites or the tools');
        continue;
      }
      if (into === 'contract' && top !== 'mock' && target !== 'contract/index.js' && target !== 'contract/index.ts') say('outside the mock, the contract is imported through contract/index.ts');
      if (top === 'mock' && !isTest(file) && (into === 'suites' || into === 'bench' || into === 'scripts')) say('the mock never imports the suites or the tools (its tests may run the suites against it)');
      if (top === 'mock' && into === 'cli' && !isTest(file) && !MOCK_COMMAND.test(file)) say('in the mock only its command (mock/cli.ts, mock/cli/) imports cli/: the MSW package has neither');
      if (top === 'cli' && !isTest(file) && !spec.startsWith('node:') && into !== 'cli') say('cli/ imports only Node built-ins: every command, the mock\'s too, imports it');
      if (top === 'suites' && into === 'mock' && !isTest(file) && !SUITES_MAY_IMPORT_MOCK.some((allowed) => allowed.test(file))) say('the suites import the mock only to start the embedded one (harness/target.ts) or in the mutation score');
    }
  }
  return bad;
}

describe('import rules', () => {
  it('every source file in the repository keeps them', () => {
    const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const files = new Map(listed.filter((f) => SOURCE.test(f) && !f.startsWith('dist/') && !f.startsWith('node_modules/')).map((f) => [f, readFileSync(new URL(f, ROOT), 'utf8')] as const));
    expect(files.size).toBeGreaterThan(150);
    expect(importViolations(files, Object.keys(packageJson.dependencies))).toEqual([]);
  });

  it('finds each kind of breach', () => {
    const breaches = new Map([
      ['contract/scopes.ts', "import { x } from '../mock/app.js';"],
      ['contract/model.ts', "import { readFileSync } from 'node:fs';"],
      ['contract/entities.ts', "import Redis from 'ioredis';"],
      ['suites/harness/run.ts', "import type { Model } from '../../contract/model.js';"],
      ['bench/x.ts', "const m = await import('../contract/limits/index.js');"],
      ['suites/doctor.ts', "import { createMockApp } from '../mock/app.js';"],
      ['mock/app.ts', "export { startRun } from '../suites/harness/run.js';"],
      ['mock/http/server.ts', "import { UsageError } from '../../cli/args.js';"],
      ['cli/args.ts', "import { FAULTS } from '../mock/faults/faults.js';"],
    ]);
    expect(importViolations(breaches, ['ajv']).map((line) => line.split(':')[0])).toEqual([...breaches.keys()]);
    const fine = new Map([
      ['contract/platform/node.ts', "import { hash } from 'node:crypto';"],
      ['contract/validation.ts', "import { Ajv } from 'ajv';\nimport ops from '../fixtures/operations.json' with { type: 'json' };"],
      ['contract/handle-request.test.ts', "import { createMockApp } from '../mock/app.js';\nimport { it } from 'vitest';"],
      ['mock/app.ts', "import { referenceModel } from '../contract/model.js';"],
      ['suites/harness/target.ts', "import { createMockApp } from '../../mock/app.js';\nimport { LEVELS } from '../../contract/index.js';"],
      ['suites/mutation/cli.ts', "import { FAULTS } from '../../mock/faults/faults.js';"],
      ['suites/bad-target.test.ts', "import { tempDir } from '../mock/test-support/temp-dir.js';"],
      ['mock/replicas.test.ts', "import { startRun } from '../suites/harness/run.js';"],
      ['cli/args.ts', "import { parseArgs } from 'node:util';"],
      ['mock/cli.ts', "export { UsageError } from '../cli/args.js';"],
      ['mock/cli/parse.ts', "import { parseOptions } from '../../cli/args.js';\nimport { ALGORITHMS } from '../../contract/model.js';"],
      ['suites/doctor.ts', "import { integerOption } from '../cli/args.js';\nimport { REQUIREMENT_IDS } from '../contract/index.js';"],
      ['bench/throughput-options.ts', "import { parseOptions } from '../cli/args.js';"],
    ]);
    expect(importViolations(fine, ['ajv'])).toEqual([]);
  });
});
