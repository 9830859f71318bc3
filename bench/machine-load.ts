// The whole machine's busy CPU time (Linux /proc/stat), so that a run can tell how much of it
// went to processes other than autocannon and the server under test: on a shared machine a
// parallel build or test run skews the rates, and the benchmark should say so.
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  readonly busy: number;
  readonly total: number;
}

/** Busy and total clock ticks summed over all cores, or undefined where /proc/stat is missing. */
export function readCpuTicks(): CpuTicks | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal ...
  const fields = line?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Busy time between two readings, in % of one core (2 fully busy cores = 200). */
export function busyCorePercent(before: CpuTicks, after: CpuTicks, cores: number): number {
  const total = after.total - before.total;
  return total > 0 ? (100 * cores * (after.busy - before.busy)) / total : NaN;
}
