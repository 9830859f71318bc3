// npm run bench: requests/second of the mock against a bare node:http server that answers the
// same bytes, on 127.0.0.1, each server in its own child process and autocannon in this one.
// The ratio says how much the mock's own work costs; the target is at least 0.80× of bare.
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { captureResponse, replayDifference } from './capture-response.js';
import { measureHandleApi } from './handle-api-micro.js';
import { pinThisProcess, planPinning } from './cpu-pinning.js';
import { busyCorePercent, readCpuTicks } from './machine-load.js';
import { exhaustKey, SCENARIOS, type Scenario } from './scenarios.js';
import { startServerChild, type ServerChild } from './server-child.js';
import type { Replay, ScenarioName } from './server-messages.js';
import { parseThroughputArgs, USAGE, type ThroughputOptions } from './throughput-options.js';
import { BUSY_MACHINE_PERCENT, disturbedRunsWarning, fixed, progressLine, resultTable, runWarnings, summarise, TARGET_RATIO, type Run, type Side } from './throughput-report.js';

const WARM_UP_SECONDS = 1;
const MICRO_SECONDS = 2;

async function main(): Promise<number> {
  const parsed = parseThroughputArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`throughput: ${parsed.message}`);
    return 2;
  }
  const options = parsed.options;
  const scenarios = options.scenarios.map((name) => SCENARIOS[name]);
  const environment = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${process.platform} ${process.arch}` };
  const estimate = Math.round(options.rounds * 2 * scenarios.length * (options.duration + WARM_UP_SECONDS + 0.3) + MICRO_SECONDS + 7);
  console.log(`casebender mock throughput — Node ${environment.node}, ${environment.cpu}, ${environment.cores} cores (${environment.platform})`);
  console.log(
    `${options.connections} connections, pipelining 1, ${options.duration} s per run after a ${WARM_UP_SECONDS} s warm-up, ${options.rounds} rounds, 127.0.0.1; about ${estimate} s\n`,
  );
  const pinning = options.pin ? planPinning() : 'not pinned (--no-pin)';
  if (typeof pinning === 'string') console.log(`${pinning}: autocannon and the server may share a core, and rates swing from run to run.\n`);
  else {
    pinThisProcess(pinning.loader);
    console.log(`pinned with taskset: autocannon (this process) on CPU ${pinning.loader}, the server under test on CPU ${pinning.server}\n`);
  }
  const core = typeof pinning === 'string' ? {} : { core: pinning.server };

  const idleLoad = await machineLoadWhileIdle(1000);
  if (Number.isFinite(idleLoad)) {
    console.log(`machine load before start: ${fixed(idleLoad, 0)}% of a core used by other processes${idleLoad > BUSY_MACHINE_PERCENT ? ' — WARNING: the machine is busy, rates will be disturbed' : ''}\n`);
  }

  // 1. The core alone, before any child process competes for the CPU.
  const micro = await measureHandleApi(MICRO_SECONDS);
  console.log(
    `core only: app.handleApi(read path) in-process, no network: ${micro.microsPerCall.toFixed(2)} µs/request (${Math.round(micro.callsPerSecond).toLocaleString('en-US')} calls/s)\n`,
  );

  // 2. Both servers, started once and kept for every round, each with the server core to itself
  //    while it is measured (the other waits idle); the bytes the bare one replays come from the
  //    mock being measured.
  const profiled = (side: Side) => (options.cpuProf !== undefined ? { ...core, cpuProfDir: join(options.cpuProf, side) } : core);
  const mock = await startServerChild({ kind: 'start', role: 'mock' }, profiled('mock'));
  const children: ServerChild[] = [mock];
  const runs: Run[] = [];
  const warnings: string[] = [];
  try {
    const replays = await captureReplays(mock, scenarios);
    const bare = await startServerChild({ kind: 'start', role: 'bare', replays: replays.byScenario }, profiled('bare'));
    children.push(bare);
    await verifyReplays(bare, scenarios, replays);

    // 3. The runs: in each round and scenario, one run of each server back to back, in
    //    alternating order, so that the ratio of a round compares them under the same conditions
    //    (on a shared machine the rate of one server moves by a quarter from one minute to the next).
    for (let round = 0; round < options.rounds; round++) {
      for (const [index, scenario] of scenarios.entries()) {
        const order: Side[] = (round + index) % 2 === 0 ? ['bare', 'mock'] : ['mock', 'bare'];
        for (const side of order) {
          const run = await measure(side === 'mock' ? mock : bare, side, scenario, round, options, replays);
          runs.push(run);
          warnings.push(...runWarnings(run, scenario));
          console.log(progressLine(run, options.rounds));
        }
      }
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }

  // 4. Medians and the table.
  const summaries = scenarios.map((scenario) => summarise(scenario, runs));
  console.log(`\n${resultTable(summaries, micro)}`);
  const disturbed = disturbedRunsWarning(runs);
  if (disturbed !== undefined) warnings.push(disturbed);
  if (warnings.length > 0) console.log(`\n${warnings.join('\n')}`);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify({ environment, options, pinning, targetRatio: TARGET_RATIO, micro, scenarios: summaries, runs, warnings }, null, 2)}\n`);
    console.log(`\nresults written to ${options.json}`);
  }
  if (options.cpuProf !== undefined) console.log(`CPU profiles of the server children are in ${join(options.cpuProf, 'mock')} and ${join(options.cpuProf, 'bare')}`);
  return 0;
}

interface Replays {
  readonly byScenario: Partial<Record<ScenarioName, Replay>>;
  /** Request headers for the bare runs: the capturing mock's keys, so requests have the same size. */
  readonly requests: Partial<Record<ScenarioName, { path: string; headers: Record<string, string> }>>;
}

async function captureReplays(mock: ServerChild, scenarios: readonly Scenario[]): Promise<Replays> {
  const profile = mock.ready.profile!;
  const byScenario: Partial<Record<ScenarioName, Replay>> = {};
  const requests: Replays['requests'] = {};
  for (const scenario of scenarios) {
    const request = scenario.request(profile);
    const url = `http://127.0.0.1:${mock.ready.ports[scenario.name]}${request.path}`;
    if (scenario.exhaust) await exhaustKey(url, request.headers);
    const replay = await captureResponse(url, request.headers);
    if (replay.status !== scenario.expected) {
      throw new Error(`${scenario.name}: the mock answered ${replay.status}, not ${scenario.expected}: ${Buffer.from(replay.body, 'base64').toString('utf8')}`);
    }
    byScenario[scenario.name] = replay;
    requests[scenario.name] = request;
  }
  return { byScenario, requests };
}

/** Fails unless the bare server answers exactly the bytes it was given. */
async function verifyReplays(bare: ServerChild, scenarios: readonly Scenario[], replays: Replays): Promise<void> {
  for (const scenario of scenarios) {
    const request = replays.requests[scenario.name]!;
    const actual = await captureResponse(`http://127.0.0.1:${bare.ready.ports[scenario.name]}${request.path}`, request.headers);
    const difference = replayDifference(replays.byScenario[scenario.name]!, actual);
    if (difference !== undefined) throw new Error(`the bare server's ${scenario.name} answer is not the mock's: ${difference}`);
  }
  console.log(`bare replays checked: status, headers (less Date/Connection/Keep-Alive) and body identical to the mock's for ${scenarios.map((s) => s.name).join(', ')}\n`);
}

async function measure(child: ServerChild, side: Side, scenario: Scenario, round: number, options: ThroughputOptions, replays: Replays): Promise<Run> {
  const request = side === 'mock' ? scenario.request(child.ready.profile!) : replays.requests[scenario.name]!;
  const url = `http://127.0.0.1:${child.ready.ports[scenario.name]}${request.path}`;
  if (side === 'mock' && scenario.exhaust) await exhaustKey(url, request.headers);
  const load = { url, headers: request.headers, connections: options.connections, pipelining: 1 };
  await autocannon({ ...load, duration: WARM_UP_SECONDS });

  const serverBefore = await child.cpuMicros();
  const loaderBefore = process.cpuUsage();
  const machineBefore = readCpuTicks();
  const startedAt = performance.now();
  const result = await autocannon({ ...load, duration: options.duration });
  const wallMicros = (performance.now() - startedAt) * 1000;
  const machineAfter = readCpuTicks();
  const loaderUsage = process.cpuUsage(loaderBefore);
  const serverMicros = (await child.cpuMicros()) - serverBefore;
  const serverCpuPercent = (100 * serverMicros) / wallMicros;
  const loaderCpuPercent = (100 * (loaderUsage.user + loaderUsage.system)) / wallMicros;
  const machinePercent = machineBefore !== undefined && machineAfter !== undefined ? busyCorePercent(machineBefore, machineAfter, cpus().length) : NaN;

  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = stats.count ?? 0;
  const answered = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return {
    round,
    side,
    scenario: scenario.name,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: answered,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    serverCpuMicrosPerRequest: answered > 0 ? serverMicros / answered : NaN,
    serverCpuPercent,
    loaderCpuPercent,
    otherCpuPercent: Math.max(0, machinePercent - serverCpuPercent - loaderCpuPercent),
  };
}

/** CPU used by the whole machine over `ms` while this process sleeps, % of one core. */
async function machineLoadWhileIdle(ms: number): Promise<number> {
  const before = readCpuTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readCpuTicks();
  return before !== undefined && after !== undefined ? busyCorePercent(before, after, cpus().length) : NaN;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`throughput: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
