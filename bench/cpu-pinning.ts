// Puts the load generator and the server under test on different cores (Linux, taskset), so
// that each has the core the measurement assumes and the kernel cannot wake both ping-ponging
// processes on one core while the other idles.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** The core of this process: autocannon. */
  readonly loader: number;
  /** The core of the server child under test. */
  readonly server: number;
}

/** The plan, or why there is none (not Linux, one core, no taskset). */
export function planPinning(): Pinning | string {
  if (process.platform !== 'linux') return 'not pinned: taskset is Linux-only';
  if (cpus().length < 2) return 'not pinned: one core only';
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return 'not pinned: taskset (util-linux) is not installed';
  }
  return { loader: 0, server: 1 };
}

/** Pins every thread of this process to one core. */
export function pinThisProcess(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}
