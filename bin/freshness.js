// Whether dist/ holds the build of the sources as they stand: its stamp (dist/.built, the time
// `npm run build` began) is at least as new as every file the build compiles or copies. Used by
// bin/casebender.js (to run dist/ or the sources) and by `scripts/build.mjs --if-stale`.
import { existsSync, readdirSync, statSync } from 'node:fs';

export const SOURCE_DIRS = ['bin/', 'cli/', 'contract/', 'mock/', 'suites/', 'fixtures/'];

/** The newest modification time, in ms, among the sources under `root` (a file: URL ending in /). */
export function newestSource(root) {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'test-support') visit(new URL(`${entry.name}/`, dir));
      } else if (/\.(ts|json|yaml|lua)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, statSync(new URL(entry.name, dir)).mtimeMs);
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(new URL(dir, root))) visit(new URL(dir, root));
  return newest;
}

/** True when dist/ under `root` was built from the sources as they stand. */
export function distIsCurrent(root) {
  const stamp = new URL('dist/.built', root);
  return existsSync(stamp) && newestSource(root) <= statSync(stamp).mtimeMs;
}
