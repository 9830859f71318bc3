// `casebender mock` in a process of its own, for tests: its output, its exit, and a wait for a
// condition (its listening line, a log line) with a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running = new Set<ChildProcess>();

export interface MockRun {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  readonly exit: Promise<number | null>;
}

/** Starts `casebender mock ARGS` from the checkout; `env` is added to this process's environment. */
export function mock(...args: string[]): MockRun {
  return mockWith({}, ...args);
}

export function mockWith(env: Readonly<Record<string, string>>, ...args: string[]): MockRun {
  const child = spawn(process.execPath, ['bin/casebender.js', 'mock', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exit.then(() => running.delete(child));
  return { child, output: () => ({ stdout, stderr }), exit };
}

/** SIGKILLs every mock these helpers started that still runs (an afterEach). */
export function killMocks(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The first value `get` gives that is neither undefined nor false, polled every 50 ms; throws "<what> within N ms" past the deadline. */
export async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await get();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${ms} ms`);
}
