// The report of bench/throughput.ts: runs, their medians, the table and the warnings.
import type { MicroResult } from './handle-api-micro.js';
import type { Scenario } from './scenarios.js';
import type { ScenarioName } from './server-messages.js';

/** The mock's target: at least this share of the bare server's requests/second. */
export const TARGET_RATIO = 0.8;

export type Side = 'bare' | 'mock';

export interface Run {
  readonly round: number;
  readonly side: Side;
  readonly scenario: ScenarioName;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  readonly statusCounts: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  /** Server child CPU time per answered request, µs: robust even when the load generator is the bottleneck. */
  readonly serverCpuMicrosPerRequest: number;
  /** CPU use of the server child and of this (load-generating) process during the run, % of one core. */
  readonly serverCpuPercent: number;
  readonly loaderCpuPercent: number;
  /** CPU the rest of the machine used meanwhile, % of one core (kernel network work included); NaN off Linux. */
  readonly otherCpuPercent: number;
}

/** Above this much CPU used by others during a run, its numbers are flagged as disturbed. */
export const BUSY_MACHINE_PERCENT = 25;

export interface ScenarioSummary {
  readonly scenario: ScenarioName;
  readonly title: string;
  readonly bare: SideSummary;
  readonly mock: SideSummary;
  /**
   * The median over rounds of mock ÷ bare req/s within a round: the two runs of a round follow
   * each other, so each ratio compares the two servers under the same machine conditions.
   */
  readonly ratio: number;
  /** The smallest and largest ratio of one round: how far the machine moved the figure. */
  readonly ratioRange: readonly [number, number];
  readonly pass: boolean;
  /** The same median of per-round ratios for server CPU per request (bare ÷ mock): the ratio a saturated server would reach. */
  readonly cpuRatio: number;
}

export interface SideSummary {
  readonly medianRequestsPerSecond: number;
  readonly medianLatencyP50Ms: number;
  readonly medianLatencyP99Ms: number;
  readonly medianServerCpuMicrosPerRequest: number;
  readonly medianServerCpuPercent: number;
  readonly medianLoaderCpuPercent: number;
  /** Share of all answers over all runs that had the scenario's expected status. */
  readonly expectedShare: number;
}

export function runWarnings(run: Run, scenario: Scenario): string[] {
  const where = `WARNING: ${scenario.name}, ${run.side}, round ${run.round + 1}:`;
  const warnings: string[] = [];
  const allowed = new Set([scenario.expected, ...scenario.tolerated].map(String));
  const unexpected = Object.entries(run.statusCounts).filter(([status, count]) => !allowed.has(status) && count > 0);
  if (unexpected.length > 0) {
    warnings.push(`${where} ${unexpected.map(([s, n]) => `${n}× ${s}`).join(', ')} (every answer should be ${scenario.expected})`);
  }
  if (run.errors > 0 || run.timeouts > 0) warnings.push(`${where} ${run.errors} connection errors, ${run.timeouts} timeouts`);
  if (run.requests === 0) warnings.push(`${where} no answers at all`);
  return warnings;
}

/** One line naming the runs during which other processes used the machine, if any. */
export function disturbedRunsWarning(runs: readonly Run[]): string | undefined {
  const disturbed = runs.filter((r) => r.otherCpuPercent > BUSY_MACHINE_PERCENT);
  if (disturbed.length === 0) return undefined;
  const list = disturbed.map((r) => `${r.scenario}/${r.side}/r${r.round + 1} ${fixed(r.otherCpuPercent, 0)}%`).join(', ');
  return `WARNING: in ${disturbed.length} of ${runs.length} runs other processes used more than ${BUSY_MACHINE_PERCENT}% of a core (${list}); their req/s are disturbed — trust the CPU ratio more.`;
}

export function summarise(scenario: Scenario, runs: readonly Run[]): ScenarioSummary {
  const side = (which: Side): SideSummary => {
    const mine = runs.filter((r) => r.scenario === scenario.name && r.side === which);
    const answers = mine.reduce((sum, r) => sum + r.requests, 0);
    const expected = mine.reduce((sum, r) => sum + (r.statusCounts[String(scenario.expected)] ?? 0), 0);
    return {
      medianRequestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
      medianLatencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
      medianLatencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      medianServerCpuMicrosPerRequest: median(mine.map((r) => r.serverCpuMicrosPerRequest)),
      medianServerCpuPercent: median(mine.map((r) => r.serverCpuPercent)),
      medianLoaderCpuPercent: median(mine.map((r) => r.loaderCpuPercent)),
      expectedShare: answers > 0 ? expected / answers : NaN,
    };
  };
  const bare = side('bare');
  const mock = side('mock');
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (const pair of roundPairs(scenario.name, runs)) {
    ratios.push(pair.mock.requestsPerSecond / pair.bare.requestsPerSecond);
    cpuRatios.push(pair.bare.serverCpuMicrosPerRequest / pair.mock.serverCpuMicrosPerRequest);
  }
  const ratio = median(ratios);
  const finite = ratios.filter((r) => Number.isFinite(r));
  const ratioRange: [number, number] = finite.length > 0 ? [Math.min(...finite), Math.max(...finite)] : [NaN, NaN];
  return { scenario: scenario.name, title: scenario.title, bare, mock, ratio, ratioRange, pass: ratio >= TARGET_RATIO, cpuRatio: median(cpuRatios) };
}

/** The (bare, mock) runs of each round of a scenario; a round missing either side is left out. */
function roundPairs(scenario: ScenarioName, runs: readonly Run[]): { bare: Run; mock: Run }[] {
  const byRound = new Map<number, { bare?: Run; mock?: Run }>();
  for (const run of runs) {
    if (run.scenario !== scenario) continue;
    const pair = byRound.get(run.round) ?? {};
    pair[run.side] = run;
    byRound.set(run.round, pair);
  }
  return [...byRound.values()].filter((p): p is { bare: Run; mock: Run } => p.bare !== undefined && p.mock !== undefined);
}

function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const integer = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export function progressLine(run: Run, rounds: number): string {
  return `  round ${run.round + 1}/${rounds}  ${run.side}  ${run.scenario.padEnd(12)} ${integer(run.requestsPerSecond).padStart(8)} req/s  p50 ${fixed(run.latencyP50Ms, 1)} / p99 ${fixed(run.latencyP99Ms, 1)} ms  server ${fixed(run.serverCpuMicrosPerRequest, 1)} µs/req at ${fixed(run.serverCpuPercent, 0)}% CPU, autocannon ${fixed(run.loaderCpuPercent, 0)}%, others ${fixed(run.otherCpuPercent, 0)}%`;
}

export function resultTable(summaries: readonly ScenarioSummary[], micro: MicroResult): string {
  const rows = [
    ['scenario', 'bare req/s', 'mock req/s', 'ratio', 'rounds min–max', 'target', '', 'mock p50/p99 ms'],
    ...summaries.map((s) => [
      s.scenario,
      integer(s.bare.medianRequestsPerSecond),
      integer(s.mock.medianRequestsPerSecond),
      `${fixed(s.ratio, 2)}×`,
      `${fixed(s.ratioRange[0], 2)}–${fixed(s.ratioRange[1], 2)}`,
      `≥ ${TARGET_RATIO.toFixed(2)}×`,
      s.pass ? 'PASS' : 'BELOW',
      `${fixed(s.mock.medianLatencyP50Ms, 1)} / ${fixed(s.mock.medianLatencyP99Ms, 1)}`,
    ]),
  ];
  const cpuRows = [
    ['scenario', 'bare µs/req', 'mock µs/req', 'mock extra', 'CPU ratio', 'server CPU bare/mock', 'autocannon CPU bare/mock'],
    ...summaries.map((s) => [
      s.scenario,
      fixed(s.bare.medianServerCpuMicrosPerRequest, 1),
      fixed(s.mock.medianServerCpuMicrosPerRequest, 1),
      `+${fixed(s.mock.medianServerCpuMicrosPerRequest - s.bare.medianServerCpuMicrosPerRequest, 1)}`,
      `${fixed(s.cpuRatio, 2)}×`,
      `${fixed(s.bare.medianServerCpuPercent, 0)}% / ${fixed(s.mock.medianServerCpuPercent, 0)}%`,
      `${fixed(s.bare.medianLoaderCpuPercent, 0)}% / ${fixed(s.mock.medianLoaderCpuPercent, 0)}%`,
    ]),
  ];
  const lines = [
    'req/s: medians over rounds; ratio: median over rounds of mock req/s ÷ bare req/s within the round (its two runs back to back)',
    formatTable(rows),
    '',
    'server CPU time per answered request (child user+system ÷ answers; medians); CPU ratio: median over rounds of bare ÷ mock, the ratio a saturated server reaches',
    formatTable(cpuRows),
    '',
    `core only (app.handleApi, read path, no HTTP): ${fixed(micro.microsPerCall, 2)} µs/request`,
  ];
  const limited = summaries.find((s) => s.scenario === 'limited');
  if (limited !== undefined) {
    lines.push(`limited: 429 share of answers — mock ${fixed(100 * limited.mock.expectedShare, 2)}%, bare ${fixed(100 * limited.bare.expectedShare, 2)}% (the real clock refills 1 token/s)`);
  }
  return lines.join('\n');
}

function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | '))
    .join('\n');
}
