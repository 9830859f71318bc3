// --workers N: N processes of one mock, each listening on its own port and sharing one store
// (Redis), one clock (origin and scale), one seed (the keys minted once) and one control token,
// so that they answer as the nodes of one deployment behind a load balancer would.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SeededKey } from '../contract/seed.js';

/** Environment variable that makes `casebender mock` a worker of another (its parent). */
export const WORKER_ENV = 'CASEBENDER_MOCK_WORKER';

/** What the first process hands every other worker. */
export interface WorkerInit {
  readonly index: number;
  readonly port: number;
  readonly controlToken: string | undefined;
  /** The control token's hash (hex) where the first process does not know the token (it joined a shared store). */
  readonly controlTokenHash?: string;
  readonly clockOrigin: number;
  readonly clockStart: number;
  readonly seededKeys: readonly SeededKey[];
}

type WireInit = Omit<WorkerInit, 'seededKeys'> & { seededKeys: (Omit<SeededKey, 'record'> & { record: Omit<SeededKey['record'], 'hash'> & { hash: string } })[] };
type WorkerMessage = { type: 'ready'; baseUrl: string } | { type: 'failed'; message: string };

const BIN = fileURLToPath(new URL('../bin/casebender.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
/** A worker that stops by itself is started again on its port, at most this often... */
const MAX_RESTARTS = 5;
/** ...within this window; past it the worker stays down and the log says so. */
const RESTART_WINDOW_MS = 60_000;

const toWire = (init: WorkerInit): WireInit => ({
  ...init,
  seededKeys: init.seededKeys.map((k) => ({ ...k, record: { ...k.record, hash: Buffer.from(k.record.hash).toString('base64') } })),
});
const fromWire = (wire: WireInit): WorkerInit => ({
  ...wire,
  seededKeys: wire.seededKeys.map((k) => ({ ...k, record: { ...k.record, hash: Buffer.from(k.record.hash, 'base64') } })),
});

export interface Workers {
  /** The base URL of each other worker, in order. */
  readonly baseUrls: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts workers 1..count-1 as child processes running the same `casebender mock` arguments;
 * resolves once each listens, rejects with the first one's start-up error.
 */
export async function forkWorkers(argv: readonly string[], count: number, shared: Omit<WorkerInit, 'index' | 'port'>, basePort: number, log: (line: string) => void): Promise<Workers> {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  /** Starts worker `index` on `port` (0: any); resolves with its base URL once it listens. */
  const start = (index: number, port: number): Promise<string> => {
    const child = fork(BIN, ['mock', ...argv], { env: { ...process.env, [WORKER_ENV]: String(index) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    return new Promise<string>((resolve, reject) => {
      let ready: string | undefined;
      const timer = setTimeout(() => {
        reject(new Error(`worker ${index} did not start within ${START_TIMEOUT_MS / 1000} s`));
        child.kill('SIGKILL');
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        children.delete(child);
        if (ready === undefined) return reject(new Error(`worker ${index} exited at start`));
        if (!stopping) restart(index, ready, `${signal ?? `exit ${code}`}`);
      });
      child.on('message', (message: WorkerMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve((ready = message.baseUrl));
        else reject(new Error(`worker ${index}: ${message.message}`));
      });
      child.send(toWire({ ...shared, index, port }));
    });
  };
  const restarts = new Map<number, number[]>();
  /**
   * A worker that stopped by itself (a crash, a kill) is started again on the port it had, so the
   * profile's base URLs stay true; a worker that keeps stopping is left down, saying so.
   */
  const restart = (index: number, baseUrl: string, why: string): void => {
    const now = Date.now();
    const recent = (restarts.get(index) ?? []).filter((at) => now - at < RESTART_WINDOW_MS);
    if (recent.length >= MAX_RESTARTS) {
      log(`worker ${index} stopped (${why}) ${MAX_RESTARTS} times within ${RESTART_WINDOW_MS / 1000} s; it stays down and ${baseUrl} no longer answers`);
      return;
    }
    restarts.set(index, [...recent, now]);
    log(`worker ${index} stopped (${why}); starting it again on ${baseUrl}`);
    const port = Number(new URL(baseUrl).port);
    // A little later each time, so a worker that cannot start does not spin.
    setTimeout(() => {
      if (stopping) return;
      start(index, port).then(
        () => log(`worker ${index} is back on ${baseUrl}`),
        (error: Error) => {
          log(`worker ${index} could not start again: ${error.message}`);
          if (!stopping) restart(index, baseUrl, 'restart failed');
        },
      );
    }, 100 * 2 ** recent.length).unref();
  };
  const started = Array.from({ length: count - 1 }, (_v, i) => start(i + 1, basePort === 0 ? 0 : basePort + i + 1));
  try {
    return { baseUrls: await Promise.all(started), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** In a worker: the init its parent sends. */
export function receiveInit(): Promise<WorkerInit> {
  return new Promise((resolve) => process.once('message', (wire: WireInit) => resolve(fromWire(wire))));
}

/** In a worker: tells the parent it listens, or why it cannot. */
export function reportToParent(message: WorkerMessage): void {
  process.send?.(message);
}
