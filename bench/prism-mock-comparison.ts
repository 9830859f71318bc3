// What Prism's own mock of fixtures/openapi.yaml does with credentials, measured: the suites run
// against `prism mock fixtures/openapi.yaml` and against our mock, and a Markdown table compares
// the result per requirement (printed; README "Prism's mock and ours").
//   npm run compare:prism [-- --skip-rate-limits]
// Loopback only; Prism is started and stopped here. Prism's mock has no control API and no clock:
// the profile it gets is our mock's without the control URL (lifecycle changes then skip), at
// time scale 1 (its rate-limit load takes real minutes; --skip-rate-limits leaves RL/HDR out).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMockApp } from '../mock/app.js';
import { fixturePath } from '../contract/index.js';
import { startMockServer } from '../mock/http/server.js';
import { runRunCommand } from '../suites/cli.js';
import type { RunReport } from '../suites/report/run-report.js';

const { values } = parseArgs({ options: { 'skip-rate-limits': { type: 'boolean', default: false }, port: { type: 'string', default: '0' } } });
const dir = mkdtempSync(join(tmpdir(), 'cb-prism-mock-'));

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startPrismMock(port: number): Promise<ChildProcess> {
  let cli: string;
  try {
    cli = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
  } catch {
    throw new Error('Prism is not installed (an optional peer dependency): npm install --no-save @stoplight/prism-cli@5.14.2');
  }
  const child = spawn(process.execPath, [cli, 'mock', fixturePath('openapi.yaml'), '-h', '127.0.0.1', '-p', String(port), '--cors', 'false'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Prism did not start within 60 s')), 60_000);
    let log = '';
    const watch = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.on('exit', (code) => reject(new Error(`Prism exited (${code}): ${log.slice(-500)}`)));
  });
}

async function suiteReport(name: string, args: string[]): Promise<RunReport> {
  const reportDir = join(dir, name);
  const lines: string[] = [];
  const code = await runRunCommand([...args, '--report-dir', reportDir, '--format', 'json', '--quiet'], (l) => lines.push(l), (l) => lines.push(l));
  console.error(`${name}: exit ${code}: ${lines.at(-1) ?? ''}`);
  return JSON.parse(readFileSync(join(reportDir, 'latest', 'report.json'), 'utf8')) as RunReport;
}

const skip = values['skip-rate-limits'] ? ['--skip', 'RL,HDR'] : [];
const app = await createMockApp({});
const ours = await startMockServer(app);
const prismPort = await freePort();
const prism = await startPrismMock(prismPort);
try {
  const written = app.profile(ours.baseUrl, ours.controlUrl);
  written.target.extraBaseUrls = [`${ours.origin}/api`];
  const oursFile = join(dir, 'ours.json');
  writeFileSync(oursFile, JSON.stringify(written));
  const { control: _control, ...target } = written.target;
  const prismProfile = { ...written, target: { ...target, baseUrl: `http://127.0.0.1:${prismPort}/api/v1`, extraBaseUrls: [`http://127.0.0.1:${prismPort}/api`] } };
  const prismFile = join(dir, 'prism.json');
  writeFileSync(prismFile, JSON.stringify(prismProfile));

  const mine = await suiteReport('ours', ['--profile', oursFile, ...skip]);
  const theirs = await suiteReport('prism', ['--profile', prismFile, ...skip]);
  const firstWords = (r: RunReport['requirements'][number] | undefined) => {
    const c = r?.checks.find((x) => x.result !== 'pass' && x.result !== 'skipped');
    const text = c?.evidence?.summary ?? c?.reason ?? r?.checks.find((x) => x.result === 'skipped')?.reason ?? '';
    return text.split('\n')[0]!.replace(/\|/g, '\\|').slice(0, 110);
  };
  console.log('| requirement | level | our mock | Prism\'s mock | what Prism\'s mock did (first finding) |');
  console.log('|---|---|---|---|---|');
  for (const r of mine.requirements) {
    const p = theirs.requirements.find((x) => x.id === r.id);
    console.log(`| ${r.id} | ${r.level} | ${r.result} | ${p?.result ?? '—'} | ${p?.result === 'pass' ? '' : firstWords(p)} |`);
  }
  const count = (rep: RunReport, result: string) => rep.requirements.filter((x) => x.result === result).length;
  console.log(`\nour mock: ${count(mine, 'pass')} pass, ${count(mine, 'fail')} fail, ${count(mine, 'warn') + count(mine, 'differs')} warn/differs, ${count(mine, 'skipped')} skipped; Prism's mock: ${count(theirs, 'pass')} pass, ${count(theirs, 'fail')} fail, ${count(theirs, 'warn') + count(theirs, 'differs')} warn/differs, ${count(theirs, 'skipped')} skipped (of ${mine.requirements.length})`);
} finally {
  prism.kill('SIGTERM');
  await ours.close();
}
