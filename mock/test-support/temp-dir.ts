// Temporary directories for tests, removed with everything in them when the tests are done:
// `npm test` run again and again must not fill the machine's temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A new directory under the system's temp directory. Removed after the tests of the file or
 * `describe` block that asks for it (afterAll); inside a test, pass vitest's onTestFinished.
 *
 * @example
 * const dir = tempDir('cb-run-');                     // at the top of a test file
 * const dir = tempDir('cb-html-', onTestFinished);   // inside it()
 */
export function tempDir(prefix: string, removeAfter: (remove: () => void) => void = afterAll): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a child process that was just stopped may still be closing files in it.
  removeAfter(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}

/**
 * The environment of a child process that keeps its own temporary files in `dir` (Chromium
 * leaves a profile-singleton directory in $TMPDIR when it is killed).
 */
export function envWithTempDir(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, TMPDIR: dir };
}
