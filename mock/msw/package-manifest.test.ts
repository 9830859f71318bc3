// packages/msw/package.json ships the handlers alone (#21 item 4); what it shares with the root
// package is written twice — the version, the browser map, the engines, the dependency ranges — so
// this holds the two copies together: a release that bumps one and not the other fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  version: string;
  engines?: Record<string, string>;
  browser?: Record<string, string | false>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Manifest;
const root = read('../../package.json');
const lean = read('../../packages/msw/package.json');

describe('packages/msw/package.json agrees with the root package', () => {
  it('the same version, engines and browser map', () => {
    expect(lean.version).toBe(root.version);
    expect(lean.engines).toEqual(root.engines);
    expect(lean.browser).toEqual(root.browser);
  });

  it('each of its dependencies at the root’s range, msw as the same peer', () => {
    for (const [name, range] of Object.entries(lean.dependencies ?? {})) expect({ name, range }).toEqual({ name, range: root.dependencies?.[name] });
    expect(lean.peerDependencies?.['msw']).toBe(root.peerDependencies?.['msw']);
  });
});
