// `casebender mock`: starts the reference mock, prints its keys, writes the target profile.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createMockApp, type MockApp } from './app.js';
import { ALGORITHMS } from './core/model.js';
import type { RateLimitAlgorithm } from './core/types.js';
import { startMockServer, type MockServer } from './http/server.js';
import { SeedError } from './seed.js';
import { keyStatus } from './core/authenticate.js';
import { FAULTS, resolveFaults } from './faults/faults.js';

export const MOCK_USAGE = `Usage: casebender mock [options]

Starts the CaseBender reference mock: the API under /api/v1 and /api, seeded keys and
entities, and a control API under /__mock/ guarded by a token.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port N               port (default 4010; 0 picks a free one)
  --clock real|virtual   real time (default), or a clock only the control API moves
  --time-scale N         one real second counts as N seconds (default 1)
  --algorithm NAME       token-bucket (default) | sliding-window | fixed-window
  --profile-out FILE     where to write the target profile (default reports/mock-profile.json)
  --seed FILE            seed entities and keys (default fixtures/seed.json)
  --no-control           turn the control API off
  --control-token T      use this control token instead of a random one
  --fault NAME[,NAME]    break the mock on purpose, to test a suite (names: casebender mock --list-faults);
                         PUT /__mock/faults {"faults": [...]} switches them while it runs
  --list-faults          list the faults and the requirement each breaks
  --quiet                print only the listening line
  -h, --help             show this help

Exit codes: 0 after a clean stop (Ctrl-C, SIGTERM), 2 for a usage error, an unreadable
seed file or a port that cannot be used.`;

export class UsageError extends Error {}
export class ProfileWriteError extends Error {}

export interface MockCliOptions {
  host: string;
  port: number;
  clock: 'real' | 'virtual';
  timeScale: number;
  algorithm: RateLimitAlgorithm;
  profileOut: string;
  seed?: string;
  control: boolean;
  controlToken?: string;
  quiet: boolean;
  faults: string[];
  listFaults: boolean;
  help: boolean;
}

/** Parses `casebender mock` arguments; throws UsageError with one clear line. */
export function parseMockArgs(argv: readonly string[]): MockCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '4010' },
        clock: { type: 'string', default: 'real' },
        'time-scale': { type: 'string', default: '1' },
        algorithm: { type: 'string', default: 'token-bucket' },
        'profile-out': { type: 'string', default: 'reports/mock-profile.json' },
        seed: { type: 'string' },
        'no-control': { type: 'boolean', default: false },
        'control-token': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        fault: { type: 'string' },
        'list-faults': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535; got "${values.port}"`);
  if (values.clock !== 'real' && values.clock !== 'virtual') throw new UsageError(`--clock must be real or virtual; got "${values.clock}"`);
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new UsageError(`--time-scale must be a positive number; got "${values['time-scale']}"`);
  if (!ALGORITHMS.includes(values.algorithm as RateLimitAlgorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}; got "${values.algorithm}"`);
  const faults = values.fault === undefined ? [] : values.fault.split(',').map((f) => f.trim()).filter((f) => f !== '');
  try {
    resolveFaults(faults);
  } catch (error) {
    throw new UsageError(`--fault: ${(error as Error).message}`);
  }
  if (values['control-token'] !== undefined && values['control-token'].length < 16) throw new UsageError('--control-token must be at least 16 characters');
  return {
    host: values.host,
    port,
    clock: values.clock,
    timeScale,
    algorithm: values.algorithm as RateLimitAlgorithm,
    profileOut: values['profile-out'],
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    control: !values['no-control'],
    ...(values['control-token'] !== undefined ? { controlToken: values['control-token'] } : {}),
    quiet: values.quiet,
    faults,
    listFaults: values['list-faults'],
    help: values.help,
  };
}

/** Starts the mock from parsed options; throws SeedError or the listen error. */
export async function startMock(options: MockCliOptions): Promise<{ app: MockApp; server: MockServer; profilePath: string }> {
  const app = await createMockApp({
    clock: options.clock,
    timeScale: options.timeScale,
    algorithm: options.algorithm,
    control: options.control,
    ...(options.seed !== undefined ? { seedPath: options.seed } : {}),
    ...(options.controlToken !== undefined ? { controlToken: options.controlToken } : {}),
    faults: options.faults,
  });
  const server = await startMockServer(app, { host: options.host, port: options.port });
  const profilePath = resolve(options.profileOut);
  try {
    mkdirSync(dirname(profilePath), { recursive: true });
    // The profile holds key material: owner-only, also when the file was already there.
    writeFileSync(profilePath, JSON.stringify(app.profile(server.baseUrl, server.controlUrl), null, 2) + '\n', { mode: 0o600 });
    chmodSync(profilePath, 0o600);
  } catch (error) {
    await server.close();
    throw new ProfileWriteError(`cannot write the profile to ${profilePath}: ${(error as Error).message}`);
  }
  return { app, server, profilePath };
}

/** The start-up table: one line a key, with a short prefix only. */
export function keyTable(app: MockApp): string {
  const now = app.clock.now();
  const rows = app.seededKeys.map(({ record }) => [
    record.name,
    record.kind,
    record.tier,
    record.scopes.length === 0 ? '(none)' : record.scopes.join(' '),
    `${record.tlpClearance}/${record.papClearance}`,
    keyStatus(record, now),
    record.prefix,
  ]);
  const header = ['name', 'kind', 'tier', 'scopes', 'tlp/pap', 'state', 'key prefix'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: string[]) => r.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export async function runMockCommand(argv: readonly string[]): Promise<number> {
  let options: MockCliOptions;
  try {
    options = parseMockArgs(argv);
  } catch (error) {
    console.error(`casebender mock: ${(error as Error).message}\nRun "casebender mock --help" for the options.`);
    return 2;
  }
  if (options.help) {
    console.log(MOCK_USAGE);
    return 0;
  }
  if (options.listFaults) {
    const width = Math.max(...FAULTS.map((f) => f.name.length));
    const ids = Math.max(...FAULTS.map((f) => f.breaks.join(', ').length));
    for (const f of FAULTS) console.log(`${f.name.padEnd(width)}  ${f.breaks.join(', ').padEnd(ids)}  ${f.description}`);
    return 0;
  }
  let started;
  try {
    started = await startMock(options);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const message =
      e instanceof SeedError || e instanceof ProfileWriteError
        ? e.message
        : e.code === 'EADDRINUSE'
          ? `port ${options.port} on ${options.host} is in use; pick another with --port (0 for any free port)`
          : e.code === 'EACCES'
            ? `not allowed to listen on ${options.host}:${options.port}`
            : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
              ? `cannot listen on ${options.host}: no such local address`
              : e.message;
    console.error(`casebender mock: ${message}`);
    return 2;
  }
  const { app, server, profilePath } = started;
  console.log(`casebender mock listening on ${server.baseUrl} (also ${server.origin}/api)`);
  if (options.faults.length > 0) console.log(`WARNING: broken on purpose (--fault ${options.faults.join(',')}): not a faithful mock`);
  if (!options.quiet) {
    console.log(`clock: ${app.clock.mode}, time scale ${app.clock.scale}; rate limits: ${app.model.policy.rateLimitAlgorithm}`);
    console.log(server.controlUrl === undefined ? 'control API: off' : `control API: ${server.controlUrl} (X-Mock-Token: ${app.controlToken})`);
    console.log(`profile with the full keys: ${profilePath}\n`);
    console.log(keyTable(app));
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
