// `casebender mock`: starting it from parsed options (store, app, listener, workers, profile), the
// line that says why a start failed, and keeping it until a signal stops it. What it prints once
// started is in print.ts.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../cli/args.js';
import { createMockApp, type MockApp } from '../app.js';
import { referenceModel } from '../../contract/model.js';
import { startMockServer, type MockServer } from '../http/server.js';
import { DEFAULT_SEED_PATH, loadSeed, SeedError } from '../../contract/seed.js';
import { seedSnapshot } from '../../contract/seed.js';
import { openRedisStore, StoreConnectError } from '../store/redis/open-redis-store.js';
import { fromHex, JoinError, joinOrSeed, type SharedStart } from '../store/redis/shared-start.js';
import { forkWorkers, type WorkerInit, type Workers } from '../workers.js';
import type { KeyMaterial } from '../../contract/mint-key.js';
import type { Profile } from '../../contract/profile.js';
import { DataDirError, lockDataDir } from '../store/data-dir.js';
import type { MockCliOptions } from './parse.js';
import { envText } from './print.js';

export class ProfileWriteError extends Error {}

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

/** Why a start failed, in one line (the listen's errors named by address and port). */
export function startFailure(error: unknown, host: string, port: number): string {
  const e = error as NodeJS.ErrnoException;
  return e instanceof SeedError || e instanceof ProfileWriteError || e instanceof StoreConnectError || e instanceof UsageError || e instanceof DataDirError || e instanceof JoinError
    ? e.message
    : e.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use; pick another with --port (0 for any free port)`
      : e.code === 'EACCES'
        ? `not allowed to listen on ${host}:${port}`
        : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
          ? `cannot listen on ${host}: no such local address`
          : e.message;
}

/** How long a stop waits for requests in flight before it cuts them. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Until SIGINT or SIGTERM: then requests in flight finish (their changes count) and the mock
 * stops; the state is saved after (MockApp.flush).
 */
export async function untilStopped(started: StartedMock): Promise<void> {
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Requests in flight finish (their changes count), then the state is saved.
      void started.server.drain(DRAIN_TIMEOUT_MS).then(() => started.stop()).then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A worker lives as long as its parent: it stops on SIGTERM or when the parent is gone. */
export async function untilWorkerStopped(started: StartedMock): Promise<void> {
  await new Promise<void>((resolveStop) => {
    const stop = () => void started.stop().then(resolveStop);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.once('disconnect', stop);
  });
  if (process.connected) process.disconnect();
}
