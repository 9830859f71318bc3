// Forks bench/servers.ts and talks to it over IPC. Every child is tracked and killed when the
// benchmark exits, fails or is interrupted, so none outlives it.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './server-messages.js';

const SERVERS_SCRIPT = fileURLToPath(new URL('./servers.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface ServerChild {
  readonly pid: number;
  readonly ready: Extract<FromChild, { kind: 'ready' }>;
  /** The child's CPU time (user + system) so far, in µs. */
  cpuMicros(): Promise<number>;
  /** The child's memory now (bytes). */
  memory(): Promise<{ rss: number; heapUsed: number; arrayBuffers: number }>;
  /** Asks the child to exit (so a CPU profile is written), then kills it if it lingers. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      killAll();
      process.stderr.write(`\nthroughput: interrupted (${signal}); server children stopped.\n`);
      process.exit(code);
    });
  }
}

/**
 * Starts a server child and waits until it listens.
 *
 * @example
 * const mock = await startServerChild({ kind: 'start', role: 'mock' });
 * mock.ready.ports.read // a port on 127.0.0.1
 * await mock.stop();
 */
export async function startServerChild(
  start: Extract<ToChild, { kind: 'start' }>,
  options: { cpuProfDir?: string; core?: number } = {},
): Promise<ServerChild> {
  installHooks();
  const execArgv = ['--import', 'tsx'];
  if (options.cpuProfDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
  // taskset execs node in place, so the IPC channel (an inherited fd) and the pid stay the child's.
  const child =
    options.core === undefined
      ? fork(SERVERS_SCRIPT, [start.role], { cwd: REPO_ROOT, execArgv, stdio: [...stdio] })
      : spawn('taskset', ['-c', String(options.core), process.execPath, ...execArgv, SERVERS_SCRIPT, start.role], { cwd: REPO_ROOT, stdio: [...stdio] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  try {
    child.send(start);
    const ready = await nextMessage(child, 'ready', READY_TIMEOUT_MS);
    return {
      pid: child.pid!,
      ready,
      cpuMicros: async () => {
        child.send({ kind: 'usage' } satisfies ToChild);
        return (await nextMessage(child, 'usage', 5_000)).cpuMicros;
      },
      memory: async () => {
        child.send({ kind: 'memory' } satisfies ToChild);
        const { rss, heapUsed, arrayBuffers } = await nextMessage(child, 'memory', 5_000);
        return { rss, heapUsed, arrayBuffers };
      },
      stop: () => stopChild(child, options.cpuProfDir !== undefined ? 15_000 : 3_000),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

function nextMessage<K extends FromChild['kind']>(child: ChildProcess, kind: K, timeoutMs: number): Promise<Extract<FromChild, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`the ${String(child.spawnargs.at(-1))} server child sent no '${kind}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: FromChild): void => {
      if (message.kind === 'failed') settle(new Error(`the server child failed: ${message.message}`));
      else if (message.kind === kind) settle(undefined, message as Extract<FromChild, { kind: K }>);
    };
    const onExit = (code: number | null, signal: string | null): void => settle(new Error(`the server child exited (${signal ?? `code ${code}`}) before sending '${kind}'`));
    function settle(error: Error | undefined, message?: Extract<FromChild, { kind: K }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error !== undefined) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ kind: 'stop' } satisfies ToChild);
    else child.kill('SIGTERM');
  });
}
