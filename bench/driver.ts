// npm run bench:driver — is the rate-limit suites' load driver ever the bottleneck? Its in-process
// autocannon run (which also records every answer's status, time and rate-limit headers) against
// the autocannon CLI, both driving the same bare node:http server on 127.0.0.1. Target ≥ 0.9×.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { drive } from '../suites/ratelimit/load-driver.js';
import { pinThisProcess, planPinning } from './cpu-pinning.js';
import { startServerChild } from './server-child.js';

const AUTOCANNON_CLI = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
const TARGET = 0.9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cli(url: string, amount: number, connections: number, core: number | undefined): Promise<number> {
  const args = [AUTOCANNON_CLI, '-a', String(amount), '-c', String(connections), '-j', url];
  const [cmd, argv] = core === undefined ? [process.execPath, args] : ['taskset', ['-c', String(core), process.execPath, ...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv as string[], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const r = JSON.parse(stdout) as { requests: { total: number }; duration: number };
      resolve(r.requests.total / r.duration);
    });
  });
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { amount: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '50' }, help: { type: 'boolean', short: 'h', default: false } }, strict: true }));
  } catch (error) {
    console.error(`bench:driver: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log('Usage: npm run bench:driver -- [--amount N] [--rounds N] [--connections N]');
    return 0;
  }
  const amount = Number(values.amount);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  if (![amount, rounds, connections].every((n) => Number.isInteger(n) && n > 0)) {
    console.error('bench:driver: --amount, --rounds and --connections take positive integers');
    return 2;
  }
  const pinning = planPinning();
  const loaderCore = typeof pinning === 'string' ? undefined : pinning.loader;
  if (loaderCore !== undefined) pinThisProcess(loaderCore);
  const body = Buffer.from(JSON.stringify({ id: 'alert_1', title: 'Suspicious PowerShell execution', tlp: 2, pap: 2 })).toString('base64');
  const server = await startServerChild(
    { kind: 'start', role: 'bare', replays: { read: { status: 200, headers: [['Content-Type', 'application/json'], ['X-RateLimit-Limit', '60'], ['X-RateLimit-Remaining', '9'], ['X-RateLimit-Reset', '1800000000']], body } } },
    typeof pinning === 'string' ? {} : { core: pinning.server },
  );
  const url = `http://127.0.0.1:${server.ready.ports.read}/api/v1/alerts/alert_1`;
  console.log(`load driver vs autocannon CLI: ${amount} requests, ${connections} connections, ${rounds} rounds, bare server on 127.0.0.1${typeof pinning === 'string' ? ` (${pinning})` : ', pinned to separate cores'}`);
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? ['driver', 'cli'] : ['cli', 'driver'];
      for (const side of order) {
        if (side === 'driver') {
          const run = await drive({ label: 'driver', urls: [url], headers: [], amount, connections });
          ours.push(run.samples.length / (run.durationMs / 1000));
        } else theirs.push(await cli(url, amount, connections, loaderCore));
        console.log(`  round ${i + 1} ${side.padEnd(6)} ${Math.round((side === 'driver' ? ours : theirs).at(-1)!).toLocaleString('en-US')} req/s`);
      }
    }
  } finally {
    await server.stop();
  }
  const ratio = median(ours) / median(theirs);
  console.log(`median: driver ${Math.round(median(ours)).toLocaleString('en-US')} req/s, autocannon CLI ${Math.round(median(theirs)).toLocaleString('en-US')} req/s, ratio ${ratio.toFixed(2)}× (target ≥ ${TARGET}×) ${ratio >= TARGET ? 'PASS' : 'BELOW'}`);
  return 0;
}

process.exitCode = await main();
