// `casebender mock`: starts the reference mock, prints its keys, writes the target profile.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createMockApp, type MockApp } from './app.js';
import { ALGORITHMS, referenceModel } from '../contract/model.js';
import type { RateLimitAlgorithm } from '../contract/types.js';
import { startMockServer, type MockServer } from './http/server.js';
import { DEFAULT_SEED_PATH, loadSeed, SeedError } from '../contract/seed.js';
import { keyStatus } from '../contract/authenticate.js';
import { FAULTS, resolveFaults } from './faults/faults.js';
import { seedSnapshot } from '../contract/seed.js';
import { openRedisStore, redactUrl, StoreConnectError } from './store/redis/open-redis-store.js';
import { fromHex, JoinError, joinOrSeed, type SharedStart } from './store/redis/shared-start.js';
import type { StoreErrorMode } from './store/store-unavailable.js';
import { forkWorkers, receiveInit, reportToParent, WORKER_ENV, type WorkerInit, type Workers } from './workers.js';
import type { KeyMaterial } from '../contract/mint-key.js';
import { envLines, type Profile } from '../contract/profile.js';
import { DataDirError, lockDataDir } from './store/data-dir.js';

export const MOCK_USAGE = `Usage: casebender mock [options]

Starts the CaseBender reference mock: the API under /api/v1 and /api, seeded keys and
entities, and a control API under /__mock/ guarded by a token.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port N               port (default 4010; 0 picks a free one)
  --clock real|virtual   real time (default), or a clock only the control API moves
  --time-scale N         one real second counts as N seconds (default 1)
  --algorithm NAME       token-bucket (default) | sliding-window | fixed-window
  --store memory|URL     where the state lives: memory (default, this process) or a Redis URL
                         (redis://127.0.0.1:6379[/DB]) shared by every worker; a mock started on a
                         Redis that holds a mock's state joins it (keys, entities, limits, clock)
  --key-secret S         derive the seeded keys' material from S and each key's name, so every
                         replica and every restart has the same keys (or CASEBENDER_KEY_SECRET;
                         at least 16 characters; never stored or printed)
  --workers N            N processes on ports P, P+1, ... sharing the --store (default 1)
  --on-store-error MODE  while Redis is unreachable: closed (default) answers 503; open answers
                         from each process's last reads, with per-process limits
  --profile-out FILE     where to write the target profile (default reports/mock-profile.json)
  --print-env [FILE]     the seeded keys as CB_KEY_<NAME>=... lines (legacy pairs as _ACCESS_KEY and
                         _SECRET), with CB_BASE_URL and CB_MOCK_TOKEN, for a shell to source
                         (set -a; . FILE; set +a): into FILE (owner-only), or without FILE on
                         standard output alone (the other start-up lines go to standard error)
  --data DIR             keep keys, entities, limiter state and the clock in DIR across restarts
                         (keys as hashes only; a restart reuses the material in --profile-out)
  --seed FILE            seed entities and keys (default fixtures/seed.json)
  --no-control           turn the control API off
  --control-token T      use this control token instead of a random one
  --headers-timeout MS   a request head not complete in MS gets 408 (default 10000)
  --request-timeout MS   a request, body included, not complete in MS gets 408 (default 30000)
  --fault NAME[,NAME]    break the mock on purpose, to test a suite (names: casebender mock --list-faults);
                         PUT /__mock/faults {"faults": [...]} switches them while it runs
  --list-faults          list the faults and the requirement each breaks
  --quiet                print only the listening line
  -h, --help             show this help

Exit codes: 0 after a clean stop (Ctrl-C, SIGTERM: requests in flight finish, the state is
saved), 1 when the state cannot be saved at the stop, 2 for a usage error, an unreadable seed
file or data directory, a port that cannot be used, a store that cannot be reached at start, or
a shared store holding a mock started with other settings (time scale, clock, algorithm, seed,
key secret, control token). A start that exits 2 has written nothing to the store.`;

export class UsageError extends Error {}
export class ProfileWriteError extends Error {}

export interface MockCliOptions {
  host: string;
  port: number;
  clock: 'real' | 'virtual';
  timeScale: number;
  algorithm: RateLimitAlgorithm;
  /** 'memory' or a redis:// URL. */
  store: string;
  workers: number;
  onStoreError: StoreErrorMode;
  profileOut: string;
  /** --print-env: a file for the key variables, or '-' for standard output. */
  printEnv?: string;
  data?: string;
  seed?: string;
  control: boolean;
  controlToken?: string;
  /** --key-secret or CASEBENDER_KEY_SECRET. */
  keySecret?: string;
  /** Overrides of fixtures/policy.json's HTTP timeouts. */
  limits: { headersTimeoutMs?: number; requestTimeoutMs?: number };
  quiet: boolean;
  faults: string[];
  listFaults: boolean;
  help: boolean;
}

/** The environment variable that gives the key secret without putting it on the command line. */
export const KEY_SECRET_ENV = 'CASEBENDER_KEY_SECRET';

/** Parses `casebender mock` arguments; throws UsageError with one clear line. */
export function parseMockArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): MockCliOptions {
  // --print-env takes an optional FILE: without one (the next word is an option, or none), standard output.
  const args = argv.map((a, i) => (a === '--print-env' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) ? '--print-env=-' : a));
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '4010' },
        clock: { type: 'string', default: 'real' },
        'time-scale': { type: 'string', default: '1' },
        algorithm: { type: 'string', default: 'token-bucket' },
        store: { type: 'string', default: 'memory' },
        workers: { type: 'string', default: '1' },
        'on-store-error': { type: 'string', default: 'closed' },
        'profile-out': { type: 'string', default: 'reports/mock-profile.json' },
        'print-env': { type: 'string' },
        data: { type: 'string' },
        seed: { type: 'string' },
        'no-control': { type: 'boolean', default: false },
        'control-token': { type: 'string' },
        'key-secret': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
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
  const ms = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer of milliseconds; got "${v}"`);
    return n;
  };
  const headersTimeoutMs = ms('headers-timeout', values['headers-timeout']);
  const requestTimeoutMs = ms('request-timeout', values['request-timeout']);
  if (values.data === '') throw new UsageError('--data needs a directory');
  if (values.data !== undefined && values.store !== 'memory') throw new UsageError('--data keeps the in-memory state; a Redis --store keeps its own (use Redis persistence)');
  if (values['control-token'] !== undefined && values['control-token'].length < 16) throw new UsageError('--control-token must be at least 16 characters');
  const keySecret = values['key-secret'] ?? (env[KEY_SECRET_ENV] === '' ? undefined : env[KEY_SECRET_ENV]);
  if (keySecret !== undefined && keySecret.length < 16) throw new UsageError(`${values['key-secret'] !== undefined ? '--key-secret' : KEY_SECRET_ENV} must be at least 16 characters`);
  if (keySecret !== undefined && values.data !== undefined) throw new UsageError('--key-secret and --data both decide the seeded keys; use one');
  const store = values.store;
  if (store !== 'memory' && !/^rediss?:\/\/[^/\s]+(\/\d+)?\/?$/.test(store)) throw new UsageError(`--store must be memory or a Redis URL such as redis://127.0.0.1:6379; got "${store}"`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers must be an integer from 1 to 64; got "${values.workers}"`);
  if (workers > 1 && store === 'memory') throw new UsageError('--workers needs a shared store (--store redis://HOST:PORT): with memory each process would keep its own limits');
  if (workers > 1 && values.clock === 'virtual') throw new UsageError('--clock virtual is one process\'s clock; use --workers 1 with it');
  if (workers > 1 && port !== 0 && port + workers - 1 > 65535) throw new UsageError(`--port ${port} leaves no room for ${workers} workers (ports ${port} to ${port + workers - 1})`);
  const onStoreError = values['on-store-error'];
  if (onStoreError !== 'closed' && onStoreError !== 'open') throw new UsageError(`--on-store-error must be closed or open; got "${onStoreError}"`);
  if (onStoreError === 'open' && store === 'memory') throw new UsageError('--on-store-error applies to a shared store (--store redis://...)');
  if (workers === 1 && faults.some((f) => FAULTS.find((x) => x.name === f)?.multiProcess === true)) throw new UsageError(`--fault ${faults.join(',')}: shows only with --workers 2 or more`);
  return {
    host: values.host,
    port,
    clock: values.clock,
    timeScale,
    algorithm: values.algorithm as RateLimitAlgorithm,
    store,
    workers,
    onStoreError,
    profileOut: values['profile-out'],
    ...(values['print-env'] !== undefined ? { printEnv: values['print-env'] } : {}),
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    control: !values['no-control'],
    ...(values['control-token'] !== undefined ? { controlToken: values['control-token'] } : {}),
    ...(keySecret !== undefined ? { keySecret } : {}),
    limits: { ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}), ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) },
    quiet: values.quiet,
    faults,
    listFaults: values['list-faults'],
    help: values.help,
  };
}

export interface StartedMock {
  readonly app: MockApp;
  readonly server: MockServer;
  /** undefined in a worker (the first process writes the profile). */
  readonly profilePath: string | undefined;
  /** The profile written (undefined in a worker). */
  readonly profile?: Profile;
  /** The other workers' base URLs (--workers). */
  readonly otherBaseUrls: readonly string[];
  stop(): Promise<void>;
  /** Gives up the --data directory's lock; after the last save. */
  releaseData(): void;
  /** On a shared store: whether this start seeded it or joined the mock it held. */
  readonly shared?: { readonly role: 'seeded' | 'joined'; readonly seededAt: string; readonly keySecret: boolean };
}

/** Log lines of the mock's own state (the store lost and back), naming the worker in a worker. */
const logger = (worker: WorkerInit | undefined) => (line: string) => console.error(worker === undefined ? `casebender mock: ${line}` : `casebender mock (worker ${worker.index}): ${line}`);

/**
 * Starts the mock from parsed options: opens the store, builds the app, listens, starts the other
 * workers and writes the profile. In a worker (`worker` given) it takes the first process's
 * keys, clock and token instead, and writes nothing. Throws SeedError, StoreConnectError,
 * ProfileWriteError or the listen error.
 */
export async function startMock(options: MockCliOptions, worker?: WorkerInit, argv: readonly string[] = []): Promise<StartedMock> {
  // Before the state is read: another mock saving to the same directory is refused, not raced.
  const releaseData = options.data !== undefined && worker === undefined ? lockDataDir(options.data) : () => {};
  try {
    return { ...(await startLocked(options, worker, argv)), releaseData };
  } catch (error) {
    releaseData();
    throw error;
  }
}

async function startLocked(options: MockCliOptions, worker: WorkerInit | undefined, argv: readonly string[]): Promise<Omit<StartedMock, 'releaseData'>> {
  const log = logger(worker);
  const profilePath = resolve(options.profileOut);
  // Everything that can refuse this start does so before anything is written to the store: the
  // seed file, the profile's place, the ports, the store's reachability, a shared store's settings.
  const model = referenceModel({ policy: { rateLimitAlgorithm: options.algorithm } });
  const seed = loadSeed(options.seed ?? DEFAULT_SEED_PATH, model);
  if (worker === undefined) {
    checkWritable(profilePath, 'the profile');
    if (options.printEnv !== undefined && options.printEnv !== '-') checkWritable(resolve(options.printEnv), 'the key variables (--print-env)');
    await checkPorts(options.host, options.port, options.workers);
  }
  const opened = options.store === 'memory' ? undefined : await openRedisStore(options.store, { mode: options.onStoreError, log });
  const closeStore = async () => opened?.close();
  let shared: SharedStart | undefined;
  try {
    if (opened !== undefined && worker === undefined) {
      shared = await joinOrSeed(opened.redis, {
        seed,
        model,
        clock: { mode: options.clock, scale: options.timeScale },
        algorithm: options.algorithm,
        control: options.control,
        ...(options.controlToken !== undefined ? { controlToken: options.controlToken } : {}),
        ...(options.keySecret !== undefined ? { keySecret: options.keySecret } : {}),
        knownMaterial: materialIn(profilePath),
        now: Date.now(),
      });
    } else if (opened !== undefined) {
      // A worker resets to the marker its parent seeded or joined (a reset writes it again).
      const marker = await opened.redis.readMarker();
      if (marker !== null) opened.redis.useMarker(marker);
    }
  } catch (error) {
    await closeStore();
    throw error;
  }
  // One time for every replica and worker: the seeding mock's origin, kept in the store.
  const origin = worker?.clockOrigin ?? shared?.meta.clock.origin ?? Date.now();
  const clockStart = worker?.clockStart ?? shared?.meta.clock.start ?? origin;
  const workerHash = worker?.controlToken === undefined && worker?.controlTokenHash !== undefined ? fromHex(worker.controlTokenHash) : undefined;
  let app: MockApp;
  try {
    app = await createMockApp({
      ...(options.data !== undefined && worker === undefined ? { dataDir: options.data, knownMaterial: materialIn(profilePath) } : {}),
      clock: options.clock,
      timeScale: options.timeScale,
      algorithm: options.algorithm,
      control: options.control,
      seed,
      ...(opened !== undefined ? { stores: opened.stores } : {}),
      ...(options.clock === 'real' ? { clockOrigin: origin, clockStart } : {}),
      ...(worker !== undefined ? { seededKeys: worker.seededKeys, storesSeeded: true, ...(worker.controlToken !== undefined ? { controlToken: worker.controlToken } : workerHash !== undefined ? { controlTokenHash: workerHash } : {}) } : {}),
      ...(shared !== undefined ? { seededKeys: shared.seededKeys, storesSeeded: true, ...(shared.controlToken !== undefined ? { controlToken: shared.controlToken } : shared.controlTokenHash !== undefined ? { controlTokenHash: shared.controlTokenHash } : {}) } : {}),
      ...(worker === undefined && shared === undefined && options.controlToken !== undefined ? { controlToken: options.controlToken } : {}),
      ...(worker === undefined && shared === undefined && options.keySecret !== undefined ? { keySecret: options.keySecret } : {}),
      faults: options.faults,
    });
  } catch (error) {
    await closeStore();
    throw error;
  }
  opened?.setSnapshot(seedSnapshot(app.seed, app.seededKeys));
  let server: MockServer;
  try {
    // A worker's port comes from its parent: P + N, 0 (any) with --port 0, or the port it had when it is started again.
    server = await startMockServer(app, { host: options.host, port: worker === undefined ? options.port : worker.port, limits: options.limits });
  } catch (error) {
    await closeStore();
    // A limit node:http refuses (a headers timeout past the request timeout) is a usage error.
    if (error instanceof Error && error.message.startsWith('limits.')) throw new UsageError(error.message.replace('limits.headersTimeoutMs', '--headers-timeout').replace('limits.requestTimeoutMs', '--request-timeout'));
    throw error;
  }
  const stopServer = async () => {
    await server.close();
    await closeStore();
  };
  if (worker !== undefined) return { app, server, profilePath: undefined, otherBaseUrls: [], stop: stopServer };
  const sharedInfo = shared === undefined ? {} : { shared: { role: shared.role, seededAt: shared.meta.seededAt, keySecret: shared.meta.keySecret } };
  let workers: Workers | undefined;
  if (options.workers > 1) {
    try {
      workers = await forkWorkers(
        argv,
        options.workers,
        {
          controlToken: app.controlToken,
          ...(app.controlToken === undefined && shared?.meta.controlTokenHash !== undefined ? { controlTokenHash: shared.meta.controlTokenHash } : {}),
          clockOrigin: origin,
          clockStart,
          seededKeys: app.seededKeys,
        },
        options.port,
        log,
      );
    } catch (error) {
      await stopServer();
      throw error;
    }
  }
  const stop = async () => {
    await workers?.stop();
    await stopServer();
  };
  let written: Profile;
  try {
    mkdirSync(dirname(profilePath), { recursive: true });
    written = app.profile(server.baseUrl, server.controlUrl);
    // RL-10: the other workers are other nodes of one deployment; the suites spread load over them.
    if (workers !== undefined) written.target.extraBaseUrls = [...workers.baseUrls];
    writeSecretFile(profilePath, JSON.stringify(written, null, 2) + '\n');
    if (options.printEnv !== undefined && options.printEnv !== '-') writeSecretFile(resolve(options.printEnv), envText(written));
  } catch (error) {
    await stop();
    throw new ProfileWriteError(`cannot write ${(error as { file?: string }).file ?? `the profile to ${profilePath}`}: ${(error as Error).message}`);
  }
  return { app, server, profilePath, profile: written, otherBaseUrls: workers?.baseUrls ?? [], stop, ...sharedInfo };
}

/** A file can be written (its directory made); a ProfileWriteError naming `what` otherwise. */
function checkWritable(path: string, what: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch (error) {
    throw new ProfileWriteError(`cannot write ${what} to ${path}: ${(error as Error).message}`);
  }
}

/** A file holding key material: owner-only, also when it was already there with wider permissions. */
function writeSecretFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (error) {
    throw Object.assign(error as Error, { file: path });
  }
}

/** What --print-env writes: a header saying how to use it, then the assignments. */
function envText(profile: Profile): string {
  return `# casebender mock keys (${new Date().toISOString()}); load with: set -a; . THIS-FILE; set +a\n${envLines(profile).join('\n')}\n`;
}

/**
 * Whether this start's ports can be listened on (P, and P+1... for --workers), tried before the
 * store is touched; the listen itself follows. Port 0 (any free port) always can.
 */
async function checkPorts(host: string, port: number, count: number): Promise<void> {
  if (port === 0) return;
  for (let p = port; p < port + count; p++) {
    await new Promise<void>((resolveCheck, reject) => {
      const probe = createNetServer();
      probe.once('error', (error: NodeJS.ErrnoException) => {
        if (p !== port && error.code === 'EADDRINUSE') reject(new UsageError(`port ${p} on ${host} (worker ${p - port}'s) is in use; pick another --port`));
        else reject(error);
      });
      probe.listen({ host, port: p, exclusive: true }, () => probe.close(() => resolveCheck()));
    });
  }
}

/**
 * The seeded keys' material in a profile an earlier start wrote, for a restart from --data (which
 * keeps hashes only). Anything unreadable gives nothing: the mock then says which keys it lost.
 */
function materialIn(profilePath: string): { id: string; material: KeyMaterial }[] {
  let keys: unknown;
  try {
    keys = (JSON.parse(readFileSync(profilePath, 'utf8')) as { keys?: unknown }).keys;
  } catch {
    return [];
  }
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((k: Record<string, unknown>): { id: string; material: KeyMaterial }[] => {
    if (typeof k['id'] !== 'string') return [];
    if (typeof k['key'] === 'string') return [{ id: k['id'], material: { kind: 'modern', key: k['key'] } as const }];
    if (typeof k['accessKey'] === 'string' && typeof k['secret'] === 'string') return [{ id: k['id'], material: { kind: 'legacy', accessKey: k['accessKey'], secret: k['secret'] } as const }];
    return [];
  });
}

/**
 * The start-up table: a key a row, with its display prefix only (the material is in the profile).
 * Scope lists are whole, wrapped onto further lines under their column, never cut.
 */
export function keyTable(app: MockApp, width = 48): string {
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
  const SCOPES = 3;
  /** The scope list as lines of at most `width` characters, broken between scopes. */
  const wrap = (text: string): string[] => {
    const lines: string[] = [];
    for (const word of text.split(' ')) {
      const last = lines.at(-1);
      if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
    }
    return lines;
  };
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === SCOPES ? Math.max(...wrap(r[i]!).map((l) => l.length)) : r[i]!.length))));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header)];
  for (const r of rows) {
    const [first, ...more] = wrap(r[SCOPES]!);
    out.push(line(r.map((c, i) => (i === SCOPES ? first! : c))));
    for (const scopes of more) out.push(line(r.map((_c, i) => (i === SCOPES ? scopes : ''))));
  }
  return out.join('\n');
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
  const workerEnv = process.env[WORKER_ENV];
  const worker = workerEnv !== undefined && process.send !== undefined ? await receiveInit() : undefined;
  let started: StartedMock;
  try {
    started = await startMock(options, worker, argv);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const port = worker !== undefined ? worker.port : options.port;
    const message =
      e instanceof SeedError || e instanceof ProfileWriteError || e instanceof StoreConnectError || e instanceof UsageError || e instanceof DataDirError || e instanceof JoinError
        ? e.message
        : e.code === 'EADDRINUSE'
          ? `port ${port} on ${options.host} is in use; pick another with --port (0 for any free port)`
          : e.code === 'EACCES'
            ? `not allowed to listen on ${options.host}:${port}`
            : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
              ? `cannot listen on ${options.host}: no such local address`
              : e.message;
    if (worker !== undefined) {
      reportToParent({ type: 'failed', message });
      process.disconnect?.();
    } else console.error(`casebender mock: ${message}`);
    return 2;
  }
  const { app, server, profilePath } = started;
  if (worker !== undefined) {
    reportToParent({ type: 'ready', baseUrl: server.baseUrl });
    // A worker lives as long as its parent: it stops on SIGTERM or when the parent is gone.
    await new Promise<void>((resolveStop) => {
      const stop = () => void started.stop().then(resolveStop);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      process.once('disconnect', stop);
    });
    if (process.connected) process.disconnect();
    return 0;
  }
  // With --print-env and no file, standard output carries the key variables alone.
  const toStdout = options.printEnv === '-';
  const say = toStdout ? (line: string) => console.error(line) : (line: string) => console.log(line);
  if (toStdout && started.profile !== undefined) process.stdout.write(envText(started.profile));
  say(`casebender mock listening on ${server.baseUrl} (also ${server.origin}/api)`);
  for (const [i, url] of started.otherBaseUrls.entries()) say(`worker ${i + 1} listening on ${url}`);
  if (options.store !== 'memory') say(`store: ${redactUrl(options.store)}, shared by ${options.workers} process${options.workers > 1 ? 'es' : ''}; when unreachable: ${options.onStoreError === 'closed' ? '503' : 'answer from last reads'}`);
  if (options.faults.length > 0) say(`WARNING: broken on purpose (--fault ${options.faults.join(',')}): not a faithful mock`);
  if (started.shared !== undefined) {
    say(
      started.shared.role === 'joined'
        ? `joined the mock this store has held since ${started.shared.seededAt}: its keys, entities, rate limits, clock and control token are shared`
        : 'seeded this store (it held no mock); mocks started on it later join this one',
    );
  }
  const lost = app.seededKeys.filter((k) => k.material === undefined).map((k) => k.record.name);
  if (lost.length > 0 && started.shared?.role === 'joined') {
    const vouched = app.seededKeys.length - lost.length;
    say(`the seeded keys' material is in the profile of the replica that seeded the store (or give every replica the same --key-secret); this one can vouch for ${vouched} of ${app.seededKeys.length}${vouched > 0 ? ` (${app.seededKeys.filter((k) => k.material !== undefined).map((k) => k.record.name).join(', ')})` : ''}, and ${profilePath} lists only those`);
  } else if (lost.length > 0) {
    say(`WARNING: the material of ${lost.length} seeded key(s) (${lost.join(', ')}) was not in ${profilePath}; they still work for whoever holds them, but the profile lists only the others`);
  }
  if (!options.quiet) {
    say(`clock: ${app.clock.mode}, time scale ${app.clock.scale}; rate limits: ${app.model.policy.rateLimitAlgorithm}`);
    say(server.controlUrl === undefined ? 'control API: off' : `control API: ${server.controlUrl} (X-Mock-Token: ${app.controlToken ?? 'the shared one, in the profile of the replica that seeded the store'})`);
    if (options.data !== undefined) say(`state: ${resolve(options.data)} (${app.restored ? 'restored' : 'new'})`);
    say(`profile with the full keys: ${profilePath}${options.printEnv !== undefined && options.printEnv !== '-' ? `; as shell variables: ${resolve(options.printEnv)} (set -a; . ${options.printEnv}; set +a)` : options.printEnv === undefined ? ' (as shell variables: --print-env FILE)' : ''}\n`);
    say(keyTable(app));
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Requests in flight finish (their changes count), then the state is saved.
      void server.drain(DRAIN_TIMEOUT_MS).then(() => started.stop()).then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  try {
    app.flush();
  } catch (error) {
    console.error(`casebender mock: cannot save the state to ${options.data}: ${(error as Error).message}`);
    return 1;
  } finally {
    started.releaseData();
  }
  return 0;
}

/** How long a stop waits for requests in flight before it cuts them. */
const DRAIN_TIMEOUT_MS = 10_000;
