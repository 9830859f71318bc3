// Where fixtures/ is, from wherever this module runs.
import { fileURLToPath } from 'node:url';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The absolute path of a file in fixtures/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(name, FIXTURES));
}
