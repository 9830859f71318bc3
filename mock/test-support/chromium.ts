// Debian's chromium for the tests that render in a real browser: its path, or undefined with the
// reason to print. CI installs it (.ci/run) and must run those tests: there a missing chromium is
// an error, not a skip.
import { execFileSync } from 'node:child_process';

export const CHROMIUM_MISSING = 'chromium is not installed here (CI installs it: apt-get install chromium)';

/** The chromium binary, or undefined outside CI when none is installed (throws in CI). */
export function findChromium(): string | undefined {
  let path: string | undefined;
  try {
    path = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    path = undefined;
  }
  if (path === undefined && process.env['CI'] === 'true') throw new Error(`${CHROMIUM_MISSING} — and CI must run this test`);
  return path;
}
