// The MSW handlers in a real browser: the MSW package's build (packages/msw/dist, its package.json
// "browser" swapping contract/platform/node.js for browser.js) bundled by esbuild for the browser
// platform — the bundle fails to build if a Node built-in is still on the way to the core — and
// run with setupWorker in Debian's headless Chromium. CI installs chromium; elsewhere the test is
// skipped, saying why.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_MISSING as reason, findChromium } from '../test-support/chromium.js';
import { envWithTempDir, tempDir } from '../test-support/temp-dir.js';

const chromium = findChromium();

const root = new URL('../../', import.meta.url).pathname;
const PAGE = `<!doctype html><meta charset="utf-8"><title>casebender msw</title><script type="module" src="/bundle.js"></script>`;
// The page: the handlers in a service worker, then requests a client would send.
const ENTRY = `
import { setupWorker } from 'msw/browser';
import { createHandlers } from '../mock/msw/index.js';
const results = {};
try {
  const mock = await createHandlers({ origin: location.origin });
  const worker = setupWorker(...mock.handlers);
  await worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, onUnhandledRequest: 'bypass', quiet: true });
  const get = (name) => fetch(mock.baseUrl + '/alerts', { headers: { Authorization: 'Bearer ' + mock.key(name) } });
  const read = await get('read-only');
  const alerts = await read.json();
  // GET /alerts answers a top-level array of alerts.
  results.read = [read.status, Array.isArray(alerts) && alerts.length > 0 && typeof alerts[0].id === 'string'];
  const revoked = await get('revoked');
  results.revoked = [revoked.status, revoked.headers.get('www-authenticate'), (await revoked.json()).code];
  const statuses = [];
  for (let i = 0; i < 11; i++) statuses.push((await get('basic-a')).status);
  const limited = await get('basic-a');
  results.limited = [statuses.filter((s) => s === 200).length, limited.status, limited.headers.get('retry-after') !== null];
  mock.clock.advance(Number(limited.headers.get('retry-after')) * 1000);
  results.afterWait = (await get('basic-a')).status;
  const legacy = mock.legacyPair('legacy-rw');
  const old = await fetch(mock.baseUrl + '/alerts', { headers: { 'x-api-key': legacy.accessKey, 'x-api-secret': legacy.secret } });
  results.legacy = [old.status, old.headers.get('deprecation') !== null];
  results.nodeFree = typeof process === 'undefined' || process.versions?.node === undefined;
} catch (error) {
  results.error = String((error && error.stack) || error);
}
// The handlers answer everything under their origin: the result goes to the reporting port.
await fetch(new URLSearchParams(location.search).get('report'), { method: 'POST', mode: 'no-cors', body: JSON.stringify(results) });
`;

describe.skipIf(chromium === undefined)(chromium === undefined ? `the MSW handlers in a browser — skipped: ${reason}` : 'the MSW handlers in a browser (setupWorker)', () => {
  let server: Server | undefined;
  let reporter: Server | undefined;
  const dir = tempDir('cb-msw-browser-');
  afterAll(() => {
    server?.close();
    reporter?.close();
  });

  it('CRED-1, KEY-3, RL-1, HDR-3, LEG-3: answer in Chromium through a service worker as in Node', async () => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'pipe' });
    const entryDir = join(root, 'packages', 'msw', 'dist', 'browser-test');
    mkdirSync(entryDir, { recursive: true });
    writeFileSync(join(entryDir, 'entry.js'), ENTRY);
    const bundle = await build({ entryPoints: [join(entryDir, 'entry.js')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.text;
    expect(js).not.toMatch(/from ["']node:/);
    const worker = readFileSync(createRequire(import.meta.url).resolve('msw/mockServiceWorker.js'), 'utf8');

    let deliver: (body: string) => void = () => undefined;
    const result = new Promise<string>((resolve) => (deliver = resolve));
    reporter = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.end('ok');
        if (req.method === 'POST') deliver(body);
      });
    });
    await new Promise<void>((resolve) => reporter!.listen(0, '127.0.0.1', resolve));
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const [type, text] = path === '/bundle.js' ? ['text/javascript', js] : path === '/mockServiceWorker.js' ? ['text/javascript', worker] : ['text/html', PAGE];
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(text);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const report = `http://127.0.0.1:${(reporter.address() as { port: number }).port}/result`;
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/?report=${encodeURIComponent(report)}`;
    const browser = spawn(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--remote-debugging-port=0', '--enable-logging=stderr', '--v=0', url], { stdio: ['ignore', 'ignore', 'pipe'], env: envWithTempDir(dir), detached: true });
    let log = '';
    browser.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    try {
      const timeout = new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no result from the page within 60 s; Chromium said: ${log.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l)).slice(-8).join(' / ')}`)), 60_000));
      const results = JSON.parse(await Promise.race([result, timeout])) as Record<string, unknown>;
      expect(results['error']).toBeUndefined();
      expect(results).toEqual({
        read: [200, true],
        revoked: [401, expect.stringMatching(/^Bearer /), 'revoked_key'],
        limited: [10, 429, true],
        afterWait: 200,
        legacy: [200, true],
        nodeFree: true,
      });
    } finally {
      // Chromium's renderer and GPU processes are in its process group: stop them all, and wait,
      // so that none still writes into the profile directory while it is removed.
      const exited = new Promise((resolve) => (browser.exitCode !== null || browser.signalCode !== null ? resolve(undefined) : browser.once('exit', resolve)));
      try {
        process.kill(-browser.pid!, 'SIGKILL');
      } catch {
        browser.kill('SIGKILL');
      }
      await exited;
    }
  }, 120_000);
});
