#!/usr/bin/env node
// The `casebender` command. It runs the compiled JavaScript in dist/ (npm run build, which `npm ci`
// and `npm pack` run through "prepare"): no TypeScript is compiled at start. In a checkout whose
// sources are newer than that build, it runs the TypeScript through tsx instead, so an edit is
// never answered by stale code (bin/freshness.js).
import { existsSync } from 'node:fs';
import { distIsCurrent } from './freshness.js';

const root = new URL('../', import.meta.url);
if (existsSync(new URL('bin/casebender.ts', root)) && !distIsCurrent(root)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./casebender.ts');
} else {
  await import(new URL('dist/bin/casebender.js', root).href);
}
