// Our mock against Prism's mock of the same document, on the same request: requests a second,
// medians of alternating rounds, and the ratio (issue #9 target: at least 15×).
//   npm run bench:prism [-- --duration 5 --rounds 3 --connections 10]
// Both run as their own processes on 127.0.0.1; autocannon drives them from this one, one at a
// time. The request is an authenticated read of an alert list (Bearer, an Unlimited key so that no
// rate limit applies). Prism's answer is the document's example; ours is the real list.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { fixturePath } from '../contract/index.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '10' } } });
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
for (const [name, v] of [['duration', duration], ['rounds', rounds], ['connections', connections]] as const) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`bench:prism: --${name} must be a positive integer`);
    process.exit(2);
  }
}

function started(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 60 s: ${log.slice(-300)}`)), 60_000);
    const watch = (chunk: Buffer) => {
      log += chunk.toString();
      const m = log.match(pattern);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}): ${log.slice(-300)}`)));
  });
}

const require = createRequire(import.meta.url);
let prismCli: string;
try {
  prismCli = require.resolve('@stoplight/prism-cli/dist/index.js');
} catch {
  console.error('bench:prism: Prism is not installed (an optional peer dependency): npm install --no-save @stoplight/prism-cli@5.14.2');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'cb-bench-prism-'));
const profileFile = join(dir, 'profile.json');
const ours = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--quiet', '--profile-out', profileFile], { stdio: ['ignore', 'pipe', 'pipe'] });
const prism = spawn(process.execPath, [prismCli, 'mock', fixturePath('openapi.yaml'), '-h', '127.0.0.1', '-p', '0', '--cors', 'false', '-v', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
const stop = () => {
  ours.kill('SIGTERM');
  prism.kill('SIGTERM');
};
process.on('exit', stop);
try {
  const oursBase = (await started(ours, /listening on (http:\/\/\S+\/api\/v1)/, 'the mock'))[1]!;
  // Prism prints nothing at -v error; its port is found from its listening socket via a probe below.
  const prismPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Prism did not start within 60 s')), 60_000);
    const poll = async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
      const line = out.split('\n').find((l) => l.includes(`pid=${prism.pid},`));
      const port = line?.match(/127\.0\.0\.1:(\d+)/)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(Number(port));
      } else setTimeout(() => void poll(), 250);
    };
    void poll();
  });
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as { keys: { name: string; key?: string }[] };
  const key = profile.keys.find((k) => k.name === 'read-only')!.key!;
  const targets = { ours: `${oursBase}/alerts?limit=5`, prism: `http://127.0.0.1:${prismPort}/api/v1/alerts?limit=5` };
  const measure = (url: string) =>
    new Promise<{ rps: number; non2xx: number }>((resolve, reject) =>
      autocannon({ url, connections, duration, headers: { authorization: `Bearer ${key}` } }, (error, result) => (error ? reject(error) : resolve({ rps: result.requests.average, non2xx: result.non2xx }))),
    );
  // Warm both up, then alternate rounds so that the machine's drift falls on both.
  for (const url of Object.values(targets)) await new Promise((r) => autocannon({ url, connections, duration: 1, headers: { authorization: `Bearer ${key}` } }, r));
  const samples: Record<'ours' | 'prism', number[]> = { ours: [], prism: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const side of ['ours', 'prism'] as const) {
      const r = await measure(targets[side]);
      if (r.non2xx > 0) throw new Error(`${side}: ${r.non2xx} answers were not 2xx; the comparison would be unfair`);
      samples[side].push(r.rps);
      console.error(`round ${round}: ${side} ${Math.round(r.rps)} req/s`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = { ours: median(samples.ours), prism: median(samples.prism) };
  console.log(`authenticated list read, ${connections} connections, ${rounds} × ${duration} s each, medians:`);
  console.log(`  our mock      ${Math.round(m.ours)} req/s`);
  console.log(`  Prism's mock  ${Math.round(m.prism)} req/s`);
  console.log(`  ratio         ${(m.ours / m.prism).toFixed(1)}× (target ≥ 15×)`);
} finally {
  stop();
}
