// npm run bench:install — what installing this project costs a client, and how fast the command
// starts: both packages are packed from this checkout (the packing builds dist/), each installed in
// a fresh project in a temporary directory (the npm cache first, the registry for what it lacks),
// and counted there: the packages npm puts in node_modules and their bytes on disk. The MSW
// package is measured in a project that already has msw (its peer), so the figure is what it
// adds. Then `casebender --help` (and each command's --help) is timed in the CLI install, run
// directly and through npx, the median of several runs; and in this checkout.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run bench:install -- [--runs N] [--keep]

  --runs N   timed runs of each --help (default 9; the median is printed)
  --keep     leave the temporary projects in place (their path is printed)`;

let options;
try {
  options = parseArgs({ options: { runs: { type: 'string', default: '9' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (error) {
  console.error(`bench:install: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:install: --runs wants a whole number ≥ 1, not "${options.runs}"\n${USAGE}`);
  process.exit(2);
}

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cb-install-'));
const say = (line) => process.stderr.write(`${line}\n`);
const npm = (cwd, ...args) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** Packages in a project's node_modules (every installed node, the project itself not counted). */
const packagesIn = (project) => new Set(npm(project, 'ls', '--all', '--parseable').split('\n').slice(1).filter(Boolean)).size;
/** Bytes on disk of a project's node_modules. */
const bytesIn = (project) => Number(execFileSync('du', ['-sb', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function project(name) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

/** The median wall time, in seconds, of running a command `runs` times. */
function medianSeconds(command, args, cwd) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

try {
  say(`packing both packages in ${work} (npm pack builds dist/)…`);
  const cliTarball = join(work, npm(repo, 'pack', '--silent', '--pack-destination', work).split('\n').pop());
  const mswTarball = join(work, npm(repo, 'pack', '-w', 'packages/msw', '--silent', '--pack-destination', work).split('\n').pop());

  say('a client project with msw@2, then the MSW package…');
  const client = project('msw-client');
  npm(client, ...INSTALL, 'msw@2');
  const [mswOnlyPackages, mswOnlyBytes] = [packagesIn(client), bytesIn(client)];
  npm(client, ...INSTALL, mswTarball);
  const leanPackages = packagesIn(client) - mswOnlyPackages;
  const leanBytes = bytesIn(client) - mswOnlyBytes;

  say('the CLI package in an empty project…');
  const cli = project('cli-user');
  npm(cli, ...INSTALL, cliTarball);
  const cliPackages = packagesIn(cli);
  const cliBytes = bytesIn(cli);

  say(`timing --help, ${runs} runs each…`);
  const bin = join(cli, 'node_modules', '.bin', 'casebender');
  const rows = [
    ['MSW package, added to a project with msw@2', `${leanPackages} packages, ${mb(leanBytes)} (msw@2 itself: ${mswOnlyPackages} packages, ${mb(mswOnlyBytes)})`],
    ['CLI package, in an empty project', `${cliPackages} packages, ${mb(cliBytes)} (Prism not included: an optional peer)`],
  ];
  for (const args of [['--help'], ['run', '--help'], ['mock', '--help'], ['doctor', '--help'], ['init', '--help']]) {
    rows.push([`casebender ${args.join(' ')} (installed, node_modules/.bin)`, `${medianSeconds(bin, args, cli).toFixed(2)} s`]);
  }
  rows.push(['npx casebender --help (installed)', `${medianSeconds('npx', ['--no-install', 'casebender', '--help'], cli).toFixed(2)} s`]);
  rows.push(['node bin/casebender.js --help (this checkout)', `${medianSeconds(process.execPath, ['bin/casebender.js', '--help'], repo).toFixed(2)} s`]);
  rows.push(['node bin/casebender.js run --help (this checkout)', `${medianSeconds(process.execPath, ['bin/casebender.js', 'run', '--help'], repo).toFixed(2)} s`]);
  const width = Math.max(...rows.map(([what]) => what.length));
  console.log(`install and start (node ${process.version}, median of ${runs} runs for times)`);
  for (const [what, value] of rows) console.log(`  ${what.padEnd(width)}  ${value}`);
} finally {
  if (options.keep) say(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
